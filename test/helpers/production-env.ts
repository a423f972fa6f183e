/** Secret-looking values of the production environment below: no output of a refused start may echo them. */
export const PRODUCTION_SECRETS = {
  temporalApiKey: 'temporal-api-key-production-test-value',
  serviceAccountKey: 'sa-key-value',
} as const;

/**
 * A complete production environment the config accepts: Temporal Cloud with an API key, Firestore with
 * a service account, Blob through a managed identity, FCM pushes; no local mode, no emulators. Tests
 * start the entry points on it (cold load, production guards) and add one setting to see it refused.
 */
export function productionEnv(): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: 'reddyfit.a1b2c.tmprl.cloud:7233',
    TEMPORAL_API_KEY: PRODUCTION_SECRETS.temporalApiKey,
    PAYLOAD_ENCRYPTION_KEY: Buffer.alloc(32, 42).toString('base64'),
    REVIEW_SIGNING_KEY: Buffer.alloc(32, 43).toString('base64'),
    FIREBASE_PROJECT_ID: 'reddyfit-prod',
    FIREBASE_SERVICE_ACCOUNT_JSON: JSON.stringify({
      project_id: 'reddyfit-prod',
      client_email: 'sa@x.iam',
      private_key: PRODUCTION_SECRETS.serviceAccountKey,
    }),
    ScanStorage__blobServiceUri: 'https://reddyfitscans.blob.core.windows.net',
    PUSH_TRANSPORT: 'fcm',
  };
}
