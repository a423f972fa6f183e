/**
 * Settings that hold secrets, and the Key Vault secret each is read from. In Azure no template sets
 * them: each process reads them at run time from Key Vault (KEY_VAULT_URL) by its managed identity.
 * A setting present in the environment wins over the vault (a laptop, a test, an emergency override).
 * Key Vault names allow letters, digits and dashes only. docs/operations.md lists the same table.
 */
export const SECRET_NAMES = {
  PAYLOAD_ENCRYPTION_KEY: 'payload-encryption-key',
  PAYLOAD_DECRYPTION_KEYS: 'payload-decryption-keys',
  FIREBASE_SERVICE_ACCOUNT_JSON: 'firebase-service-account',
  TEMPORAL_API_KEY: 'temporal-api-key',
  TEMPORAL_TLS_CLIENT_CERT_DATA: 'temporal-client-cert',
  TEMPORAL_TLS_CLIENT_KEY_DATA: 'temporal-client-key',
  AZURE_OPENAI_API_KEY: 'azure-openai-api-key',
} as const;
export type SecretSetting = keyof typeof SECRET_NAMES;
export const SECRET_SETTINGS = Object.keys(SECRET_NAMES) as SecretSetting[];

export const isSecretSetting = (setting: string): setting is SecretSetting => Object.hasOwn(SECRET_NAMES, setting);

export const secretNameOf = (setting: SecretSetting): string => SECRET_NAMES[setting];
