import http from 'node:http';

/** `/healthz`: the process is alive. `/readyz`: the worker is polling its task queue. */
export function startHealthServer(port: number, isReady: () => boolean) {
  const server = http.createServer((req, res) => {
    const path = req.url?.split('?')[0];
    if (path === '/healthz') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"alive"}');
    if (path === '/readyz') {
      const ready = isReady();
      return void res
        .writeHead(ready ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: ready ? 'ready' : 'not_ready' }));
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
