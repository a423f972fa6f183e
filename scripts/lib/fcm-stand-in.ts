import { createPublicKey, generateKeyPairSync, randomBytes, randomInt, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { makeGoogleApiCertificates } from './tls-certs';

// A local stand-in for the two Google endpoints firebase-admin's messaging() talks to, so the real SDK runs
// against it over its real protocols: the OAuth 2.0 JWT-bearer grant at https://oauth2.googleapis.com/token
// (google-auth-library signs an assertion with the service account's key and trades it for an access
// token) and FCM's HTTP v1 send, POST https://fcm.googleapis.com/v1/projects/{project}/messages:send (over
// HTTP/2, as the SDK sends it). Both host names are fixed in the SDKs, so a process reaches the stand-in
// through `clientEnv`: a preload that answers those two names with the stand-in's loopback address, and
// the stand-in's CA. The stand-in listens on port 443 (the port in those URLs) of a loopback address of
// its own (127.x.y.z), so several can run at once; binding it needs root or a lowered
// net.ipv4.ip_unprivileged_port_start.
//
// Like FCM, it accepts a message when it answers the request: a message is in `accepted` from the moment
// its request arrives with a valid token and shape (FCM has handed it on by then), even if the answer is
// held (`holdAnswersMs`) and the sender dies before it comes.

/** What FCM answers for one send: accepted, the token is dead, or a transient refusal with Retry-After. */
export type FcmAnswer = { kind: 'ok' } | { kind: 'unregistered' } | { kind: 'unavailable' | 'quota'; retryAfterSeconds: number };

export interface AcceptedFcmMessage {
  receivedAt: string;
  /** The registration token the message was sent to. */
  token: string;
  /** The message as FCM received it (HTTP v1 field names). */
  message: {
    token: string;
    notification?: { title?: string; body?: string };
    data?: Record<string, string>;
    android?: { collapse_key?: string };
    apns?: { headers?: Record<string, string> };
  };
}

export interface FcmStandIn {
  projectId: string;
  /** The service account key a client is configured with (FIREBASE_SERVICE_ACCOUNT_JSON). */
  serviceAccountJson: string;
  /** Env that makes a process's firebase-admin send to this stand-in, with PUSH_TRANSPORT=fcm. */
  clientEnv: Record<string, string>;
  /** GET: the accepted messages as JSON (plain HTTP on 127.0.0.1), for the demo and other processes. */
  listUrl: string;
  accepted: AcceptedFcmMessage[];
  /** Every send request and what it was answered (the HTTP status), in arrival order. */
  sends: Array<{ at: string; token: string; status: number }>;
  /** Access tokens issued by the OAuth endpoint. */
  tokensIssued(): number;
  /** Answers for a token from now on; `next` answers its next sends (one each) before `always` applies. */
  answer(token: string, rule: { always?: FcmAnswer; next?: FcmAnswer[] }): void;
  /** Holds every answer this long after accepting (a slow network: for crash tests); 0 stops holding. */
  holdAnswersMs(ms: number): void;
  /** Sends accepted whose answer is being held now. */
  holding(): number;
  close(): Promise<void>;
}

const OAUTH_TOKEN_PATH = '/token';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const MESSAGING_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const PRELOAD = path.join(__dirname, 'google-apis-to-stand-in.cjs');

/**
 * Routes this process's firebase-admin to the stand-in `env` (a `clientEnv`, or stack settings holding
 * one) without a restart: what the preload would have done at start-up. Call before the first send.
 */
export function reachFcmStandInFromThisProcess(env: Record<string, string | undefined>) {
  for (const name of ['GOOGLE_APIS_STAND_IN_ADDRESS', 'GOOGLE_APIS_STAND_IN_CA'] as const) {
    const value = env[name];
    if (!value) throw new Error(`${name} is not set: these settings name no FCM stand-in`);
    process.env[name] = value;
  }
  require(PRELOAD);
}

/** FCM HTTP v1's error body: google.rpc.Status with the FcmError detail firebase-admin maps to its codes. */
function fcmError(status: number, rpcStatus: string, message: string, fcmCode?: string) {
  return {
    status,
    body: {
      error: {
        code: status,
        message,
        status: rpcStatus,
        ...(fcmCode ? { details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: fcmCode }] } : {}),
      },
    },
  };
}

const base64url = (s: string) => Buffer.from(s, 'base64url');

