import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { KEY_VAULT_TEST_HOST, makeTestCertificates } from '../../scripts/lib/tls-certs';

// A stand-in for Key Vault's secrets data plane (GET /secrets/{name}, API 7.x) and for the App Service
// managed-identity endpoint, so a process reads its secrets through the real SDKs (SecretClient and
// DefaultAzureCredential) over the real protocol: HTTPS only, the 401 challenge that names the token's
// resource, the identity's bearer token on the retry. Lowkey Vault, the emulator we would use, is not on
// Maven Central and cannot be built here (docs/not-built-yet.md).

export interface KeyVaultStandIn {
  /** The vault URL (https://vault.localhost:port). */
  url: string;
  /** Env a child process needs: the identity endpoint and the CA that signed the vault's certificate. */
  clientEnv: Record<string, string>;
  /** What infra/hooks/put-secret.sh would do (the role included, unless grantOnly says otherwise). */
  put(name: string, value: string): void;
  /**
   * Per-secret roles, as in Azure: from now on only these names may be read, every other answers 403
   * ForbiddenByRbac whether it exists or not; undefined: every name (a role on the whole vault).
   */
  grantOnly(names: readonly string[] | undefined): void;
  /** Secret reads answered, and whether each carried the identity's token. */
  reads: Array<{ name: string; authorized: boolean }>;
  close(): Promise<void>;
}

// Real Key Vault names https://vault.azure.net, and the SDK checks the vault's host is a subdomain of it.
const RESOURCE = 'https://localhost';

export async function startKeyVaultStandIn(): Promise<KeyVaultStandIn> {
  const certs = makeTestCertificates(path.join(os.tmpdir(), 'reddyfit-key-vault-certs'));
  const token = randomBytes(16).toString('hex');
  const identityHeader = randomBytes(8).toString('hex');
  const secrets = new Map<string, string>();
  const reads: KeyVaultStandIn['reads'] = [];
  let granted: ReadonlySet<string> | undefined;

  const identity = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.headers['x-identity-header'] !== identityHeader || url.searchParams.get('resource') !== RESOURCE) {
      return void res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_request"}');
    }
    const expiresOn = Math.floor(Date.now() / 1000) + 3600;
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ access_token: token, expires_on: String(expiresOn), resource: RESOURCE, token_type: 'Bearer' }));
  });

  const vault = https.createServer({ cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey) }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const match = /^\/secrets\/([A-Za-z0-9-]{1,127})\/?$/.exec(url.pathname);
    if (req.headers.authorization !== `Bearer ${token}`) {
      // The challenge the SDK answers with a token for this resource (and the tenant in `authorization`).
      res.writeHead(401, {
        'www-authenticate': `Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="${RESOURCE}"`,
      });
      if (match) reads.push({ name: match[1] ?? '', authorized: false });
      return void res.end();
    }
    if (req.method !== 'GET' || !match || !url.searchParams.get('api-version')) return void res.writeHead(400).end();
    const name = match[1] ?? '';
    reads.push({ name, authorized: true });
    const value = secrets.get(name);
    res.setHeader('content-type', 'application/json');
    if (granted && !granted.has(name)) {
      res.writeHead(403).end(
        JSON.stringify({
          error: {
            code: 'Forbidden',
            message: 'Caller is not authorized to perform action on resource.',
            innererror: { code: 'ForbiddenByRbac' },
          },
        }),
      );
      return;
    }
    if (value === undefined) {
      res.writeHead(404).end(
        JSON.stringify({
          error: { code: 'SecretNotFound', message: `A secret with (name/id) ${name} was not found in this key vault.` },
        }),
      );
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    res.writeHead(200).end(
      JSON.stringify({
        value,
        id: `https://localhost/secrets/${name}/0123456789abcdef0123456789abcdef`,
        attributes: { enabled: true, created: now, updated: now, recoveryLevel: 'Recoverable+Purgeable' },
      }),
    );
  });

  await Promise.all([
    new Promise<void>((r) => identity.listen(0, '127.0.0.1', r)),
    new Promise<void>((r) => vault.listen(0, '127.0.0.1', r)),
  ]);
  return {
    url: `https://${KEY_VAULT_TEST_HOST}:${(vault.address() as AddressInfo).port}`,
    clientEnv: {
      NODE_OPTIONS: `--require ${path.join(__dirname, 'loopback-subdomains.cjs')}`,
      IDENTITY_ENDPOINT: `http://127.0.0.1:${(identity.address() as AddressInfo).port}/msi/token`,
      IDENTITY_HEADER: identityHeader,
      NODE_EXTRA_CA_CERTS: certs.caCert,
    },
    put: (name, value) => void secrets.set(name, value),
    grantOnly: (names) => {
      granted = names && new Set(names);
    },
    reads,
    close: async () => {
      vault.closeAllConnections();
      identity.closeAllConnections();
      await Promise.all([new Promise((r) => vault.close(r)), new Promise((r) => identity.close(r))]);
    },
  };
}
