import { inject } from 'vitest';
import { type Config, loadConfig } from '../../common/config';

/** Settings of the stack the global setup started (or reused). */
export function stackEnv(): Record<string, string> {
  return inject('stackEnv');
}

/** The validated config a process on this stack would see, with per-test overrides. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ ...stackEnv(), ...overrides });
}

/** A task queue of its own per test, so suites never pick up each other's tasks. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
