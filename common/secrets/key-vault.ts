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
  if (status === 401 || status === 403)
    return `HTTP ${status}: the app's identity may read none of its secrets (a role on each: infra/hooks/put-secret.sh; from inside the network: the vault has no public access)`;
  if (status !== undefined) return `HTTP ${status}`;
  const name = (err as { name?: unknown })?.name;
  return name === 'CredentialUnavailableError' || name === 'AuthenticationError'
    ? 'no managed identity token (is AZURE_CLIENT_ID the identity assigned to this app?)'
    : 'the vault did not answer';
}

/**
 * Key Vault by the process's identity (DefaultAzureCredential: the user-assigned identity AZURE_CLIENT_ID
 * names). Roles are granted per secret, and only once the secret exists (infra/hooks/put-secret.sh), so a
 * secret never put (the Temporal API key of a deployment on mTLS) answers 403, not 404: it is left out like
 * a missing one. Only when every read is refused is the vault itself unreachable for this identity.
 */
export function keyVaultSecretSource(vaultUrl: string): SecretSource {
  const { SecretClient } = keyVaultSecretsSdk();
  const client = new SecretClient(vaultUrl, new (azureIdentitySdk().DefaultAzureCredential)());
  return {
    async read(names) {
      const found = new Map<string, string>();
      const refused: unknown[] = [];
      // One at a time: a handful of secrets, read once at start-up; parallel reads only risk throttling.
      for (const name of names) {
        try {
          const secret = await client.getSecret(name);
          if (secret.value !== undefined) found.set(name, secret.value);
        } catch (err) {
          if (statusOf(err) === 404) continue; // not put there yet
          if (statusOf(err) === 403) {
            refused.push(err); // no role on this secret (not put yet, or another process's)
            continue;
          }
          throw new KeyVaultUnavailableError(reasonOf(err));
        }
      }
      if (refused.length > 0 && refused.length === names.length) throw new KeyVaultUnavailableError(reasonOf(refused[0]));
      return found;
    },
  };
}
