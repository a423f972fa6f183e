import http from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';

// Temporal's remote codec protocol: the Web UI POSTs `{ payloads: [{ metadata: {k: base64}, data: base64 }] }`
// to `{endpoint}/decode` (and `/encode`) and shows what comes back. It lets people read encrypted payloads
// in the UI without the key ever reaching the browser or the Temporal server.

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

/**
 * A codec endpoint for one allowed browser origin (the local dev server's Web UI), on loopback only. The
 * endpoint that faces Temporal Cloud's Web UI is the operator-only HTTP function in functions/handlers/codec.ts.
 */
export async function startCodecServer(codec: PayloadCodec, opts: { port: number; allowedOrigin: () => string | undefined }) {
  const server = http.createServer((req, res) => {
    const origin = opts.allowedOrigin();
    if (origin) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
      res.setHeader('access-control-allow-headers', 'content-type, x-namespace, authorization');
      res.setHeader('access-control-allow-credentials', 'true');
    }
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    const route = req.url?.split('?')[0];
    if (req.method !== 'POST' || (route !== '/decode' && route !== '/encode')) return void res.writeHead(404).end();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 8 * 1024 * 1024) req.destroy();
      else chunks.push(c);
    });
    req.on('end', async () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { payloads?: JsonPayload[] };
        const payloads = (body.payloads ?? []).map(fromJson);
        const out = route === '/decode' ? await codec.decode(payloads) : await codec.encode(payloads);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ payloads: out.map(toJson) }));
      } catch (err) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (err as Error).name }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}
