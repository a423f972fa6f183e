import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

const local = {
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
  PAYLOAD_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  FIREBASE_PROJECT_ID: 'demo-reddyfit',
  FIRESTORE_EMULATOR_HOST: '127.0.0.1:8080',
  FIREBASE_AUTH_EMULATOR_HOST: '127.0.0.1:9099',
  ScanStorage:
    'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;',
};

function problems(env: Record<string, string>) {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => p.setting);
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('parses a local stack environment and fills the defaults', () => {
    const c = loadConfig(local);
    expect(c.TEMPORAL_TASK_QUEUE).toBe('body-fat-analysis-queue');
    expect(c.TEMPORAL_NAMESPACE).toBe('default');
    expect(c.WORKER_MAX_CONCURRENT_ACTIVITIES).toBe(20);
    expect(c.REVIEW_TIMEOUT_DECISION).toBe('reject');
  });

  it('coerces numbers from strings and rejects out-of-range ones by name', () => {
    expect(loadConfig({ ...local, WORKER_MAX_CONCURRENT_ACTIVITIES: '5' }).WORKER_MAX_CONCURRENT_ACTIVITIES).toBe(5);
    expect(problems({ ...local, WORKER_MAX_CONCURRENT_ACTIVITIES: '0' })).toEqual(['WORKER_MAX_CONCURRENT_ACTIVITIES']);
    expect(problems({ ...local, REVIEW_MIN_CONFIDENCE: 'high' })).toEqual(['REVIEW_MIN_CONFIDENCE']);
  });

  it('names a missing or malformed Temporal address', () => {
    const { TEMPORAL_ADDRESS: _, ...rest } = local;
    expect(problems(rest)).toEqual(['TEMPORAL_ADDRESS']);
    expect(problems({ ...local, TEMPORAL_ADDRESS: 'not an address' })).toEqual(['TEMPORAL_ADDRESS']);
  });

  it('needs storage, Firebase credentials outside the emulators, and a full webhook setting', () => {
    const { ScanStorage: _, FIRESTORE_EMULATOR_HOST: __, ...rest } = local;
    expect(problems(rest).sort()).toEqual(['FIREBASE_SERVICE_ACCOUNT_JSON', 'ScanStorage']);
    expect(problems({ ...local, PUSH_TRANSPORT: 'webhook' }).sort()).toEqual(['PUSH_WEBHOOK_SECRET', 'PUSH_WEBHOOK_URL']);
    expect(problems({ ...local, PUSH_TRANSPORT: 'webhook', PUSH_WEBHOOK_URL: 'http://x/push', PUSH_WEBHOOK_SECRET: 'short' })).toEqual([
      'PUSH_WEBHOOK_SECRET',
    ]);
  });

  it('treats empty strings as unset and never echoes a value', () => {
    try {
      loadConfig({ ...local, ScanStorage: 'secret-but-malformed', TEMPORAL_ADDRESS: '' });
    } catch (err) {
      expect((err as Error).message).toContain('TEMPORAL_ADDRESS');
      expect((err as Error).message).toContain('ScanStorage');
      expect((err as Error).message).not.toContain('secret-but-malformed');
    }
  });

  it('requires a 32-byte payload encryption key', () => {
    const { PAYLOAD_ENCRYPTION_KEY: _, ...rest } = local;
    expect(problems(rest)).toEqual(['PAYLOAD_ENCRYPTION_KEY']);
    expect(problems({ ...local, PAYLOAD_ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') })).toEqual(['PAYLOAD_ENCRYPTION_KEY']);
    expect(problems({ ...local, PAYLOAD_DECRYPTION_KEYS: `${local.PAYLOAD_ENCRYPTION_KEY},short` })).toEqual(['PAYLOAD_DECRYPTION_KEYS']);
  });

  it('requires a client certificate and key together', () => {
    expect(problems({ ...local, TEMPORAL_TLS_CLIENT_CERT_PATH: '/x.pem' })).toEqual(['TEMPORAL_TLS_CLIENT_KEY_PATH']);
  });
});