/** Checks a JWT-bearer assertion as Google's token endpoint would: RS256 by the key, issuer, audience, scope, time. */
function assertionProblem(assertion: string, publicKeyPem: string, clientEmail: string): string | undefined {
  const parts = assertion.split('.');
  if (parts.length !== 3) return 'not a JWT';
  const [h, p, s] = parts as [string, string, string];
  let header: { alg?: string };
  let claims: { iss?: string; aud?: string; scope?: string; iat?: number; exp?: number };
  try {
    header = JSON.parse(base64url(h).toString('utf8'));
    claims = JSON.parse(base64url(p).toString('utf8'));
  } catch {
    return 'not a JWT';
  }
  if (header.alg !== 'RS256') return 'alg';
  if (!verify('RSA-SHA256', Buffer.from(`${h}.${p}`), createPublicKey(publicKeyPem), base64url(s))) return 'signature';
  if (claims.iss !== clientEmail) return 'iss';
  if (claims.aud !== `https://oauth2.googleapis.com${OAUTH_TOKEN_PATH}`) return 'aud';
  const scopes = (claims.scope ?? '').split(' ');
  if (!scopes.includes(MESSAGING_SCOPE) && !scopes.includes(CLOUD_PLATFORM_SCOPE)) return 'scope';
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== 'number' || claims.exp < now || (claims.iat ?? 0) > now + 300) return 'expired';
  return undefined;
}

/** A message as FCM's HTTP v1 API takes it: one token, data values strings only; anything else is refused. */
function messageProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return 'body';
  const { message, ...rest } = body as { message?: AcceptedFcmMessage['message'] };
  if (Object.keys(rest).some((k) => k !== 'validate_only')) return 'unknown field';
  if (!message || typeof message.token !== 'string' || message.token === '') return 'message.token';
  const allowed = new Set(['token', 'notification', 'data', 'android', 'apns', 'webpush', 'fcm_options']);
  if (Object.keys(message).some((k) => !allowed.has(k))) return 'unknown message field';
  if (message.data && Object.values(message.data).some((v) => typeof v !== 'string')) return 'message.data values must be strings';
  return undefined;
}

