import http from 'node:http';
import { randomBytes } from 'node:crypto';
import {
  ALREADY_DELIVERED_STATUS,
  DeliveryKeyStore,
  IDEMPOTENCY_HEADER,
  SIGNATURE_HEADER,
  verifyWebhook,
} from '../../common/push-signature';

export interface ReceivedPush {
  receivedAt: string;
  body: unknown;
}

/**
 * The local stand-in for a phone: receives the worker's signed push webhooks, refuses bad or stale
 * signatures (401) and a second delivery of a key it accepted (409, a replay), and lists what arrived (GET /notifications) so the demo and the tests can see it.
 */
export async function startPushReceiver(port: number) {
  const secret = randomBytes(32).toString('hex');
  const received: ReceivedPush[] = [];
  const keys = new DeliveryKeyStore();
  // Replays the receiver refused (a worker killed after the provider accepted, before it recorded so).
  let repeats = 0;
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url?.startsWith('/notifications')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(received));
      return;
    }
    if (req.method !== 'POST' || req.url !== '/push') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const sig = req.headers[SIGNATURE_HEADER] as string | undefined;
      const key = req.headers[IDEMPOTENCY_HEADER] as string | undefined;
      const now = Math.floor(Date.now() / 1000);
      if (verifyWebhook(secret, { body: raw, idempotencyKey: key }, sig, now) === undefined) {
        res.writeHead(401).end();
        return;
      }
      if (!keys.accept(key!, now)) {
        repeats += 1;
        res.writeHead(ALREADY_DELIVERED_STATUS).end();
        return;
      }
      received.push({ receivedAt: new Date().toISOString(), body: JSON.parse(raw) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port; // 0 means: any free port
  return {
    url: `http://127.0.0.1:${port}/push`,
    listUrl: `http://127.0.0.1:${port}/notifications`,
    secret,
    received,
    repeats: () => repeats,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
