import { z } from 'zod';
import { TASK_QUEUE } from './contracts/scan';

// All settings of every process, parsed once at start-up. Temporal names follow @temporalio/envconfig;
// storage follows the Azure Functions connection convention (`<Name>` = connection string,
// `<Name>__blobServiceUri` = identity-based). A bad setting stops the process and is named.

const hostPort = z.string().regex(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, 'expected host:port');
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const num = (min: number, max: number) => z.coerce.number().min(min).max(max);

export const ConfigSchema = z
  .object({
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
    TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
    /** AES-256 key (base64, 32 bytes) that encrypts every workflow payload; a Key Vault reference in Azure. */
    PAYLOAD_ENCRYPTION_KEY: z.base64().refine((k) => Buffer.from(k, 'base64').length === 32, 'expected 32 bytes, base64-encoded'),
    /** Earlier keys (comma-separated, base64) kept for decrypting after a rotation. */
    PAYLOAD_DECRYPTION_KEYS: z
      .string()
      .refine((ks) => ks.split(',').every((k) => Buffer.from(k, 'base64').length === 32), 'expected comma-separated 32-byte base64 keys')
      .optional(),
    /** Web UI base URL, only used to print links to runs. */
    TEMPORAL_UI_URL: z.url().optional(),

    // Firebase (Firestore + Auth + messaging)
    FIREBASE_PROJECT_ID: z.string().regex(/^[a-z][a-z0-9-]{4,29}$/, 'expected a Firebase project id'),
    /** Service-account JSON (a Key Vault reference in Azure); not needed against the emulators. */
    FIREBASE_SERVICE_ACCOUNT_JSON: z.string().min(1).optional(),
    FIRESTORE_EMULATOR_HOST: hostPort.optional(),
    FIREBASE_AUTH_EMULATOR_HOST: hostPort.optional(),

    // Blob storage
    ScanStorage: z.string().includes('AccountName=', { message: 'expected an Azure Storage connection string' }).optional(),
    ScanStorage__blobServiceUri: z.url().optional(),
    SCAN_UPLOADS_CONTAINER: z
      .string()
      .regex(/^[a-z0-9-]{3,63}$/)
      .default('scan-uploads'),
    WORKFLOW_ARCHIVES_CONTAINER: z
      .string()
      .regex(/^[a-z0-9-]{3,63}$/)
      .default('workflow-archives'),
    UPLOAD_URL_TTL_MINUTES: int(1, 60).default(15),
    MAX_PHOTO_BYTES: int(10_000, 50_000_000).default(15_000_000),

    // Nightly archive of closed workflow histories to WORKFLOW_ARCHIVES_CONTAINER
    /** Closed executions listed (and archived) per activity call. */
    ARCHIVE_PAGE_SIZE: int(1, 1000).default(200),
    /** Histories exported at once within a page. */
    ARCHIVE_CONCURRENCY: int(1, 64).default(8),
    /** Pages per workflow run before it continues as new (keeps each run's history short). */
    ARCHIVE_PAGES_PER_RUN: int(1, 10_000).default(50),

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

    // Pipeline policy
    REVIEW_TIMEOUT_SECONDS: int(1, 30 * 24 * 3600).default(48 * 3600),
    REVIEW_TIMEOUT_DECISION: z.enum(['approve', 'reject']).default('reject'),
    REVIEW_MIN_CONFIDENCE: num(0, 1).default(0.5),
    PHOTO_RETENTION_ON_FAILURE: z.enum(['delete', 'keep']).default('delete'),
    QUALITY_MIN_WIDTH: int(64, 10_000).optional(),
    QUALITY_MIN_HEIGHT: int(64, 10_000).optional(),
    QUALITY_MIN_SHARPNESS: num(0, 100_000).optional(),
    QUALITY_MAX_CLIPPED_SHARE: num(0, 1).optional(),

    // Worker process
    WORKER_MAX_CONCURRENT_ACTIVITIES: int(1, 1000).default(20),
    WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: int(2, 1000).default(40),
    WORKER_SHUTDOWN_GRACE_SECONDS: int(0, 600).default(30),
    WORKER_HEALTH_PORT: int(0, 65535).default(8080),
    /** Prebuilt workflow bundle; production always uses one, development bundles from source. */
    WORKER_WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),

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

    // Telemetry
    APPLICATIONINSIGHTS_CONNECTION_STRING: z.string().includes('InstrumentationKey=').optional(),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  })
  .superRefine((c, ctx) => {
    if (!c.ScanStorage && !c.ScanStorage__blobServiceUri) {
      ctx.addIssue({
        code: 'custom',
        path: ['ScanStorage'],
        message: 'set ScanStorage (connection string) or ScanStorage__blobServiceUri (managed identity)',
      });
    }
    if (c.PUSH_TRANSPORT === 'webhook') {
      if (!c.PUSH_WEBHOOK_URL)
        ctx.addIssue({ code: 'custom', path: ['PUSH_WEBHOOK_URL'], message: 'required when PUSH_TRANSPORT=webhook' });
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
  });

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'invalid_config';
  constructor(readonly problems: Array<{ setting: string; message: string }>) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p.setting}: ${p.message}`).join('\n')}`);
  }
}

/** Parses settings from an environment; throws ConfigError naming every bad setting (values are never echoed). */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset", as in App Service settings.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ConfigSchema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  throw new ConfigError(parsed.error.issues.map((i) => ({ setting: String(i.path[0] ?? '(config)'), message: i.message })));
}

/** For process entry points: parse or print the problems and exit non-zero. */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}
