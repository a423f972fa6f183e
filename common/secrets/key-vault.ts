import { azureIdentitySdk, keyVaultSecretsSdk } from '../clients/sdk-modules';

/** Where secrets come from: the values of the names found; a name the store does not hold is left out. */
export interface SecretSource {
  read(names: readonly string[]): Promise<Map<string, string>>;
}

/** The vault could not be asked (no role, network, throttled): says why by status, never with a value. */
export class KeyVaultUnavailableError extends Error {
  override readonly name = 'KeyVaultUnavailableError';
  readonly code = 'key_vault_unavailable';
  constructor(readonly reason: string) {
    super(`Key Vault could not be read: ${reason}`);
  }
}

// Judged by name and status, not instanceof: the SDK's RestError may come from its ESM or its CommonJS build.
function statusOf(err: unknown): number | undefined {
  const e = err as { name?: unknown; statusCode?: unknown };
  return e?.name === 'RestError' && typeof e.statusCode === 'number' ? e.statusCode : undefined;
}

function reasonOf(err: unknown): string {
  const status = statusOf(err);
  if (status === 401 || status === 403) return `HTTP ${status}: the app's identity needs the Key Vault Secrets User role on the vault`;
  if (status !== undefined) return `HTTP ${status}`;
  const name = (err as { name?: unknown })?.name;
  return name === 'CredentialUnavailableError' || name === 'AuthenticationError'
    ? 'no managed identity token (is AZURE_CLIENT_ID the identity assigned to this app?)'
    : 'the vault did not answer';
}

/** Key Vault by the process's identity (DefaultAzureCredential: the user-assigned identity AZURE_CLIENT_ID names). */
export function keyVaultSecretSource(vaultUrl: string): SecretSource {
  const { SecretClient } = keyVaultSecretsSdk();
  const client = new SecretClient(vaultUrl, new (azureIdentitySdk().DefaultAzureCredential)());
  return {
    async read(names) {
      const found = new Map<string, string>();
      // One at a time: a handful of secrets, read once at start-up; parallel reads only risk throttling.
      for (const name of names) {
        try {
          const secret = await client.getSecret(name);
          if (secret.value !== undefined) found.set(name, secret.value);
        } catch (err) {
          if (statusOf(err) === 404) continue; // not put there yet
          throw new KeyVaultUnavailableError(reasonOf(err));
        }
      }
      return found;
    },
  };
}
