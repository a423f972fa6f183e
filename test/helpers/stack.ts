import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { type Config, DEFAULT_CONTAINERS, loadConfig } from '../../common/config';

/**
 * This test file's own Blob containers. Integration files run side by side on one stack, and a Functions host
 * polls its whole upload container (as Event Grid covers it in Azure): on a shared one, one file's host would
 * deliver another file's photos to its own trigger and start that file's scans on its own task queue. Made
 * before the file's tests and deleted after them (test/setup/own-containers.ts).
 */
const fileId = randomBytes(4).toString('hex');
export const FILE_CONTAINERS = {
  SCAN_UPLOADS_CONTAINER: `${DEFAULT_CONTAINERS.uploads}-${fileId}`,
  SEALED_PHOTOS_CONTAINER: `${DEFAULT_CONTAINERS.sealed}-${fileId}`,
  WORKFLOW_ARCHIVES_CONTAINER: `${DEFAULT_CONTAINERS.archives}-${fileId}`,
} as const;

/** Settings of the stack the global setup started (or reused), with this file's own containers. */
export function stackEnv(): Record<string, string> {
  return { ...inject('stackEnv'), ...FILE_CONTAINERS };
}

/** The validated config a process on this stack would see, with per-test overrides. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ ...stackEnv(), ...overrides });
}

/** A task queue of its own per test, so suites never pick up each other's tasks. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
