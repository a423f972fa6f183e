import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DEFAULT_ARCHIVE_TUNING } from './contracts/archive';
import { PhotoRetentionSchema, ReviewVerdictSchema, TASK_QUEUE } from './contracts/scan';
import { DEFAULT_PHOTO_DIMENSION_LIMITS } from './photos/limits';
import { isSecretSetting, SECRET_SETTINGS, type SecretSetting } from './secrets/secret-settings';
import { payloadKeyId } from './temporal/key-id';
import { LOCAL_PAYLOAD_KEY_ID, LOCAL_REVIEW_SIGNING_KEY_ID } from './temporal/local-dev-key';

// All settings of every process, parsed once at start-up. Temporal names follow @temporalio/envconfig;
// storage follows the Azure Functions connection convention (`<Name>` = connection string,
// `<Name>__blobServiceUri` = identity-based). A bad setting stops the process and is named.

/** Blob container names unless configured; infra/core/upload-storage.bicep and data-storage.bicep create the same (a test checks). */
export const DEFAULT_CONTAINERS = { uploads: 'scan-uploads', sealed: 'sealed-photos', archives: 'workflow-archives' } as const;

const hostPort = z.string().regex(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, 'expected host:port');
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const num = (min: number, max: number) => z.coerce.number().min(min).max(max);

const ServiceAccountSchema = z.object({ project_id: z.string().min(1), client_email: z.string().min(1), private_key: z.string().min(1) });
function isServiceAccountJson(text: string): boolean {
  try {
    return ServiceAccountSchema.safeParse(JSON.parse(text)).success;
  } catch {
    return false;
  }
}

/** `Key=Value;…` with an account (or the emulator shorthand) and well-formed endpoints. */
function isStorageConnectionString(text: string): boolean {
  const pairs = text.split(';').filter(Boolean);
  if (!pairs.every((p) => /^[A-Za-z]+=./.test(p))) return false;
  const kv = Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
  if (kv.UseDevelopmentStorage === 'true') return true;
  if (!kv.AccountName || !(kv.AccountKey || kv.SharedAccessSignature)) return false;
  if (kv.AccountKey && !/^[A-Za-z0-9+/]+={0,2}$/.test(kv.AccountKey)) return false;
  return ['BlobEndpoint', 'QueueEndpoint', 'TableEndpoint', 'FileEndpoint'].every((e) => !kv[e] || URL.canParse(kv[e]));
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|::1)$/i;
const hostOf = (address: string) => address.slice(0, address.lastIndexOf(':'));

