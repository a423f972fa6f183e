import { z } from 'zod';
import table from './secret-names.json';

/**
 * Settings that hold secrets. In Azure no template sets them: each process reads them at run time from
 * Key Vault (KEY_VAULT_URL) by its managed identity, from the secrets secret-names.json names for that
 * process (the same table grants each process a role on its own secrets only, infra/app/secret-access.bicep,
 * and docs/operations.md lists it). A setting present in the environment wins over the vault (a laptop, a
 * test, an emergency override). Key Vault names allow letters, digits and dashes only.
 */
export const SECRET_SETTINGS = [
  'PAYLOAD_ENCRYPTION_KEY',
  'PAYLOAD_DECRYPTION_KEYS',
  'REVIEW_SIGNING_KEY',
  'FIREBASE_SERVICE_ACCOUNT_JSON',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS_CLIENT_CERT_DATA',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
  'AZURE_OPENAI_API_KEY',
] as const;
export type SecretSetting = (typeof SECRET_SETTINGS)[number];

/** The two processes that read secrets: the Functions app and the worker, each with its own identity. */
export const SECRET_READERS = ['functions', 'worker'] as const;
export type SecretReader = (typeof SECRET_READERS)[number];

const SecretTableSchema = z.object({
  secrets: z
    .array(
      z.object({
        secret: z.string().regex(/^[a-z0-9-]{1,127}$/),
        setting: z.enum(SECRET_SETTINGS),
        readers: z.array(z.enum(SECRET_READERS)).min(1),
      }),
    )
    .refine((rows) => new Set(rows.map((r) => r.secret)).size === rows.length, 'a secret name is listed twice')
    .refine(oneSecretPerSetting, 'a process reads one setting from two secrets'),
});

function oneSecretPerSetting(rows: Array<{ setting: SecretSetting; readers: SecretReader[] }>): boolean {
  return SECRET_READERS.every((reader) => {
    const settings = rows.filter((r) => r.readers.includes(reader)).map((r) => r.setting);
    return new Set(settings).size === settings.length;
  });
}

/** Every Key Vault secret, the setting it fills and the processes that read it. */
export const SECRETS = SecretTableSchema.parse(table).secrets;

export const isSecretSetting = (setting: string): setting is SecretSetting => (SECRET_SETTINGS as readonly string[]).includes(setting);

/** The secret settings `reader` reads from the vault, each with its secret's name (one per setting). */
export function secretsFor(reader: SecretReader): Array<{ setting: SecretSetting; secret: string }> {
  return SECRETS.filter((s) => s.readers.includes(reader)).map(({ setting, secret }) => ({ setting, secret }));
}
