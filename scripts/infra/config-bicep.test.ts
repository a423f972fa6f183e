import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigSchema, loadConfig } from '../../common/config';
import { SECRET_SETTINGS, SECRETS } from '../../common/secrets/secret-settings';
import { productionEnv } from '../../test/helpers/production-env';

// Every setting common/config.ts reads against what the deployment sets for the process that reads it,
// in both directions: a setting the code reads is set in Azure or intentionally left unset (listed, with
// why), and everything the templates set is read by someone (the schema, or the host/SDKs, listed).
const root = path.resolve(__dirname, '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

/** Keys of the Bicep object literal that starts at the first `{` after `marker` (depth-1 keys only). */
function bicepObjectKeys(file: string, marker: string): string[] {
  const text = read(file);
  const at = text.indexOf(marker);
  if (at < 0) throw new Error(`${marker} not found in ${file}`);
  const open = text.indexOf('{', at);
  const keys: string[] = [];
  let depth = 0;
  for (const line of text.slice(open).split('\n')) {
    if (depth === 1) {
      const key = /^\s*'?([A-Za-z_][A-Za-z0-9_]*)'?\s*:/.exec(line.replace(/\/\/.*$/, ''));
      if (key) keys.push(key[1] as string);
    }
    for (const ch of line.replace(/\/\/.*$/, '').replace(/'[^']*'/g, "''")) {
      if (ch === '{') depth++;
      if (ch === '}') depth--;
    }
    if (depth === 0) break;
  }
  return keys;
}

/** `ENV A=1 B=2` lines of the runtime stage of Dockerfile.worker. */
function dockerfileRuntimeEnv(): Record<string, string> {
  const stages = read('Dockerfile.worker').split(/^FROM /m);
  const runtime = stages[stages.length - 1] as string;
  const env: Record<string, string> = {};
  for (const line of runtime.split('\n').filter((l) => l.startsWith('ENV '))) {
    for (const pair of line.slice(4).trim().split(/\s+/)) {
      const [key, value] = pair.split('=');
      env[key as string] = value as string;
    }
  }
  return env;
}

const shared = bicepObjectKeys('infra/main.bicep', 'var sharedSettings');
const set = {
  functions: [...shared, ...bicepObjectKeys('infra/app/api.bicep', 'var platformSettings')],
  worker: [
    ...shared,
    ...bicepObjectKeys('infra/main.bicep', 'output WORKER_SETTINGS object = union(sharedSettings,'),
    ...[...read('infra/worker.bicep').matchAll(/\{ name: '([A-Za-z_][A-Za-z0-9_]*)', value:/g)].map((m) => m[1] as string),
    ...Object.keys(dockerfileRuntimeEnv()),
  ],
};
const schemaKeys = Object.keys(ConfigSchema.shape);

// Read by the schema but intentionally not set by any template, by reason.
const secrets = {
  why: 'a secret: never in a template; read from Key Vault at run time (docs/operations.md "Key Vault secrets" lists the secret names)',
  keys: [...SECRET_SETTINGS], // AZURE_OPENAI_API_KEY stays unused: the worker calls Azure OpenAI with its identity
};
const laptopOnly = {
  why: 'laptop and test settings (emulators, Azurite connection string, webhook push, local Web UI, file paths)',
  keys: [
    'REDDYFIT_LOCAL_MODE', // never set in Azure: it is what lets laptop-only settings through
    'FIRESTORE_EMULATOR_HOST',
    'FIREBASE_AUTH_EMULATOR_HOST',
    'ScanStorage',
    'ScanDataStorage', // the data account by connection string (a second Azurite); Azure uses ScanDataStorage__blobServiceUri
    'PUSH_WEBHOOK_URL',
    'PUSH_WEBHOOK_SECRET',
    'TEMPORAL_UI_URL',
    'TEMPORAL_TLS_CLIENT_CERT_PATH',
    'TEMPORAL_TLS_CLIENT_KEY_PATH',
    'TEMPORAL_TLS_SERVER_CA_CERT_PATH', // Temporal Cloud's certificate chains to a public CA
    'TEMPORAL_TLS_SERVER_CA_CERT_DATA', // likewise
    'TEMPORAL_TLS_SERVER_NAME', // taken from TEMPORAL_ADDRESS
    'OPENAI_BASE_URL', // OpenAI-compatible endpoints: this template configures Azure OpenAI only
    'OPENAI_API_KEY',
  ],
};
const defaults = {
  why: 'the schema default is the production value (tune by adding the setting)',
  keys: [
    'TEMPORAL_TASK_QUEUE',
    'TEMPORAL_TLS_ROTATION_CHECK_SECONDS',
    'SCAN_UPLOADS_CONTAINER', // equal to the container Bicep creates: checked below
    'SEALED_PHOTOS_CONTAINER', // likewise
    'WORKFLOW_ARCHIVES_CONTAINER',
    'UPLOAD_URL_TTL_MINUTES',
    'UPLOAD_EXPIRY_MINUTES',
    'CAPTURED_AT_MAX_FUTURE_SECONDS',
    'CAPTURED_AT_MAX_AGE_HOURS',
    'SCAN_MAX_OPEN_PER_MEMBER',
    'SCAN_DAILY_CREATE_LIMIT',
    'SCAN_EVENTS_MAX_SECONDS',
    'SCAN_EVENTS_HEARTBEAT_SECONDS',
    'MAX_PHOTO_BYTES',
    'MAX_PHOTO_PIXELS',
    'MAX_PHOTO_LONGEST_SIDE',
    'ARCHIVE_PAGE_SIZE',
    'ARCHIVE_CONCURRENCY',
    'ARCHIVE_PAGES_PER_RUN',
    'PUSH_TRANSPORT', // fcm
    'REVIEW_TIMEOUT_SECONDS',
    'REVIEW_TIMEOUT_DECISION',
    'REVIEW_MIN_CONFIDENCE',
    'REVIEW_ACCESS_AFTER_DECISION_SECONDS',
    'REVIEW_READS_ALERT_PER_HOUR', // read by the Functions app; the alert rule reads only the metric it records
    'PHOTO_RETENTION_ON_FAILURE',
    'QUALITY_MIN_WIDTH',
    'QUALITY_MIN_HEIGHT',
    'QUALITY_MIN_SHARPNESS',
    'QUALITY_MAX_CLIPPED_SHARE',
    'WORKER_MAX_CONCURRENT_ACTIVITIES',
    'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS',
    'WORKER_MAX_CACHED_WORKFLOWS',
    'WORKER_SHUTDOWN_GRACE_SECONDS',
    'WORKER_WORKFLOW_BUNDLE_PATH', // the image has the bundle beside the entry point
    'WORKER_DEPLOYMENT_NAME', // the task queue's name: one deployment per queue
    'MODEL_DEPLOYMENT_QUALITY', // each falls back to MODEL_DEPLOYMENT_DEFAULT
    'MODEL_DEPLOYMENT_ESTIMATION',
    'MODEL_DEPLOYMENT_NARRATIVE',
    'MODEL_MAX_CONCURRENCY',
    'MODEL_TIMEOUT_SECONDS',
    'LOG_LEVEL',
    'KEY_VAULT_REFRESH_SECONDS',
    'STAFF_SIGN_IN_MAX_AGE_MINUTES', // 12 h
  ],
};
// The Functions app never runs a worker or calls the model: these are worker-only.
const workerOnly = [
  'WORKER_MAX_CONCURRENT_ACTIVITIES',
  'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS',
  'WORKER_MAX_CACHED_WORKFLOWS',
  'WORKER_SHUTDOWN_GRACE_SECONDS',
  'WORKER_HEALTH_PORT',
  'WORKER_WORKFLOW_BUNDLE_PATH',
  'WORKER_BUILD_ID',
  'WORKER_DEPLOYMENT_NAME',
  'WORKER_BECOME_CURRENT',
  'WORKER_SCAN_VERSIONING',
  'WORKER_RAMP_PERCENT',
  'MODEL_PROVIDER',
  'AZURE_OPENAI_ENDPOINT',
  'AZURE_OPENAI_API_VERSION',
  'MODEL_DEPLOYMENT_DEFAULT',
];
// The worker serves no HTTP API: the codec endpoint's and the event stream's settings are the Functions app's.
const functionsOnly = [
  'CODEC_UI_ORIGIN',
  'CODEC_ALLOWED_HOSTS',
  'FIREBASE_WEB_API_KEY',
  'SCAN_EVENTS_MAX_SECONDS',
  'SCAN_EVENTS_HEARTBEAT_SECONDS',
  'STAFF_TENANT_ID',
];
const deployHook = {
  why: 'read by the rollout the deploy hook runs (scripts/rollout.ts), from the azd environment (`azd env set`), not by the apps',
  keys: ['WORKER_RAMP_PERCENT'],
};
const intentionallyUnset = new Set([...secrets.keys, ...laptopOnly.keys, ...defaults.keys, ...deployHook.keys]);

// Set by the templates, read by the Functions host, the Azure SDKs or Node rather than by the schema.
const readOutsideSchema: Record<string, string> = {
  AzureWebJobsStorage__credential: 'Functions host storage by identity',
  AzureWebJobsStorage__clientId: 'Functions host storage by identity',
  AzureWebJobsStorage__blobServiceUri: 'Functions host storage by identity',
  AzureWebJobsStorage__queueServiceUri: 'Functions host storage by identity',
  ScanStorage__credential: 'the upload trigger binding (connection ScanStorage) by identity',
  ScanStorage__clientId: 'the upload trigger binding by identity',
  ScanStorage__queueServiceUri: "the upload trigger binding's poison queue",
  AZURE_CLIENT_ID: 'DefaultAzureCredential picks the user-assigned identity',
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING:
    'the Functions host and the in-process exporters (common/telemetry.ts) authenticate to Application Insights (local auth off)',
  NODE_ENV: 'Node and libraries: production mode in the image',
  LD_PRELOAD: "the dynamic loader: jemalloc as the worker's malloc in the image (Dockerfile.worker)",
};

describe('config schema <-> Bicep settings', () => {
  for (const [process, keys] of Object.entries(set)) {
    it(`${process}: every setting the schema reads is set, or intentionally unset with a reason`, () => {
      const missing = schemaKeys.filter(
        (k) =>
          !keys.includes(k) &&
          !intentionallyUnset.has(k) &&
          !(process === 'functions' && workerOnly.includes(k)) &&
          !(process === 'worker' && functionsOnly.includes(k)),
      );
      expect(missing).toEqual([]);
    });

    it(`${process}: every setting the templates set is read by the schema or by the platform`, () => {
      const unread = keys.filter((k) => !schemaKeys.includes(k) && !(k in readOutsideSchema));
      expect(unread).toEqual([]);
      if (process === 'functions') expect(keys.filter((k) => workerOnly.includes(k))).toEqual([]);
      if (process === 'worker') expect(keys.filter((k) => functionsOnly.includes(k))).toEqual([]);
    });

    it(`${process}: no setting is both set and listed as intentionally unset`, () => {
      expect(keys.filter((k) => intentionallyUnset.has(k) || (k in readOutsideSchema && schemaKeys.includes(k)))).toEqual([]);
    });
  }

  it('the lists name only settings the schema has (no stale entries)', () => {
    expect([...intentionallyUnset, ...workerOnly, ...functionsOnly].filter((k) => !schemaKeys.includes(k))).toEqual([]);
  });

  it('the containers Bicep creates are the config defaults, uploads in the public account, the rest in the private one', () => {
    const config = ConfigSchema.shape;
    const uploads = read('infra/core/upload-storage.bicep');
    const data = read('infra/core/data-storage.bicep');
    expect(uploads).toContain(`var uploadsContainer = '${config.SCAN_UPLOADS_CONTAINER.parse(undefined)}'`);
    expect(data).toContain(`var sealedContainer = '${config.SEALED_PHOTOS_CONTAINER.parse(undefined)}'`);
    expect(data).toContain(`var archivesContainer = '${config.WORKFLOW_ARCHIVES_CONTAINER.parse(undefined)}'`);
    // rbac.bicep names the same containers to scope each role to one of them.
    const rbac = read('infra/app/rbac.bicep');
    for (const container of [config.SCAN_UPLOADS_CONTAINER, config.SEALED_PHOTOS_CONTAINER, config.WORKFLOW_ARCHIVES_CONTAINER])
      expect(rbac).toContain(`name: '${container.parse(undefined)}'`);
  });

  it('the sealed photos and the archive are reached at the data account, the uploads at the upload account', () => {
    const main = read('infra/main.bicep');
    expect(main).toContain('ScanStorage__blobServiceUri: uploadStorage.outputs.blobEndpoint');
    expect(main).toContain('ScanDataStorage__blobServiceUri: dataStorage.outputs.blobEndpoint');
  });

  it('the codec endpoint is off in Azure unless codecEnabled is set: both of its settings stay empty (unset) without it', () => {
    const api = read('infra/app/api.bicep');
    expect(api).toContain('param codecEnabled bool = false');
    expect(api).toMatch(/^\s*CODEC_UI_ORIGIN: codecEnabled \? codecUiOrigin : ''$/m);
    expect(api).toMatch(/^\s*CODEC_ALLOWED_HOSTS: codecEnabled \? site\.properties\.defaultHostName : ''$/m);
    expect(read('infra/main.bicep')).toContain("param codecEnabled string = 'false'");
    expect(read('infra/main.parameters.json')).toContain('"codecEnabled": { "value": "${CODEC_ENABLED=false}" }');
    // Empty means unset to the config (App Service's convention): the endpoint then answers 404 (test/codec-endpoint.test.ts).
    const config = loadConfig({ ...productionEnv(), CODEC_UI_ORIGIN: '', CODEC_ALLOWED_HOSTS: '' });
    expect([config.CODEC_UI_ORIGIN, config.CODEC_ALLOWED_HOSTS]).toEqual([undefined, undefined]);
  });

  it("the worker's probes use the health port the image sets", () => {
    const port = dockerfileRuntimeEnv().WORKER_HEALTH_PORT;
    expect(port).toMatch(/^\d+$/);
    const worker = read('infra/worker.bicep');
    expect([...worker.matchAll(/path: '\/(healthz|readyz)', port: (\d+)/g)].map((m) => m[2])).toEqual([port, port]);
  });
});

describe('Key Vault secret names', () => {
  it("the operations guide's table lists exactly the secrets the apps read, by the same names and readers", () => {
    const guide = read('docs/operations.md');
    const at = guide.indexOf('| Key Vault secret | setting | read by |');
    expect(at).toBeGreaterThanOrEqual(0);
    const table = guide.slice(at);
    const rows = [...table.slice(0, table.indexOf('\n\n')).matchAll(/^\| `([a-z0-9-]+)` \| `([A-Z0-9_]+)` \| ([a-z, ]+) \|/gm)];
    expect(rows.map(([, secret, setting, readers]) => ({ secret, setting, readers: (readers as string).split(', ') }))).toEqual(SECRETS);
  });

  it('every secret setting is read by some process from its own secret, the Firebase key from one per process', () => {
    expect(new Set(SECRETS.map((s) => s.setting))).toEqual(new Set(SECRET_SETTINGS));
    const firebase = SECRETS.filter((s) => s.setting === 'FIREBASE_SERVICE_ACCOUNT_JSON');
    expect(firebase.map((s) => s.readers)).toEqual([['functions'], ['worker']]);
    expect(new Set(firebase.map((s) => s.secret)).size).toBe(2);
  });
});