/** PEM material from a *_DATA setting or the file a *_PATH setting names; undefined when unreadable. */
function pemFrom(data: string | undefined, file: string | undefined): string | undefined {
  if (data) return data;
  try {
    return file ? readFileSync(file, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}
const parses = (fn: () => unknown) => {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
};

const ConfigObject = z.object({
  /**
   * A laptop or test stack: emulator hosts, the published dev payload key and plain Temporal on a
   * non-loopback address are refused unless this is true. Set by the local stack's env file, never in Azure.
   */
  REDDYFIT_LOCAL_MODE: flag.default(false),

  // Temporal (names from @temporalio/envconfig; TLS and API key are read by envconfig itself)
  TEMPORAL_ADDRESS: hostPort,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(TASK_QUEUE),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS: flag.optional(),
  TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CLIENT_CERT_DATA: z.string().min(1).optional(),
  TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CLIENT_KEY_DATA: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_CA_CERT_DATA: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  /** How often the client certificate and key are read again; a change is picked up without a restart (0 = never). */
  TEMPORAL_TLS_ROTATION_CHECK_SECONDS: int(0, 86_400).default(60),
  /** AES-256 key (base64, 32 bytes) that encrypts every workflow payload; read from Key Vault in Azure (common/secrets). */
  PAYLOAD_ENCRYPTION_KEY: z.base64().refine((k) => Buffer.from(k, 'base64').length === 32, 'expected 32 bytes, base64-encoded'),
  /** Earlier keys (comma-separated, base64) kept for decrypting after a rotation. */
  PAYLOAD_DECRYPTION_KEYS: z
    .string()
    .refine((ks) => ks.split(',').every((k) => Buffer.from(k, 'base64').length === 32), 'expected comma-separated 32-byte base64 keys')
    .optional(),
  /**
   * HMAC-SHA256 key (base64, at least 32 bytes) the functions app signs review decisions with and the
   * worker verifies them with (common/scans/review-signature.ts); read from Key Vault in Azure.
   */
  REVIEW_SIGNING_KEY: z.base64().refine((k) => Buffer.from(k, 'base64').length >= 32, 'expected at least 32 bytes, base64-encoded'),

  /**
   * The codec endpoint (`/api/codec/decode`, `/api/codec/encode`) answers only when both are set: the one
   * browser origin allowed to call it (Temporal Cloud's Web UI, https://cloud.temporal.io) ...
   */
  CODEC_UI_ORIGIN: z
    .url()
    .refine((u) => new URL(u).origin === u, 'expected an origin (scheme://host[:port], no path)')
    .optional(),
  /** ... and the Host names requests must carry (this app's own host names, comma-separated). */
  CODEC_ALLOWED_HOSTS: z
    .string()
    .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?(,[A-Za-z0-9.-]+(:\d{1,5})?)*$/, 'expected comma-separated host[:port] names')
    .optional(),

  /** Web UI base URL, only used to print links to runs. */
  TEMPORAL_UI_URL: z.url().optional(),

  // Firebase (Firestore + Auth + messaging)
  FIREBASE_PROJECT_ID: z.string().regex(/^[a-z][a-z0-9-]{4,29}$/, 'expected a Firebase project id'),
  /** Service-account JSON (read from Key Vault in Azure); not needed against the emulators. */
  FIREBASE_SERVICE_ACCOUNT_JSON: z
    .string()
    .refine(isServiceAccountJson, 'expected service-account JSON with project_id, client_email and private_key')
    .optional(),
  FIRESTORE_EMULATOR_HOST: hostPort.optional(),
  FIREBASE_AUTH_EMULATOR_HOST: hostPort.optional(),
  /**
   * The Firebase web API key the reviewer's console signs in with (/review/config.json). A public project
   * identifier, not a secret; unset: the console says it is not available (the Auth emulator needs none).
   */
  FIREBASE_WEB_API_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{20,100}$/, 'expected a Firebase web API key')
    .optional(),

  /**
   * The Identity Platform tenant staff (reviewers, operators) sign in to, apart from the members' accounts.
   * Reviewer and operator routes accept only its tokens, signed in with a second factor; members' routes
   * refuse them. Unset: no staff route accepts anyone (functions/framework/auth.ts).
   */
  STAFF_TENANT_ID: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{3,62}$/, 'expected an Identity Platform tenant id')
    .optional(),
  /** How long a staff sign-in (its `auth_time`) is accepted before the console must sign in again. */
  STAFF_SIGN_IN_MAX_AGE_MINUTES: int(5, 24 * 60).default(12 * 60),

  // Blob storage
  ScanStorage: z.string().refine(isStorageConnectionString, 'expected an Azure Storage connection string').optional(),
  ScanStorage__blobServiceUri: z.url().optional(),
  /**
   * The private account of SEALED_PHOTOS_CONTAINER and WORKFLOW_ARCHIVES_CONTAINER (no public network
   * access in Azure), apart from the public upload account above. Unset: the same account as ScanStorage
   * (the laptop, one Azurite).
   */
  ScanDataStorage: z.string().refine(isStorageConnectionString, 'expected an Azure Storage connection string').optional(),
  ScanDataStorage__blobServiceUri: z.url().optional(),
  SCAN_UPLOADS_CONTAINER: z
    .string()
    .regex(/^[a-z0-9-]{3,63}$/)
    .default(DEFAULT_CONTAINERS.uploads),
  /**
   * Where a scan's photos are copied when it is submitted; only these copies are analysed, kept or
   * deleted. No upload URL reaches it (upload SAS are scoped to one blob of SCAN_UPLOADS_CONTAINER).
   */
  SEALED_PHOTOS_CONTAINER: z
    .string()
    .regex(/^[a-z0-9-]{3,63}$/)
    .default(DEFAULT_CONTAINERS.sealed),
  WORKFLOW_ARCHIVES_CONTAINER: z
    .string()
    .regex(/^[a-z0-9-]{3,63}$/)
    .default(DEFAULT_CONTAINERS.archives),
  UPLOAD_URL_TTL_MINUTES: int(1, 60).default(15),
  /** A scan whose four photos have not all arrived this long after it was created is cancelled and refunded. */
  UPLOAD_EXPIRY_MINUTES: int(2, 7 * 24 * 60).default(24 * 60),
  MAX_PHOTO_BYTES: int(10_000, 50_000_000).default(15_000_000),
  /**
   * Largest photo by the dimensions its header declares (common/photos/limits.ts): refused at upload before
   * anything decodes it, and by the worker before its decoder runs; the decoder is capped at the same pixel
   * count. The upper bound is sharp's own default cap (0x3FFF x 0x3FFF).
   */
  MAX_PHOTO_PIXELS: int(1_000_000, 268_402_689).default(DEFAULT_PHOTO_DIMENSION_LIMITS.maxPixels),
  MAX_PHOTO_LONGEST_SIDE: int(1_000, 65_535).default(DEFAULT_PHOTO_DIMENSION_LIMITS.maxLongestSide),

  // Nightly archive of closed workflow histories to WORKFLOW_ARCHIVES_CONTAINER
  /** Closed executions listed (and archived) per activity call. */
  ARCHIVE_PAGE_SIZE: int(1, 1000).default(DEFAULT_ARCHIVE_TUNING.pageSize),
  /** Histories exported at once within a page. */
  ARCHIVE_CONCURRENCY: int(1, 64).default(DEFAULT_ARCHIVE_TUNING.concurrency),
  /** Pages per workflow run before it continues as new (keeps each run's history short). */
  ARCHIVE_PAGES_PER_RUN: int(1, 10_000).default(DEFAULT_ARCHIVE_TUNING.pagesPerRun),

  // Push: FCM in Azure; a signed webhook to a local receiver on a laptop and in tests.
  PUSH_TRANSPORT: z.enum(['fcm', 'webhook']).default('fcm'),
  PUSH_WEBHOOK_URL: z.url().optional(),
  PUSH_WEBHOOK_SECRET: z.string().min(32, 'expected at least 32 characters').optional(),

  // Who may start a scan, and how often (POST /api/scans)
  /** capturedAt may lie at most this far in the future (clock skew of the phone). */
  CAPTURED_AT_MAX_FUTURE_SECONDS: int(0, 3600).default(300),
  /** capturedAt may be at most this old. */
  CAPTURED_AT_MAX_AGE_HOURS: int(1, 24 * 366).default(7 * 24),
  /** Scans a member may have open (not finished) at once; another create answers 409. */
  SCAN_MAX_OPEN_PER_MEMBER: int(1, 100).default(1),
  /** Scans a member may create per UTC day, cancelled ones included; another create answers 429. */
  SCAN_DAILY_CREATE_LIMIT: int(1, 1000).default(5),

  // The live status stream (GET /api/scans/{scanId}/events)
  /**
   * How long one event stream stays open before the server closes it (the client reconnects with
   * Last-Event-ID). An open stream is a running invocation: billed while open, and cut by the host at
   * host.json's functionTimeout (5 minutes), which the server's own limit must come before.
   */
  SCAN_EVENTS_MAX_SECONDS: int(1, 290).default(180),
  /** A comment line this often keeps proxies (Azure's load balancer drops a connection idle for 230 s) and the client from calling a quiet stream dead. */
  SCAN_EVENTS_HEARTBEAT_SECONDS: int(1, 60).default(15),

  // Pipeline policy
  REVIEW_TIMEOUT_SECONDS: int(1, 30 * 24 * 3600).default(48 * 3600),
  REVIEW_TIMEOUT_DECISION: ReviewVerdictSchema.default('reject'),
  REVIEW_MIN_CONFIDENCE: num(0, 1).default(0.5),
  /** How long a reviewer who decided a scan can still read it after the decision (then 404 like any other scan). */
  REVIEW_ACCESS_AFTER_DECISION_SECONDS: int(0, 30 * 24 * 3600).default(24 * 3600),
  /**
   * Reads of members' health data by one reviewer within one clock hour above which each further read
   * records the alert's metric (reddyfit_reviewer_reads_over_threshold). An opened packet and each photo count.
   */
  REVIEW_READS_ALERT_PER_HOUR: int(1, 100_000).default(200),
  PHOTO_RETENTION_ON_FAILURE: PhotoRetentionSchema.default('delete'),
  QUALITY_MIN_WIDTH: int(64, 10_000).optional(),
  QUALITY_MIN_HEIGHT: int(64, 10_000).optional(),
  QUALITY_MIN_SHARPNESS: num(0, 100_000).optional(),
  QUALITY_MAX_CLIPPED_SHARE: num(0, 1).optional(),

  // Worker process
  // Most activities wait on Firestore, Blob, a model or a push service; the photo work that holds memory
  // and CPU has its own bound (SCANS_DECODED_AT_ONCE), so slots are many: with 20, activities queued on
  // the server while the worker idled (the bench's overhead split, docs/measurements.md).
  WORKER_MAX_CONCURRENT_ACTIVITIES: int(1, 1000).default(100),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: int(2, 1000).default(40),
  WORKER_SHUTDOWN_GRACE_SECONDS: int(0, 600).default(30),
  /**
   * Workflow runs kept in the worker's memory between tasks. A scan waiting up to 48 h for a reviewer need
   * not hold memory: an evicted run replays its short history (~50 events) when it wakes. Sized so the
   * worker stays within its container's memory with hundreds of scans in flight (npm run bench).
   */
  WORKER_MAX_CACHED_WORKFLOWS: int(0, 100_000).default(100),
  WORKER_HEALTH_PORT: int(0, 65535).default(8080),
  /** Prebuilt workflow bundle; production always uses one, development bundles from source. */
  WORKER_WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
  /**
   * This worker build's id: the image tag (the commit; Dockerfile.worker bakes it in from the build arg
   * infra/hooks/postdeploy.sh passes). Every scan's results name it; `local-dev` for a laptop or test run.
   */
  WORKER_BUILD_ID: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/, 'expected letters, digits, ".", "_" or "-" (an image tag)')
    .default('local-dev'),
  /**
   * Worker Deployment Versioning: the deployment this worker's build belongs to (unset: its task queue's
   * name, so each queue, and each test's queue, is a deployment of its own).
   */
  WORKER_DEPLOYMENT_NAME: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/, 'expected letters, digits, "_" or "-"')
    .optional(),
  /**
   * The worker makes its build the deployment's current version when it starts, so new workflows reach it
   * (a single worker, the local stack, the tests). false for a build started beside the current one and
   * promoted later: in Azure, where the deploy's rollout (scripts/rollout.ts) makes it current once it polls.
   */
  WORKER_BECOME_CURRENT: flag.default(true),
  /**
   * How scans are versioned: PINNED (each scan finishes on the build it started on) or AUTO_UPGRADE (a
   * scan moves to the current build at its next task, so a change must replay; patched()). PINNED in Azure
   * too: the deploy's rollout keeps an old build's workers until Temporal reports it drained.
   */
  WORKER_SCAN_VERSIONING: z.enum(['PINNED', 'AUTO_UPGRADE']).default('PINNED'),
  /**
   * The rollout's ramp (scripts/rollout.ts, run by the deploy hook; read there, not by the apps): 0 makes a
   * new build current at once; 1-99 sends that share of new scans to it first while the current build keeps
   * the rest, until a deploy with 0 makes it current (or `npm run rollout -- --rollback` stops the ramp).
   */
  WORKER_RAMP_PERCENT: int(0, 99).default(0),

  // Model API (optional): Azure OpenAI (key, or Entra ID when no key) or any OpenAI-compatible endpoint.
  MODEL_PROVIDER: z.enum(['none', 'azure', 'openai']).default('none'),
  AZURE_OPENAI_ENDPOINT: z.url().optional(),
  AZURE_OPENAI_API_VERSION: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}(-preview)?$/, 'expected an API version like 2024-10-21')
    .optional(),
  AZURE_OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.url().optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  /** Deployment (Azure) or model name (OpenAI-compatible) per agent; each falls back to MODEL_DEPLOYMENT_DEFAULT. */
  MODEL_DEPLOYMENT_DEFAULT: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'expected a deployment or model name')
    .optional(),
  MODEL_DEPLOYMENT_QUALITY: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'expected a deployment or model name')
    .optional(),
  MODEL_DEPLOYMENT_ESTIMATION: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'expected a deployment or model name')
    .optional(),
  MODEL_DEPLOYMENT_NARRATIVE: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'expected a deployment or model name')
    .optional(),
  /** Model calls in flight at once per worker process (the deployment's quota, shared by all scans). */
  MODEL_MAX_CONCURRENCY: int(1, 256).default(4),
  /** Per request; below the quality activity's 1-minute limit so a timed-out call still leaves room to retry. */
  MODEL_TIMEOUT_SECONDS: int(1, 50).default(30),

  // Secrets at run time (common/secrets): in Azure the secret settings are not set on the app; each is read
  // from this vault by the app's identity, and the process waits, healthy and saying what it waits for.
  KEY_VAULT_URL: z
    .url()
    .refine((u) => u.startsWith('https://'), 'expected an https:// vault URL')
    .optional(),
  /** While a secret is missing from the vault, how often it is looked for again. */
  KEY_VAULT_REFRESH_SECONDS: int(1, 3600).default(60),

  // Telemetry
  APPLICATIONINSIGHTS_CONNECTION_STRING: z.string().includes('InstrumentationKey=').optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export const ConfigSchema = ConfigObject.superRefine((c, ctx) => refineConfig(c, ctx));

