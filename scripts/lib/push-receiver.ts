import { randomBytes } from 'node:crypto';
import http from 'node:http';
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

/** What the worker's push says (worker/activities/notify.ts): which scan and what happened, never health data. */
export const pushData = (p: ReceivedPush) => (p.body as { data: { scanId: string; type: string } }).data;

/**
 * The local stand-in for a phone: receives the worker's signed push webhooks, refuses bad or stale
 * signatures (401) and a second delivery of a key it accepted (409, a replay), and lists what arrived
 * (GET /notifications) so the demo and the tests can see it.
 *
 * `delayMs` makes it a slow phone, for crash tests (`npm run chaos` push-delay, test/worker-process):
 * it holds each delivery that long before answering, and a delivery counts as accepted only if its
 * sender is still connected when the answer goes out. One whose sender died meanwhile (a worker killed
 * inside the send) is abandoned: not received, its key not taken, so a retry is delivered.
 */
export async function startPushReceiver(port: number, opts: { delayMs?: number } = {}) {
  const secret = randomBytes(32).toString('hex');
  const received: ReceivedPush[] = [];
  const keys = new DeliveryKeyStore();
  let delayMs = opts.delayMs ?? 0;
  // Replays the receiver refused (a worker killed after the provider accepted, before it recorded so).
  let repeats = 0;
  let holding = 0;
  let abandoned = 0;
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url?.startsWith('/notifications')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(received));
      return;
    }
    if (req.method !== 'POST' || req.url !== '/push') {
      res.writeHead(404).end();
      return;
    }
    let senderGone = false;
    res.once('close', () => {
      senderGone = !res.writableEnded;
    });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const sig = req.headers[SIGNATURE_HEADER] as string | undefined;
      const key = req.headers[IDEMPOTENCY_HEADER] as string | undefined;
      if (verifyWebhook(secret, { body: raw, idempotencyKey: key }, sig, Math.floor(Date.now() / 1000)) === undefined) {
        res.writeHead(401).end();
        return;
      }
      if (delayMs > 0) {
        holding += 1;
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        holding -= 1;
        if (senderGone || res.destroyed || req.socket.destroyed) {
          abandoned += 1;
          return;
        }
      }
      if (!keys.accept(key!, Math.floor(Date.now() / 1000))) {
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
    setDelay: (ms: number) => {
      delayMs = ms;
    },
    /** Deliveries sitting in the delay right now (a sender to kill is inside its send). */
    holding: () => holding,
    /** Deliveries whose sender disconnected during the delay: never accepted. */
    abandoned: () => abandoned,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
