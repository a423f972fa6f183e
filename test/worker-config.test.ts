import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stackEnv } from './helpers/stack';

const root = path.resolve(__dirname, '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

// The worker entry point refuses to start on a bad setting and says which one.
describe('worker entry point with bad config', () => {
  it.each([
    ['TEMPORAL_ADDRESS', 'no-port-here'],
    ['WORKER_MAX_CONCURRENT_ACTIVITIES', 'many'],
    ['PUSH_WEBHOOK_SECRET', 'short'],
  ])('exits non-zero naming %s', (setting, value) => {
    const res = spawnSync(tsx, ['worker/main.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, ...stackEnv(), [setting]: value },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(res.status).toBe(78);
    expect(res.stderr).toContain(setting);
    expect(res.stderr).not.toContain(value);
  });
});