function refineConfig(c: Parsed, ctx: Ctx) {
  if (c.UPLOAD_EXPIRY_MINUTES <= c.UPLOAD_URL_TTL_MINUTES)
    ctx.addIssue({
      code: 'custom',
      path: ['UPLOAD_EXPIRY_MINUTES'],
      message: 'must be longer than UPLOAD_URL_TTL_MINUTES (a scan must not expire while its upload URLs still work)',
    });
  const minSide = Math.max(c.QUALITY_MIN_WIDTH ?? 0, c.QUALITY_MIN_HEIGHT ?? 0);
  if (c.MAX_PHOTO_LONGEST_SIDE < minSide || c.MAX_PHOTO_PIXELS < (c.QUALITY_MIN_WIDTH ?? 0) * (c.QUALITY_MIN_HEIGHT ?? 0))
    ctx.addIssue({
      code: 'custom',
      path: ['MAX_PHOTO_LONGEST_SIDE'],
      message: 'MAX_PHOTO_LONGEST_SIDE and MAX_PHOTO_PIXELS must admit a photo of QUALITY_MIN_WIDTH x QUALITY_MIN_HEIGHT',
    });
  if (!c.ScanStorage && !c.ScanStorage__blobServiceUri) {
    ctx.addIssue({
      code: 'custom',
      path: ['ScanStorage'],
      message: 'set ScanStorage (connection string) or ScanStorage__blobServiceUri (managed identity)',
    });
  }
  if (c.PUSH_TRANSPORT === 'webhook') {
    if (!c.PUSH_WEBHOOK_URL) ctx.addIssue({ code: 'custom', path: ['PUSH_WEBHOOK_URL'], message: 'required when PUSH_TRANSPORT=webhook' });
    if (!c.PUSH_WEBHOOK_SECRET)
      ctx.addIssue({ code: 'custom', path: ['PUSH_WEBHOOK_SECRET'], message: 'required when PUSH_TRANSPORT=webhook' });
  }
  const emulated = Boolean(c.FIRESTORE_EMULATOR_HOST && c.FIREBASE_AUTH_EMULATOR_HOST);
  if (!emulated && !c.FIREBASE_SERVICE_ACCOUNT_JSON) {
    ctx.addIssue({
      code: 'custom',
      path: ['FIREBASE_SERVICE_ACCOUNT_JSON'],
      message: 'required unless both Firebase emulator hosts are set',
    });
  }
  if (c.MODEL_PROVIDER === 'azure') {
    if (!c.AZURE_OPENAI_ENDPOINT)
      ctx.addIssue({ code: 'custom', path: ['AZURE_OPENAI_ENDPOINT'], message: 'required when MODEL_PROVIDER=azure' });
    if (!c.AZURE_OPENAI_API_VERSION)
      ctx.addIssue({ code: 'custom', path: ['AZURE_OPENAI_API_VERSION'], message: 'required when MODEL_PROVIDER=azure' });
  }
  if (c.MODEL_PROVIDER === 'openai') {
    if (!c.OPENAI_BASE_URL) ctx.addIssue({ code: 'custom', path: ['OPENAI_BASE_URL'], message: 'required when MODEL_PROVIDER=openai' });
    if (!c.OPENAI_API_KEY) ctx.addIssue({ code: 'custom', path: ['OPENAI_API_KEY'], message: 'required when MODEL_PROVIDER=openai' });
  }
  if (c.MODEL_PROVIDER !== 'none') {
    for (const agent of ['QUALITY', 'ESTIMATION', 'NARRATIVE'] as const) {
      if (!c[`MODEL_DEPLOYMENT_${agent}`] && !c.MODEL_DEPLOYMENT_DEFAULT) {
        ctx.addIssue({
          code: 'custom',
          path: [`MODEL_DEPLOYMENT_${agent}`],
          message: 'set it or MODEL_DEPLOYMENT_DEFAULT when a model provider is configured',
        });
      }
    }
  }
  if (
    Boolean(c.TEMPORAL_TLS_CLIENT_CERT_PATH || c.TEMPORAL_TLS_CLIENT_CERT_DATA) !==
    Boolean(c.TEMPORAL_TLS_CLIENT_KEY_PATH || c.TEMPORAL_TLS_CLIENT_KEY_DATA)
  ) {
    ctx.addIssue({ code: 'custom', path: ['TEMPORAL_TLS_CLIENT_KEY_PATH'], message: 'a client certificate and its key go together' });
  }
  checkTemporalTransport(c, ctx);
  checkProductionGuards(c, ctx);
}

