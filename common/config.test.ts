import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { productionEnv } from '../test/helpers/production-env';
import { ConfigError, loadConfig } from './config';
import { LOCAL_PAYLOAD_KEY, LOCAL_REVIEW_SIGNING_KEY } from './temporal/local-dev-key';

const local = {
  REDDYFIT_LOCAL_MODE: 'true',
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
  PAYLOAD_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  REVIEW_SIGNING_KEY: Buffer.alloc(32, 17).toString('base64'),
  FIREBASE_PROJECT_ID: 'demo-reddyfit',
  FIRESTORE_EMULATOR_HOST: '127.0.0.1:8080',
  FIREBASE_AUTH_EMULATOR_HOST: '127.0.0.1:9099',
  ScanStorage:
    'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;',
};

function message(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

function problems(env: Record<string, string>) {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => p.setting);
  }
  return [];
}

describe('config', () => {
  it('parses a local stack environment and fills the defaults', () => {
    const c = loadConfig(local);
    expect(c.TEMPORAL_TASK_QUEUE).toBe('body-fat-analysis-queue');
    expect(c.TEMPORAL_NAMESPACE).toBe('default');
    expect(c.WORKER_MAX_CONCURRENT_ACTIVITIES).toBe(100);
    expect(c.REVIEW_TIMEOUT_DECISION).toBe('reject');
  });

  it('coerces numbers from strings and rejects out-of-range ones by name', () => {
    expect(loadConfig({ ...local, WORKER_MAX_CONCURRENT_ACTIVITIES: '5' }).WORKER_MAX_CONCURRENT_ACTIVITIES).toBe(5);
    expect(problems({ ...local, WORKER_MAX_CONCURRENT_ACTIVITIES: '0' })).toEqual(['WORKER_MAX_CONCURRENT_ACTIVITIES']);
    expect(problems({ ...local, REVIEW_MIN_CONFIDENCE: 'high' })).toEqual(['REVIEW_MIN_CONFIDENCE']);
  });

  it("ends a decider's access 24 h after the decision and alerts above 200 reviewer reads an hour by default", () => {
    const c = loadConfig(local);
    expect({ after: c.REVIEW_ACCESS_AFTER_DECISION_SECONDS, reads: c.REVIEW_READS_ALERT_PER_HOUR }).toEqual({ after: 86_400, reads: 200 });
    expect(problems({ ...local, REVIEW_ACCESS_AFTER_DECISION_SECONDS: '-1' })).toEqual(['REVIEW_ACCESS_AFTER_DECISION_SECONDS']);
    expect(problems({ ...local, REVIEW_READS_ALERT_PER_HOUR: '0' })).toEqual(['REVIEW_READS_ALERT_PER_HOUR']);
  });

  it('keeps an event stream open at most 180 s by default, always ended by the server before the host cuts it at 300 s', () => {
    const c = loadConfig(local);
    expect({ max: c.SCAN_EVENTS_MAX_SECONDS, heartbeat: c.SCAN_EVENTS_HEARTBEAT_SECONDS }).toEqual({ max: 180, heartbeat: 15 });
    expect(problems({ ...local, SCAN_EVENTS_MAX_SECONDS: '291' })).toEqual(['SCAN_EVENTS_MAX_SECONDS']);
    expect(problems({ ...local, SCAN_EVENTS_HEARTBEAT_SECONDS: '0' })).toEqual(['SCAN_EVENTS_HEARTBEAT_SECONDS']);
  });

  it('limits photo dimensions to 40 MP and 12,000 px by default, within what sharp can be capped at and what the quality check needs', () => {
    const c = loadConfig(local);
    expect({ pixels: c.MAX_PHOTO_PIXELS, side: c.MAX_PHOTO_LONGEST_SIDE }).toEqual({ pixels: 40_000_000, side: 12_000 });
    expect(problems({ ...local, MAX_PHOTO_PIXELS: '268402690' })).toEqual(['MAX_PHOTO_PIXELS']);
    expect(problems({ ...local, MAX_PHOTO_LONGEST_SIDE: '65536' })).toEqual(['MAX_PHOTO_LONGEST_SIDE']);
    // A longest side under the quality check's minimum would refuse every photo.
    expect(problems({ ...local, QUALITY_MIN_HEIGHT: '2000', MAX_PHOTO_LONGEST_SIDE: '1500' })).toEqual(['MAX_PHOTO_LONGEST_SIDE']);
    expect(problems({ ...local, QUALITY_MIN_WIDTH: '2000', QUALITY_MIN_HEIGHT: '3000', MAX_PHOTO_PIXELS: '5000000' })).toEqual([
      'MAX_PHOTO_LONGEST_SIDE',
    ]);
  });

  it('names the worker build: local-dev unless set, an image tag when set, anything else refused by name', () => {
    expect(loadConfig(local).WORKER_BUILD_ID).toBe('local-dev');
    expect(loadConfig({ ...local, WORKER_BUILD_ID: '3f2a9c1d0b7e' }).WORKER_BUILD_ID).toBe('3f2a9c1d0b7e');
    expect(problems({ ...local, WORKER_BUILD_ID: 'a b' })).toEqual(['WORKER_BUILD_ID']);
    expect(problems({ ...local, WORKER_BUILD_ID: '-leading-dash' })).toEqual(['WORKER_BUILD_ID']);
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

  it('requires a client certificate and key together, and names unreadable or malformed PEM', () => {
    expect(problems({ ...local, TEMPORAL_TLS_CLIENT_CERT_PATH: '/nonexistent/x.pem' }).sort()).toEqual([
      'TEMPORAL_TLS_CLIENT_CERT_PATH',
      'TEMPORAL_TLS_CLIENT_KEY_PATH',
    ]);
    const bad = { TEMPORAL_TLS_CLIENT_CERT_DATA: 'not-a-cert-secret', TEMPORAL_TLS_CLIENT_KEY_DATA: 'not-a-key-secret' };
    expect(problems({ ...local, ...bad }).sort()).toEqual(['TEMPORAL_TLS_CLIENT_CERT_DATA', 'TEMPORAL_TLS_CLIENT_KEY_DATA']);
    expect(message({ ...local, ...bad })).not.toMatch(/not-a-(cert|key)-secret/);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(problems({ ...local, TEMPORAL_TLS_CLIENT_CERT_DATA: 'x', TEMPORAL_TLS_CLIENT_KEY_DATA: pem })).toEqual([
      'TEMPORAL_TLS_CLIENT_CERT_DATA',
    ]);
  });
});

describe('production guards', () => {
  const { REDDYFIT_LOCAL_MODE: _, FIRESTORE_EMULATOR_HOST: __, FIREBASE_AUTH_EMULATOR_HOST: ___, ...base } = local;
  const serviceAccount = JSON.stringify({ project_id: 'p', client_email: 'sa@p.iam', private_key: 'sa-private-key-value' });
  const production = {
    ...base,
    TEMPORAL_ADDRESS: 'reddyfit.a1b2c.tmprl.cloud:7233',
    TEMPORAL_API_KEY: 'api-key-value-0123456789',
    FIREBASE_SERVICE_ACCOUNT_JSON: serviceAccount,
  };

  it('accepts a production environment', () => {
    expect(loadConfig(production).REDDYFIT_LOCAL_MODE).toBe(false);
    // The one the entry-point tests start on (cold load, start-up guards).
    expect(loadConfig(productionEnv()).REDDYFIT_LOCAL_MODE).toBe(false);
  });

  it('refuses emulator hosts and the storage emulator outside local mode', () => {
    expect(problems({ ...production, FIRESTORE_EMULATOR_HOST: '127.0.0.1:8080' })).toEqual(['FIRESTORE_EMULATOR_HOST']);
    expect(problems({ ...production, FIREBASE_AUTH_EMULATOR_HOST: '127.0.0.1:9099' })).toEqual(['FIREBASE_AUTH_EMULATOR_HOST']);
    expect(problems({ ...production, ScanStorage: 'UseDevelopmentStorage=true' })).toEqual(['ScanStorage']);
    expect(problems({ ...production, FIRESTORE_EMULATOR_HOST: '127.0.0.1:8080', REDDYFIT_LOCAL_MODE: 'true' })).toEqual([]);
  });

  it('refuses the published dev key outside local mode, and an all-zero key always', () => {
    expect(problems({ ...production, PAYLOAD_ENCRYPTION_KEY: LOCAL_PAYLOAD_KEY })).toEqual(['PAYLOAD_ENCRYPTION_KEY']);
    expect(problems({ ...production, PAYLOAD_DECRYPTION_KEYS: LOCAL_PAYLOAD_KEY })).toEqual(['PAYLOAD_DECRYPTION_KEYS']);
    expect(message({ ...production, PAYLOAD_ENCRYPTION_KEY: LOCAL_PAYLOAD_KEY })).not.toContain(LOCAL_PAYLOAD_KEY);
    expect(problems({ ...local, PAYLOAD_ENCRYPTION_KEY: LOCAL_PAYLOAD_KEY })).toEqual([]);
    const zero = Buffer.alloc(32).toString('base64');
    expect(problems({ ...local, PAYLOAD_ENCRYPTION_KEY: zero })).toEqual(['PAYLOAD_ENCRYPTION_KEY']);
  });

  it('refuses the published review signing key outside local mode, an all-zero or a short one always', () => {
    expect(problems({ ...production, REVIEW_SIGNING_KEY: LOCAL_REVIEW_SIGNING_KEY })).toEqual(['REVIEW_SIGNING_KEY']);
    expect(message({ ...production, REVIEW_SIGNING_KEY: LOCAL_REVIEW_SIGNING_KEY })).not.toContain(LOCAL_REVIEW_SIGNING_KEY);
    expect(problems({ ...local, REVIEW_SIGNING_KEY: LOCAL_REVIEW_SIGNING_KEY })).toEqual([]);
    expect(problems({ ...local, REVIEW_SIGNING_KEY: Buffer.alloc(32).toString('base64') })).toEqual(['REVIEW_SIGNING_KEY']);
    expect(problems({ ...local, REVIEW_SIGNING_KEY: Buffer.alloc(16, 1).toString('base64') })).toEqual(['REVIEW_SIGNING_KEY']);
    const { REVIEW_SIGNING_KEY: _, ...unsigned } = production;
    expect(problems(unsigned)).toEqual(['REVIEW_SIGNING_KEY']);
  });

  it('refuses an API key without TLS, Temporal Cloud without TLS, and plain non-loopback Temporal outside local mode', () => {
    expect(problems({ ...production, TEMPORAL_TLS: 'false' })).toEqual(['TEMPORAL_TLS']);
    expect(problems({ ...local, TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' })).toEqual(['TEMPORAL_TLS']);
    const { TEMPORAL_API_KEY: _k, ...cloudNoAuth } = production;
    expect(problems(cloudNoAuth)).toEqual(['TEMPORAL_TLS']);
    expect(problems({ ...local, TEMPORAL_ADDRESS: 'reddyfit.a1b2c.tmprl.cloud:7233' })).toEqual(['TEMPORAL_TLS']);
    expect(problems({ ...cloudNoAuth, TEMPORAL_ADDRESS: 'temporal.internal:7233' })).toEqual(['TEMPORAL_TLS']);
    expect(problems({ ...cloudNoAuth, TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS: 'true' })).toEqual([]);
    expect(problems({ ...cloudNoAuth, TEMPORAL_ADDRESS: '127.0.0.1:7233' })).toEqual([]);
    expect(problems({ ...local, TEMPORAL_ADDRESS: 'temporal.internal:7233' })).toEqual([]);
  });

  it('names a malformed service account or storage string without echoing it', () => {
    const badJson = '{"private_key": "sa-private-key-value"';
    expect(problems({ ...production, FIREBASE_SERVICE_ACCOUNT_JSON: badJson })).toEqual(['FIREBASE_SERVICE_ACCOUNT_JSON']);
    expect(message({ ...production, FIREBASE_SERVICE_ACCOUNT_JSON: badJson })).not.toContain('sa-private-key');
    const badStorage = 'AccountName=x;AccountKey=not base64 secret;';
    expect(problems({ ...production, ScanStorage: badStorage })).toEqual(['ScanStorage']);
    expect(message({ ...production, ScanStorage: badStorage })).not.toContain('secret');
  });
});
