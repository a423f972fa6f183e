import http from 'node:http';
import type { Client } from '@temporalio/client';
import type { Firestore } from 'firebase-admin/firestore';
import type { Config } from '../../common/config';
import { Collections } from '../../common/contracts/scan-document';
import { userRef } from '../../common/scans/repository';
import { type LocalHost, startLocalHost } from '../../functions/local-host';
import { contractViolations } from './openapi-contract';

/** The functions local host on a free port, quiet unless something goes wrong. */
export function startFunctionsHost(config: Config, opts: { pollIntervalMs?: number } = {}): Promise<LocalHost> {
  return startLocalHost({
    config,
    port: 0,
    pollIntervalMs: opts.pollIntervalMs,
    log: (level, message) => {
      if (level === 'error' || level === 'critical') process.stderr.write(`[functions] ${message}\n`);
    },
  });
}

export interface ApiResult {
  status: number;
  headers: Headers;
  text: string;
  /** The body as received (a PDF is not text). */
  bytes: Buffer;
  json: any;
}

export interface ApiCall {
  method?: string;
  token?: string;
  /** A value sent as JSON (Content-Type application/json). */
  json?: unknown;
  /** A raw body (no content type unless given in headers). */
  body?: string | Uint8Array;
  headers?: Record<string, string>;
}

/**
 * One request to the host; `path` is sent as written (no normalisation by URL parsing). The answer must
 * match the OpenAPI document (status documented, body of the documented shape) or the call throws, so
 * every suite checks the contract with every request it makes.
 */
export async function api(host: LocalHost, path: string, call: ApiCall = {}): Promise<ApiResult> {
  const headers: Record<string, string> = { ...(call.headers ?? {}) };
  if (call.token) headers.authorization = `Bearer ${call.token}`;
  let body: string | Uint8Array | undefined = call.body;
  if (call.json !== undefined) {
    body = JSON.stringify(call.json);
    headers['content-type'] ??= 'application/json';
  }
  const res = await rawRequest(host.port, call.method ?? 'GET', path, headers, body);
  let json: unknown;
  try {
    json = res.text ? JSON.parse(res.text) : undefined;
  } catch {
    json = undefined;
  }
  const method = call.method ?? 'GET';
  const violations = contractViolations(method, path, {
    status: res.status,
    contentType: res.headers.get('content-type'),
    json,
    text: res.text,
  });
  if (violations.length) throw new Error(`the answer breaks the OpenAPI document:\n${violations.join('\n')}`);
  return { ...res, json };
}

/** node:http so that paths with `..`, `%2F` or unicode reach the host exactly as written. */
export function rawRequest(port: number, method: string, path: string, headers: Record<string, string>, body?: string | Uint8Array) {
  if (body !== undefined) headers = { ...headers, 'content-length': String(Buffer.byteLength(body)) };
  return new Promise<{ status: number; headers: Headers; text: string; bytes: Buffer }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
        const bytes = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: h, text: bytes.toString('utf8'), bytes });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

/** Expect a problem+json answer with this status and code. */
export function problemOf(res: ApiResult): { status: number; code: string; contentType: string | null } {
  return { status: res.status, code: res.json?.code, contentType: res.headers.get('content-type') };
}

/** What "nothing was written" is checked against: documents, credits and workflows. */
export interface StateSnapshot {
  scans: number;
  auditLogs: number;
  credits: Record<string, number>;
  consents: Record<string, unknown>;
  idempotencyKeys: Record<string, number>;
  devices: Record<string, unknown>;
  workflows: number;
}

export async function countWorkflows(client: Client, taskQueue: string): Promise<number> {
  let n = 0;
  for await (const _ of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) n++;
  return n;
}

export async function snapshotState(db: Firestore, client: Client, taskQueue: string, uids: string[]): Promise<StateSnapshot> {
  // Counted by Firestore (an aggregation query): the collections hold every file's documents by then.
  const [scans, audits] = await Promise.all([
    db.collection(Collections.scans).count().get(),
    db.collection(Collections.auditLogs).count().get(),
  ]);
  const credits: Record<string, number> = {};
  const consents: Record<string, unknown> = {};
  const idempotencyKeys: Record<string, number> = {};
  const devices: Record<string, unknown> = {};
  for (const uid of uids) {
    const [user, consent, keys, installed] = await Promise.all([
      userRef(db, uid).get(),
      userRef(db, uid).collection(Collections.consents).get(),
      userRef(db, uid).collection(Collections.idempotency).get(),
      userRef(db, uid).collection(Collections.devices).get(),
    ]);
    credits[uid] = Number(user.data()?.scanCredits ?? 0);
    consents[uid] = consent.docs.map((d) => ({ id: d.id, ...d.data() }));
    idempotencyKeys[uid] = keys.size;
    devices[uid] = installed.docs.map((d) => ({ id: d.id, ...d.data() }));
  }
  return {
    scans: scans.data().count,
    auditLogs: audits.data().count,
    credits,
    consents,
    idempotencyKeys,
    devices,
    workflows: await countWorkflows(client, taskQueue),
  };
}