type Parsed = z.output<typeof ConfigObject>;
type Ctx = z.RefinementCtx;
const issue = (ctx: Ctx, setting: string, message: string) => ctx.addIssue({ code: 'custom', path: [setting], message });

/** Whether the Temporal connection uses TLS, by @temporalio/envconfig's rule (TLS settings or an API key turn it on). */
export function temporalTlsEnabled(c: Omit<Parsed, 'REDDYFIT_LOCAL_MODE'>): boolean {
  if (c.TEMPORAL_TLS !== undefined) return c.TEMPORAL_TLS;
  return Boolean(
    c.TEMPORAL_API_KEY ||
      c.TEMPORAL_TLS_CLIENT_CERT_PATH ||
      c.TEMPORAL_TLS_CLIENT_CERT_DATA ||
      c.TEMPORAL_TLS_SERVER_CA_CERT_PATH ||
      c.TEMPORAL_TLS_SERVER_CA_CERT_DATA ||
      c.TEMPORAL_TLS_SERVER_NAME,
  );
}

function checkTemporalTransport(c: Parsed, ctx: Ctx) {
  const tls = temporalTlsEnabled(c);
  const host = hostOf(c.TEMPORAL_ADDRESS);
  if (c.TEMPORAL_API_KEY && !tls) {
    issue(ctx, 'TEMPORAL_TLS', 'must not be false with TEMPORAL_API_KEY: the key would travel in clear text');
  } else if (!tls && /\.tmprl\.cloud$/i.test(host)) {
    issue(ctx, 'TEMPORAL_TLS', 'Temporal Cloud needs TLS (a client certificate or an API key)');
  } else if (!tls && !LOOPBACK.test(host) && !c.REDDYFIT_LOCAL_MODE) {
    issue(ctx, 'TEMPORAL_TLS', 'a plain connection to a non-loopback Temporal address is refused outside REDDYFIT_LOCAL_MODE');
  }
  const pem: Array<[string, string | undefined, string | undefined, 'cert' | 'key']> = [
    ['TEMPORAL_TLS_CLIENT_CERT', c.TEMPORAL_TLS_CLIENT_CERT_DATA, c.TEMPORAL_TLS_CLIENT_CERT_PATH, 'cert'],
    ['TEMPORAL_TLS_CLIENT_KEY', c.TEMPORAL_TLS_CLIENT_KEY_DATA, c.TEMPORAL_TLS_CLIENT_KEY_PATH, 'key'],
    ['TEMPORAL_TLS_SERVER_CA_CERT', c.TEMPORAL_TLS_SERVER_CA_CERT_DATA, c.TEMPORAL_TLS_SERVER_CA_CERT_PATH, 'cert'],
  ];
  for (const [name, data, file, kind] of pem) {
    if (!data && !file) continue;
    const setting = data ? `${name}_DATA` : `${name}_PATH`;
    const text = pemFrom(data, file);
    if (text === undefined) issue(ctx, setting, 'file not readable');
    else if (!parses(() => (kind === 'cert' ? new X509Certificate(text) : createPrivateKey(text))))
      issue(ctx, setting, kind === 'cert' ? 'expected a PEM certificate' : 'expected a PEM private key');
  }
}

