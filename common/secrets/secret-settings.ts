/**
 * Settings that hold secrets. In Azure no template sets them: each process reads them at run time from
 * Key Vault (KEY_VAULT_URL) by its managed identity, under the secret name `secretNameOf(setting)`.
 * A setting present in the environment wins over the vault (a laptop, a test, an emergency override).
 */
export const SECRET_SETTINGS = [
  'PAYLOAD_ENCRYPTION_KEY',
  'PAYLOAD_DECRYPTION_KEYS',
  'FIREBASE_SERVICE_ACCOUNT_JSON',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS_CLIENT_CERT_DATA',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
  'AZURE_OPENAI_API_KEY',
] as const;
export type SecretSetting = (typeof SECRET_SETTINGS)[number];

export const isSecretSetting = (setting: string): setting is SecretSetting => (SECRET_SETTINGS as readonly string[]).includes(setting);

/** Key Vault secret names allow letters, digits and dashes: PAYLOAD_ENCRYPTION_KEY is `payload-encryption-key`. */
export const secretNameOf = (setting: SecretSetting): string => setting.toLowerCase().replaceAll('_', '-');
