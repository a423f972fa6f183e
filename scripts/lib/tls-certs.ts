import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// Test certificates for the local mTLS peer, made with openssl into the (ignored) data folder: the stand-in
// for Temporal Cloud's namespace CA and the client certificate a worker presents. Never used outside a laptop.

/** The name the TLS peer's certificate is issued for (with localhost and 127.0.0.1); clients verify it. */
export const TLS_SERVER_NAME = 'temporal.local';
/** The Key Vault stand-in's host name (a subdomain, as Key Vault's challenge check wants: vault.localhost). */
export const KEY_VAULT_TEST_HOST = 'vault.localhost';

export interface TestCertificates {
  dir: string;
  /** CA that signs the server and the accepted client certificates (what nginx trusts, what clients trust). */
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** Accepted: signed by the CA, valid now. */
  clientCert: string;
  clientKey: string;
  /** A second accepted client certificate (rotation: the next version of the secret). */
  rotatedClientCert: string;
  rotatedClientKey: string;
  /** Refused: signed by another CA. */
  otherCaClientCert: string;
  otherCaClientKey: string;
  /** Refused: signed by the CA, but its validity ended in 2020. */
  expiredClientCert: string;
  expiredClientKey: string;
}

function openssl(cwd: string, args: string[]) {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { code?: string; stderr?: Buffer };
    if (e.code === 'ENOENT') throw new Error('openssl is not installed (Debian: apt-get install -y openssl)');
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.toString().trim()}`);
  }
}

/** A self-signed CA (key + certificate). */
function makeCa(dir: string, name: string, cn: string) {
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
  openssl(dir, [
    'req',
    '-x509',
    '-new',
    '-key',
    `${name}.key`,
    '-sha256',
    '-days',
    '3650',
    '-subj',
    `/CN=${cn}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    `${name}.pem`,
  ]);
}

/**
 * A leaf signed by `ca` through `openssl ca`, which (unlike `x509 -req` in OpenSSL 3.0) takes explicit
 * start and end dates: that is how the expired certificate is made.
 */
function makeLeaf(dir: string, ca: string, name: string, cn: string, ext: string, dates?: { start: string; end: string }) {
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
  openssl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`]);
  const db = path.join(dir, `${ca}-db`);
  mkdirSync(path.join(db, 'new'), { recursive: true });
  if (!existsSync(path.join(db, 'index.txt'))) writeFileSync(path.join(db, 'index.txt'), '');
  if (!existsSync(path.join(db, 'serial'))) writeFileSync(path.join(db, 'serial'), '1000\n');
  writeFileSync(
    path.join(dir, `${name}.cnf`),
    `[ca]
default_ca = test_ca
[test_ca]
dir = ${db}
database = ${db}/index.txt
new_certs_dir = ${db}/new
serial = ${db}/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
x509_extensions = leaf
[any]
commonName = supplied
[leaf]
basicConstraints = critical,CA:FALSE
${ext}
`,
  );
  openssl(dir, [
    'ca',
    '-batch',
    '-notext',
    '-config',
    `${name}.cnf`,
    '-cert',
    `${ca}.pem`,
    '-keyfile',
    `${ca}.key`,
    '-in',
    `${name}.csr`,
    '-out',
    `${name}.pem`,
    ...(dates ? ['-startdate', dates.start, '-enddate', dates.end] : ['-days', '825']),
  ]);
}

/** Makes (or reuses, when all are there) the CA, server and client certificates in `dir`. */
export function makeTestCertificates(dir: string): TestCertificates {
  const p = (f: string) => path.join(dir, f);
  const certs: TestCertificates = {
    dir,
    caCert: p('ca.pem'),
    serverCert: p('server.pem'),
    serverKey: p('server.key'),
    clientCert: p('client.pem'),
    clientKey: p('client.key'),
    rotatedClientCert: p('client-rotated.pem'),
    rotatedClientKey: p('client-rotated.key'),
    otherCaClientCert: p('other-ca-client.pem'),
    otherCaClientKey: p('other-ca-client.key'),
    expiredClientCert: p('expired-client.pem'),
    expiredClientKey: p('expired-client.key'),
  };
  if (Object.entries(certs).every(([k, f]) => k === 'dir' || existsSync(f))) return certs;
  mkdirSync(dir, { recursive: true });
  const client = 'keyUsage = critical,digitalSignature\nextendedKeyUsage = clientAuth';
  makeCa(dir, 'ca', 'ReddyFit local test CA');
  makeCa(dir, 'other-ca', 'Some other CA');
  makeLeaf(
    dir,
    'ca',
    'server',
    TLS_SERVER_NAME,
    `keyUsage = critical,digitalSignature\nextendedKeyUsage = serverAuth\nsubjectAltName = DNS:${TLS_SERVER_NAME},DNS:${KEY_VAULT_TEST_HOST},DNS:localhost,IP:127.0.0.1`,
  );
  makeLeaf(dir, 'ca', 'client', 'reddyfit-worker', client);
  makeLeaf(dir, 'ca', 'client-rotated', 'reddyfit-worker-rotated', client);
  makeLeaf(dir, 'other-ca', 'other-ca-client', 'reddyfit-worker', client);
  makeLeaf(dir, 'ca', 'expired-client', 'reddyfit-worker', client, { start: '20200101000000Z', end: '20200201000000Z' });
  return certs;
}

/** The Google API hosts the FCM stand-in answers for (scripts/lib/fcm-stand-in.ts). */
export const GOOGLE_API_TEST_HOSTS = ['fcm.googleapis.com', 'oauth2.googleapis.com'] as const;

/**
 * A test CA and a server certificate for GOOGLE_API_TEST_HOSTS: the FCM stand-in serves it, and a process
 * that trusts the CA (NODE_EXTRA_CA_CERTS) reaches the stand-in under Google's names. Reused when present.
 */
export function makeGoogleApiCertificates(dir: string): Pick<TestCertificates, 'dir' | 'caCert' | 'serverCert' | 'serverKey'> {
  const p = (f: string) => path.join(dir, f);
  const certs = { dir, caCert: p('ca.pem'), serverCert: p('google-apis.pem'), serverKey: p('google-apis.key') };
  if ([certs.caCert, certs.serverCert, certs.serverKey].every((f) => existsSync(f))) return certs;
  mkdirSync(dir, { recursive: true });
  makeCa(dir, 'ca', 'ReddyFit local Google API stand-in CA');
  const names = GOOGLE_API_TEST_HOSTS.map((h) => `DNS:${h}`).join(',');
  makeLeaf(
    dir,
    'ca',
    'google-apis',
    GOOGLE_API_TEST_HOSTS[0],
    `keyUsage = critical,digitalSignature\nextendedKeyUsage = serverAuth\nsubjectAltName = ${names}`,
  );
  return certs;
}
