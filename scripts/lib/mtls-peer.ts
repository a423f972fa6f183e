import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { type TestCertificates, TLS_SERVER_NAME } from './tls-certs';

// The local stand-in for Temporal Cloud's front door: nginx (Debian's package) terminating TLS, demanding a
// client certificate signed by the test CA, and passing gRPC on to the dev server. Clients reach it
// through the same TEMPORAL_TLS_* settings they use against Temporal Cloud.

const NGINX_CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'];

function onPath(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const file = path.join(dir, cmd);
    if (dir && existsSync(file)) return file;
  }
  return undefined;
}

/** nginx from the machine, installed from Debian's packages when missing (as root); a clear error where it cannot be. */
export function findOrInstallNginx(log: (line: string) => void): string {
  const found = () => onPath('nginx') ?? NGINX_CANDIDATES.find((f) => existsSync(f));
  const existing = found();
  if (existing) return existing;
  const howTo =
    'install it with `apt-get install -y nginx-light` (Debian/Ubuntu) or put an nginx with http_ssl, http_v2 and grpc modules on PATH';
  if (process.getuid?.() !== 0 || !onPath('apt-get')) {
    throw new Error(`the mTLS peer needs nginx, which is not installed and cannot be installed here (not root, or no apt-get): ${howTo}`);
  }
  log('nginx not found: installing Debian package nginx-light (the local mTLS peer)');
  const apt = (args: string[]) =>
    execFileSync('apt-get', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  try {
    try {
      apt(['install', '-y', '--no-install-recommends', 'nginx-light']);
    } catch {
      apt(['update']); // a fresh machine has no package lists yet
      apt(['install', '-y', '--no-install-recommends', 'nginx-light']);
    }
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim().split('\n').slice(-3).join('\n');
    throw new Error(`installing nginx-light failed (${stderr ?? (err as Error).message}): ${howTo}`);
  }
  const installed = found();
  if (!installed) throw new Error(`nginx-light installed but no nginx binary found: ${howTo}`);
  return installed;
}

/**
 * nginx.conf for the peer. A refused client certificate is answered the gRPC way (status UNAUTHENTICATED
 * with a message naming the cause from $ssl_client_verify) instead of nginx's HTML 400 page, so a client
 * reports why it was refused. Long timeouts: workers long-poll for about a minute.
 */
export function mtlsPeerConfig(opts: { dir: string; logDir: string; port: number; upstream: string; certs: TestCertificates }): string {
  const { dir, logDir, port, upstream, certs } = opts;
  const tmp = path.join(dir, 'tmp');
  return `worker_processes 1;
pid ${path.join(dir, 'nginx.pid')};
error_log ${path.join(logDir, 'mtls-peer-error.log')} notice;
events { worker_connections 1024; }
http {
  # Each call with its client certificate's subject: which certificate a client used is observable.
  log_format mtls '$remote_addr [$time_local] "$request" $status $body_bytes_sent client="$ssl_client_s_dn"';
  access_log ${path.join(logDir, 'mtls-peer-access.log')} mtls;
  client_body_temp_path ${tmp}/body;
  proxy_temp_path ${tmp}/proxy;
  fastcgi_temp_path ${tmp}/fastcgi;
  uwsgi_temp_path ${tmp}/uwsgi;
  scgi_temp_path ${tmp}/scgi;
  client_max_body_size 0;
  map $ssl_client_verify $mtls_refusal {
    NONE "no client certificate was sent (mTLS is required)";
    ~^FAILED:(?<why>.*)$ "client certificate refused: $why";
    default "client certificate refused";
  }
  server {
    listen 127.0.0.1:${port} ssl http2;
    server_name ${TLS_SERVER_NAME} localhost;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_certificate ${certs.serverCert};
    ssl_certificate_key ${certs.serverKey};
    ssl_client_certificate ${certs.caCert};
    ssl_verify_client on;
    ssl_verify_depth 2;
    http2_max_concurrent_streams 1000;
    keepalive_timeout 600s;
    error_page 495 496 = @refused;
    location / {
      grpc_pass grpc://${upstream};
      grpc_read_timeout 600s;
      grpc_send_timeout 600s;
      grpc_socket_keepalive on;
    }
    location @refused {
      default_type application/grpc;
      add_header grpc-status 16 always;
      add_header grpc-message $mtls_refusal always;
      add_header content-length 0 always;
      return 204;
    }
  }
}
`;
}

export function writeMtlsPeerConfig(opts: Parameters<typeof mtlsPeerConfig>[0]): string {
  mkdirSync(path.join(opts.dir, 'tmp'), { recursive: true });
  const file = path.join(opts.dir, 'nginx.conf');
  writeFileSync(file, mtlsPeerConfig(opts));
  return file;
}

/** Arguments that run nginx in the foreground on that config (the guard owns the process). */
export function nginxArgs(opts: { dir: string; logDir: string; config: string }): string[] {
  return ['-p', opts.dir, '-e', path.join(opts.logDir, 'mtls-peer-error.log'), '-c', opts.config, '-g', 'daemon off;'];
}

/** Connection options that pass the peer: the accepted client certificate, the test CA, the server name. */
export function mtlsTlsOptions(certs: TestCertificates) {
  return {
    serverNameOverride: TLS_SERVER_NAME,
    serverRootCACertificate: readFileSync(certs.caCert),
    clientCertPair: { crt: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) },
  };
}

/** Ready once a gRPC call passes through the peer with the accepted certificate. */
export async function probeMtlsPeer(address: string, certs: TestCertificates): Promise<boolean> {
  const conn = await Connection.connect({ address, tls: mtlsTlsOptions(certs), connectTimeout: 2000 });
  try {
    await conn.workflowService.getSystemInfo({});
    return true;
  } finally {
    await conn.close();
  }
}
