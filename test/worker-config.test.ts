import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCAL_PAYLOAD_KEY } from '../common/temporal/local-dev-key';
import { PRODUCTION_SECRETS, productionEnv } from './helpers/production-env';
import { stackEnv } from './helpers/stack';

const root = path.resolve(__dirname, '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const entries = [
  ['the worker', 'worker/main.ts'],
  ['the Functions entry', 'functions/index.ts'],
] as const;

function start(entry: string, env: Record<string, string>) {
  return spawnSync(tsx, [entry], { cwd: root, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 60_000 });
}

// The entry points refuse to start on a bad setting and say which one.
describe('entry points with bad config', () => {
  it.each([
    ['TEMPORAL_ADDRESS', 'no-port-here'],
    ['WORKER_MAX_CONCURRENT_ACTIVITIES', 'many'],
    ['PUSH_WEBHOOK_SECRET', 'short'],
  ])('the worker exits 78 naming %s', (setting, value) => {
    const res = start('worker/main.ts', { ...stackEnv(), [setting]: value });
    expect(res.status).toBe(78);
    expect(res.stderr).toContain(setting);
    expect(res.stderr).not.toContain(value);
  });
});

// Production: no REDDYFIT_LOCAL_MODE, no emulators. Each case adds one laptop-only or malformed setting.
const production = productionEnv();
const secretLooking = [...Object.values(PRODUCTION_SECRETS), LOCAL_PAYLOAD_KEY, 'storage-secret-value', 'pem-secret-value'];

describe('production guards at start-up', () => {
  it.each<[string, string, Record<string, string>]>([
    ['an emulator host', 'FIRESTORE_EMULATOR_HOST', { FIRESTORE_EMULATOR_HOST: '127.0.0.1:8080' }],
    ['an Auth emulator host', 'FIREBASE_AUTH_EMULATOR_HOST', { FIREBASE_AUTH_EMULATOR_HOST: '127.0.0.1:9099' }],
    ['the published dev payload key', 'PAYLOAD_ENCRYPTION_KEY', { PAYLOAD_ENCRYPTION_KEY: LOCAL_PAYLOAD_KEY }],
    ['an all-zero payload key', 'PAYLOAD_ENCRYPTION_KEY', { PAYLOAD_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64') }],
    ['an API key without TLS', 'TEMPORAL_TLS', { TEMPORAL_TLS: 'false' }],
    ['plain Temporal on a non-loopback address', 'TEMPORAL_TLS', { TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_API_KEY: '' }],
    ['Temporal Cloud without TLS', 'TEMPORAL_TLS', { TEMPORAL_API_KEY: '' }],
    [
      'a malformed service account',
      'FIREBASE_SERVICE_ACCOUNT_JSON',
      { FIREBASE_SERVICE_ACCOUNT_JSON: `{"private_key":"${PRODUCTION_SECRETS.serviceAccountKey}"` },
    ],
    ['a malformed storage string', 'ScanStorage', { ScanStorage: 'AccountName=x;AccountKey=storage-secret-value!' }],
    [
      'a malformed TLS key',
      'TEMPORAL_TLS_CLIENT_KEY_DATA',
      { TEMPORAL_TLS_CLIENT_CERT_DATA: 'pem-secret-value', TEMPORAL_TLS_CLIENT_KEY_DATA: 'pem-secret-value' },
    ],
  ])('with %s: both entries exit 78 naming %s and echo no value', (_what, setting, extra) => {
    for (const [, entry] of entries) {
      const res = start(entry, { ...production, ...extra });
      expect({ entry, status: res.status }).toEqual({ entry, status: 78 });
      expect(res.stderr).toContain(setting);
      for (const secret of secretLooking) expect(`${res.stdout}${res.stderr}`).not.toContain(secret);
    }
  });

  it('local mode accepts the local stack (the same settings that run every other test)', () => {
    expect(stackEnv().REDDYFIT_LOCAL_MODE).toBe('true');
  });
});
