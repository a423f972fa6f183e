import http from 'node:http';

/** Why the worker is not polling yet: its Key Vault secrets are not there, or the worker is (re)starting. */
export type Readiness = 'ready' | 'not_ready' | 'waiting_for_secrets';

/**
 * `/healthz`: the process is alive (also while it waits for its secrets, so the container is not restarted
 * in a loop). `/readyz`: the worker is polling its task queue.
 */
export function startHealthServer(port: number, readiness: () => Readiness) {
  const server = http.createServer((req, res) => {
    const path = req.url?.split('?')[0];
    if (path === '/healthz') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"alive"}');
    if (path === '/readyz') {
      const status = readiness();
      return void res.writeHead(status === 'ready' ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status }));
    }
    res.writeHead(404).end();
  });
  return new Promise<{ port: number; close: () => Promise<void> }>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : port,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}