async function listenOnOwnLoopback(server: http2.Http2SecureServer): Promise<string> {
  for (let tries = 0; ; tries++) {
    const address = `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(443, address, () => {
          server.off('error', reject);
          resolve();
        });
      });
      return address;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES') {
        throw new Error(
          'the FCM stand-in listens on port 443 (the port in Google API URLs): run as root, or lower net.ipv4.ip_unprivileged_port_start to 443',
        );
      }
      if (code !== 'EADDRINUSE' || tries > 20) throw err;
    }
  }
}

export async function startFcmStandIn(opts: { projectId: string; certDir?: string }): Promise<FcmStandIn> {
  const { projectId } = opts;
  // Without a folder of the caller's, the certificates go to a temporary one, removed by close().
  const ownDir = opts.certDir ? undefined : mkdtempSync(path.join(os.tmpdir(), 'reddyfit-fcm-stand-in-'));
  const certs = makeGoogleApiCertificates(opts.certDir ?? ownDir!);
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const clientEmail = `push-sender@${projectId}.iam.gserviceaccount.com`;
  const serviceAccountJson = JSON.stringify({
    type: 'service_account',
    project_id: projectId,
    private_key_id: randomBytes(20).toString('hex'),
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: clientEmail,
    client_id: String(randomInt(1e9, 2 ** 47)),
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: `https://oauth2.googleapis.com${OAUTH_TOKEN_PATH}`,
  });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

  const issued = new Set<string>();
  const accepted: AcceptedFcmMessage[] = [];
  const sends: FcmStandIn['sends'] = [];
  const rules = new Map<string, { always?: FcmAnswer; next: FcmAnswer[] }>();
  let holdMs = 0;
  let holding = 0;
  const sendPath = `/v1/projects/${projectId}/messages:send`;

  const answerFor = (token: string): FcmAnswer => {
    const rule = rules.get(token);
    return rule?.next.shift() ?? rule?.always ?? { kind: 'ok' };
  };

  type Reply = { status: number; body: unknown; headers?: Record<string, string>; sentTo?: string };
  const handle = (req: http2.Http2ServerRequest, body: string): Reply => {
    const url = req.url ?? '/';
    const host = (req.headers[':authority'] ?? req.headers.host ?? '').toString().replace(/:443$/, '');
    if (host === 'oauth2.googleapis.com' && req.method === 'POST' && url === OAUTH_TOKEN_PATH) {
      const form = new URLSearchParams(body);
      const problem =
        form.get('grant_type') !== JWT_BEARER ? 'grant_type' : assertionProblem(form.get('assertion') ?? '', publicKeyPem, clientEmail);
      if (problem) return { status: 400, body: { error: 'invalid_grant', error_description: `Invalid JWT: ${problem}` } };
      const accessToken = `ya29.stand-in-${randomBytes(24).toString('base64url')}`;
      issued.add(accessToken);
      return { status: 200, body: { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' } };
    }
    if (host !== 'fcm.googleapis.com' || req.method !== 'POST' || url !== sendPath) {
      return fcmError(404, 'NOT_FOUND', `no such method: ${req.method} ${url}`);
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !issued.has(bearer)) {
      return fcmError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.', 'THIRD_PARTY_AUTH_ERROR');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return fcmError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    }
    const problem = messageProblem(parsed);
    if (problem) return fcmError(400, 'INVALID_ARGUMENT', `Invalid value: ${problem}`, 'INVALID_ARGUMENT');
    const message = (parsed as { message: AcceptedFcmMessage['message'] }).message;
    const sentTo = message.token;
    const answer = answerFor(sentTo);
    if (answer.kind === 'unregistered') return { ...fcmError(404, 'NOT_FOUND', 'Requested entity was not found.', 'UNREGISTERED'), sentTo };
    if (answer.kind === 'quota') {
      return {
        ...fcmError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for sending messages to this device.', 'QUOTA_EXCEEDED'),
        headers: { 'retry-after': String(answer.retryAfterSeconds) },
        sentTo,
      };
    }
    if (answer.kind === 'unavailable') {
      return {
        ...fcmError(503, 'UNAVAILABLE', 'The service is currently unavailable.', 'UNAVAILABLE'),
        headers: { 'retry-after': String(answer.retryAfterSeconds) },
        sentTo,
      };
    }
    accepted.push({ receivedAt: new Date().toISOString(), token: sentTo, message });
    return { status: 200, body: { name: `projects/${projectId}/messages/${randomBytes(8).toString('hex')}` }, sentTo };
  };

  const sockets = new Set<TLSSocket>();

  const server = http2.createSecureServer(
    { cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey), allowHTTP1: true },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const out = handle(req, Buffer.concat(chunks).toString('utf8'));
        if (out.sentTo !== undefined) {
          sends.push({ at: new Date().toISOString(), token: out.sentTo, status: out.status });
          if (out.status === 200 && holdMs > 0) {
            holding += 1;
            await new Promise((r) => setTimeout(r, holdMs));
            holding -= 1;
          }
        }
        if (res.destroyed || res.writableEnded) return; // the sender is gone (a killed worker)
        res.writeHead(out.status, { 'content-type': 'application/json; charset=UTF-8', ...out.headers }).end(JSON.stringify(out.body));
      });
    },
  );
  server.on('secureConnection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const address = await listenOnOwnLoopback(server);

  const list = http.createServer((req, res) => {
    if (req.method !== 'GET' || !req.url?.startsWith('/messages')) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(accepted));
  });
  await new Promise<void>((r) => list.listen(0, '127.0.0.1', r));

  return {
    projectId,
    serviceAccountJson,
    clientEnv: {
      NODE_OPTIONS: `--require ${PRELOAD}`,
      GOOGLE_APIS_STAND_IN_ADDRESS: address,
      GOOGLE_APIS_STAND_IN_CA: certs.caCert,
      FIREBASE_SERVICE_ACCOUNT_JSON: serviceAccountJson,
      PUSH_TRANSPORT: 'fcm',
    },
    listUrl: `http://127.0.0.1:${(list.address() as AddressInfo).port}/messages`,
    accepted,
    sends,
    tokensIssued: () => issued.size,
    answer: (token, rule) => void rules.set(token, { always: rule.always, next: [...(rule.next ?? [])] }),
    holdAnswersMs: (ms) => {
      holdMs = ms;
    },
    holding: () => holding,
    close: async () => {
      list.closeAllConnections();
      // HTTP/2 sessions stay open until their client ends them: end them, so close() returns.
      for (const socket of sockets) socket.destroy();
      await Promise.all([new Promise<void>((r) => server.close(() => r())), new Promise<void>((r) => list.close(() => r()))]);
      if (ownDir) rmSync(ownDir, { recursive: true, force: true });
    },
  };
}