/** Laptop-only settings refused in production; checked by key id so the key itself is never compared in logs. */
function checkProductionGuards(c: Parsed, ctx: Ctx) {
  const keys = [
    ['PAYLOAD_ENCRYPTION_KEY', [c.PAYLOAD_ENCRYPTION_KEY].filter(Boolean)],
    ['PAYLOAD_DECRYPTION_KEYS', (c.PAYLOAD_DECRYPTION_KEYS ?? '').split(',').filter(Boolean)],
  ] as const;
  for (const [setting, values] of keys) {
    const raw = values.map((k) => Buffer.from(k, 'base64'));
    if (raw.some((k) => k.length === 32 && k.every((b) => b === 0))) issue(ctx, setting, 'an all-zero key is refused');
    if (!c.REDDYFIT_LOCAL_MODE && raw.some((k) => k.length === 32 && payloadKeyId(k) === LOCAL_PAYLOAD_KEY_ID))
      issue(ctx, setting, 'the published local dev key is refused outside REDDYFIT_LOCAL_MODE');
  }
  const signing = c.REVIEW_SIGNING_KEY ? Buffer.from(c.REVIEW_SIGNING_KEY, 'base64') : undefined;
  if (signing?.every((b) => b === 0)) issue(ctx, 'REVIEW_SIGNING_KEY', 'an all-zero key is refused');
  if (signing && !c.REDDYFIT_LOCAL_MODE && payloadKeyId(signing) === LOCAL_REVIEW_SIGNING_KEY_ID)
    issue(ctx, 'REVIEW_SIGNING_KEY', 'the published local dev key is refused outside REDDYFIT_LOCAL_MODE');
  if (c.REDDYFIT_LOCAL_MODE) return;
  for (const setting of ['FIRESTORE_EMULATOR_HOST', 'FIREBASE_AUTH_EMULATOR_HOST'] as const) {
    if (c[setting])
      issue(ctx, setting, 'an emulator host is refused outside REDDYFIT_LOCAL_MODE (emulators do not check token signatures)');
  }
  for (const setting of ['ScanStorage', 'ScanDataStorage'] as const) {
    if (c[setting]?.includes('UseDevelopmentStorage=true'))
      issue(ctx, setting, 'the storage emulator is refused outside REDDYFIT_LOCAL_MODE');
  }
}

export type Config = z.infer<typeof ConfigSchema>;

/** What the rollout (scripts/rollout.ts) reads: how to reach Temporal, the deployment, and the ramp. */
export const RolloutConfigSchema = ConfigObject.pick({
  TEMPORAL_ADDRESS: true,
  TEMPORAL_NAMESPACE: true,
  TEMPORAL_TASK_QUEUE: true,
  TEMPORAL_API_KEY: true,
  TEMPORAL_TLS: true,
  TEMPORAL_TLS_CLIENT_CERT_PATH: true,
  TEMPORAL_TLS_CLIENT_CERT_DATA: true,
  TEMPORAL_TLS_CLIENT_KEY_PATH: true,
  TEMPORAL_TLS_CLIENT_KEY_DATA: true,
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: true,
  TEMPORAL_TLS_SERVER_CA_CERT_DATA: true,
  TEMPORAL_TLS_SERVER_NAME: true,
  WORKER_DEPLOYMENT_NAME: true,
  WORKER_RAMP_PERCENT: true,
});
export type RolloutConfig = z.infer<typeof RolloutConfigSchema>;
/** What a process knows before its secrets arrive: every setting but the secret ones. */
export type StartupConfig = Omit<Config, SecretSetting>;

// Every check but those of the secret settings themselves (the cross-setting rules see them as unset).
const secretMask = Object.fromEntries(SECRET_SETTINGS.map((s) => [s, true])) as Record<SecretSetting, true>;
const StartupObject = ConfigObject.omit(secretMask);
const StartupSchema = StartupObject.superRefine((c, ctx) => refineConfig(c as Parsed, ctx));
// zod skips the cross-setting rules when a setting fails on its own; with the secrets optional they run
// too, so one report names every problem (a missing key and a missing service account together).
const SecretsOptionalSchema = ConfigObject.partial(secretMask).superRefine((c, ctx) => refineConfig(c as Parsed, ctx));

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'invalid_config';
  constructor(readonly problems: Array<{ setting: string; message: string }>) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p.setting}: ${p.message}`).join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;
type Problem = { setting: string; message: string };
// Empty strings mean "unset", as in App Service settings.
const cleanedEnv = (env: Env) => Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
const problemsOf = (error: z.ZodError): Problem[] =>
  error.issues.map((i) => ({ setting: String(i.path[0] ?? '(config)'), message: i.message }));

/** Parses settings from an environment; throws ConfigError naming every bad setting (values are never echoed). */
export function loadConfig(env: Env = process.env): Config {
  const cleaned = cleanedEnv(env);
  const parsed = ConfigSchema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  const all = [...problemsOf(parsed.error)];
  const more = SecretsOptionalSchema.safeParse(cleaned);
  if (!more.success) all.push(...problemsOf(more.error));
  throw new ConfigError(all.filter((p, i) => all.findIndex((q) => q.setting === p.setting && q.message === p.message) === i));
}

/**
 * The checks a process can make before its secrets are read: with KEY_VAULT_URL set, a problem with a
 * secret setting (missing, or not yet valid) waits for the vault; a problem with any other setting is a
 * bad deployment and throws ConfigError at once. Without KEY_VAULT_URL, exactly loadConfig's checks.
 */
export function loadStartupConfig(env: Env = process.env): StartupConfig {
  const cleaned = cleanedEnv(env);
  if (!cleaned.KEY_VAULT_URL) return loadConfig(env);
  const parsed = StartupSchema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  const problems = problemsOf(parsed.error).filter((p) => !isSecretSetting(p.setting));
  if (problems.length) throw new ConfigError(problems);
  return StartupObject.parse(cleaned); // only secret settings wait: the rest is valid
}

/** For process entry points: parse or print the problems and exit non-zero. */
export function loadConfigOrExit(env: Env = process.env): Config {
  return orExit(() => loadConfig(env));
}

function orExit<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}
