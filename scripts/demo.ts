// `npm run demo`: a member's daily scan on two days (yesterday's and today's, with ordinary weight
// fluctuation), end to end on the embedded local stack, through the HTTP API as the app would use it. It
// starts the stack (or reuses the one named by REDDYFIT_STACK_ENV), the worker and the Functions local
// host; signs a member in with the Auth emulator, grants consent, gives credits, asks for upload URLs,
// uploads four generated sample photos through the SAS URLs (the upload trigger starts the workflow),
// follows the status endpoint with a progress display, and prints the results (each figure with its 95 %
// range, the change against day-to-day variation), the plausibility reasoning, the report's address (its
// PDF saved under .data/demo/, a link for a coach) and the Temporal Web UI link of each run. `--review` adds a scan that goes to review (a weight typo) and
// is approved by a reviewer through the API the console at /review/ uses. `--keep` leaves everything
// running afterwards, with the console and a reviewer account to sign in with. `--fcm` pushes through
// firebase-admin's FCM path to the FCM stand-in (PUSH_TRANSPORT=fcm): the member registers two phones
// through PUT /api/me/devices/{installationId}, and the demo prints the messages the stand-in received.

import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { z } from 'zod';
import { createBlobService } from '../common/clients/blob';
import { createFirebase } from '../common/clients/firebase';
import { createTemporalClient } from '../common/clients/temporal';
import { loadConfig } from '../common/config';
import type { CreateScanResponse, ReviewPacketSchema, ReviewQueueResponseSchema } from '../common/contracts/api';
import { workflowIdForScan } from '../common/contracts/scan';
import { userRef } from '../common/scans/repository';
import { startLocalHost } from '../functions/local-host';
import { activityDepsFromConfig, createScanWorker, createWorkerActivities } from '../worker/create-worker';
import { connectWorkerToTemporal } from '../worker/temporal-connection';
import { idTokenFor, staffAccount, staffIdTokenFor } from './lib/auth-emulator';
import { type AcceptedFcmMessage, reachFcmStandInFromThisProcess } from './lib/fcm-stand-in';
import { mtlsClientSettings, useOrStartStack } from './lib/local-stack';
import { progressPrinter } from './lib/progress-bar';
import { buildReviewConsole } from './lib/review-console';
import { makeSampleScanPhotos } from './lib/sample-photos';

type ReviewQueue = z.output<typeof ReviewQueueResponseSchema>;
type ReviewPacket = z.output<typeof ReviewPacketSchema>;

const keep = process.argv.includes('--keep');
/** Reach Temporal through the mTLS peer with a client certificate, as against Temporal Cloud. */
const mtls = process.argv.includes('--mtls');
/** Also a flagged scan, approved by a reviewer through the API the console at /review/ uses. */
const review = process.argv.includes('--review');
/** Push through FCM to the FCM stand-in, to two phones the member registers. */
const fcm = process.argv.includes('--fcm');
const say = (s: string) => console.log(s);
/** Where the demo leaves what it made (the reports' PDFs). */
const DEMO_DATA = path.resolve(__dirname, '..', '.data', 'demo');

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  say('Starting the local stack (Temporal dev server, Azurite, Firestore and Auth emulators)…');
  const stack = await useOrStartStack('demo', (l) => say(`  ${l}`), { mtls, fcm });
  const env = mtls ? { ...stack.env, ...mtlsClientSettings(stack.env) } : stack.env;
  if (mtls) say(`Temporal over mTLS through ${env.TEMPORAL_ADDRESS} (client certificate from the test CA)`);
  const fcmList = fcm ? env.FCM_STAND_IN_LIST_URL : undefined;
  if (fcm && !fcmList) throw new Error('the running stack has no FCM stand-in: start it with `npm run stack -- --fcm`');
  // The worker runs in this process, which started without the stand-in's preload: route it now.
  if (fcm) reachFcmStandInFromThisProcess(env);
  if (fcm) say(`Push through FCM (PUSH_TRANSPORT=${env.PUSH_TRANSPORT}) to the FCM stand-in; received messages at ${fcmList}`);
  const pushList = fcm ? undefined : env.PUSH_RECEIVER_LIST_URL;
  const config = loadConfig({ ...env, LOG_LEVEL: 'warn' });
  const firebase = createFirebase(config);
  const blob = createBlobService(config);
  const client = await createTemporalClient(config);
  const connection = await connectWorkerToTemporal(config);
  say('Starting the scan worker…');
  const worker = await createScanWorker({
    config,
    connection,
    activities: createWorkerActivities(activityDepsFromConfig(config, firebase, { uploads: blob, data: blob })),
    db: firebase.db,
  });
  const running = worker.run();

  const host = await startLocalHost({
    config,
    port: 0,
    log: (level, m) => (level === 'error' || level === 'critical') && say(`  [functions] ${m}`),
  });
  say(`Functions local host on ${host.url}`);
  if (review || keep) await buildReviewConsole({ log: (l) => say(`  ${l}`) });

  /**
   * A reviewer's account in the staff tenant at the Auth emulator: email, password and an SMS second factor
   * (the console signs in with all three; the emulator lists the code it "sent" instead of sending it).
   */
  const reviewerAccount = async () => {
    const uid = `demo-reviewer-${Date.now().toString(36)}`;
    const account = await staffAccount(firebase.auth, config, uid, { reviewer: true });
    return { ...account, token: await staffIdTokenFor(firebase.auth, config, uid, { reviewer: true }) };
  };
  const call = async (method: string, route: string, token: string, body?: unknown) => {
    const res = await fetch(`${host.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = (await res.json().catch(() => undefined)) as any;
    if (res.status >= 400) throw new Error(`${method} ${route} answered ${res.status}: ${json?.code ?? ''} ${json?.detail ?? ''}`);
    return { status: res.status, json, headers: res.headers };
  };

  /** Signs a member in, grants consent and gives `credits` scan credits. */
  const newMember = async (label: string, credits: number) => {
    const uid = `demo-${label}-${Date.now().toString(36)}`;
    const token = await idTokenFor(firebase.auth, config, uid);
    await call('PUT', '/api/consents/scan_analysis', token, { status: 'granted', version: '2026-01' });
    // Credits are bought in the app (not part of this backend): give them directly.
    await userRef(firebase.db, uid).set({ scanCredits: credits }, { merge: true });
    say(`Member ${uid} signed in with the Auth emulator (real ID token), consent granted, ${credits} scan credits given`);
    if (fcm) {
      for (const [i, platform] of (['android', 'ios'] as const).entries()) {
        const installationId = `demo-${platform}-${randomUUID().slice(0, 8)}`;
        const registration = { token: `demo-${platform}-${randomUUID()}`, platform, appVersion: '2.3.1+104', locale: 'en-GB' };
        const res = await call('PUT', `/api/me/devices/${installationId}`, token, registration);
        say(
          `PUT /api/me/devices/${installationId}: ${res.status} (phone ${i + 1}, ${platform}, FCM token …${registration.token.slice(-6)})`,
        );
      }
    }
    return { uid, token };
  };

  /** One scan through the API as the app makes it: create, upload four photos, follow the status to the end (or to review). */
  const scanOnce = async (
    member: { token: string },
    label: string,
    m: { weightKg: number; capturedAt: Date },
    until: 'end' | 'review' = 'end',
  ) => {
    say('');
    say(`== ${label}: ${m.weightKg.toFixed(1)} kg, captured ${m.capturedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`);
    const created = await call('POST', '/api/scans', member.token, {
      weightKg: m.weightKg,
      heightCm: 180,
      age: 35,
      sex: 'male',
      capturedAt: m.capturedAt.toISOString(),
      activityLevel: 'moderate',
      goal: 'lose_fat',
      trainingLevel: 'intermediate',
      exerciseMinutesPerDay: 40,
    });
    const scan = created.json as CreateScanResponse;
    say(`POST /api/scans: ${created.status}, scan ${scan.scanId}, ${scan.uploads.length} SAS upload URLs`);
    await Promise.all(
      scan.uploads.map(async (u) => {
        const res = await fetch(u.url, { method: u.method, headers: u.headers, body: photos[u.angle] });
        if (!res.ok) throw new Error(`upload of ${u.angle} answered ${res.status}`);
      }),
    );
    say('Four generated sample photos uploaded straight to Blob through the SAS URLs; the upload trigger starts the scan');
    const final = await follow(member.token, scan.scanId, until);
    return { scanId: scan.scanId, final };
  };

  const follow = async (token: string, scanId: string, until: 'end' | 'review') => {
    const bar = progressPrinter();
    let final: { status: number; json: any; headers: Headers };
    for (;;) {
      const res = await fetch(`${host.url}/api/scans/${scanId}`, { headers: { authorization: `Bearer ${token}` } });
      const json = (await res.json()) as any;
      if (res.status === 202 && !(until === 'review' && json.status === 'awaiting_review')) {
        bar.update(json.progress?.percent ?? 0, `${json.status} · ${json.progress?.step ?? 'waiting for upload trigger'}`);
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      final = { status: res.status, json, headers: res.headers };
      break;
    }
    bar.update(
      until === 'review' && final.status === 202 ? (final.json.progress?.percent ?? 0) : 100,
      final.json.status ?? final.json.code,
    );
    bar.done();
    say(`GET /api/scans/${scanId}: ${final.status} ${final.json.status ?? final.json.code}`);
    return final;
  };

  /** A figure with its 95 % range, as the report shows it. */
  const withRange = (value: number, unit: string, range?: { low: number; high: number }) =>
    `${value.toFixed(1)} ${unit}${range ? `  (95 % range ${range.low.toFixed(1)}–${range.high.toFixed(1)} ${unit})` : ''}`;

  /** The report: its address, its PDF saved under .data/demo/, and a link a coach could open without signing in. */
  const reportOf = async (scanId: string, token: string) => {
    const page = `${host.url}/api/scans/${scanId}/report`;
    const pdf = await fetch(`${page}.pdf`, { headers: { authorization: `Bearer ${token}` } });
    if (pdf.status !== 200) throw new Error(`GET /api/scans/${scanId}/report.pdf answered ${pdf.status}`);
    mkdirSync(DEMO_DATA, { recursive: true });
    const file = path.join(DEMO_DATA, `report-${scanId}.pdf`);
    writeFileSync(file, Buffer.from(await pdf.arrayBuffer()));
    say(`  Report            ${page} (with the member's token)`);
    say(`  Report PDF        saved to ${path.relative(process.cwd(), file)}`);
    const link = await call('POST', `/api/scans/${scanId}/shares`, token, { lifetimeDays: 7 });
    say(`  Link for a coach  ${link.json.url} (no sign-in; valid 7 days${keep ? '' : '; add --keep to open it before the demo stops'})`);
  };

  const printResults = async (scanId: string, final: { status: number; json: any }, token: string) => {
    const r = final.json.results;
    if (r) {
      const e = r.estimate;
      say(`  Body fat          ${withRange(e.bodyFatPercent, '%', e.ranges?.bodyFatPercent)}; ${e.method}, confidence ${e.confidence}`);
      say(`  Fat mass          ${withRange(e.fatMassKg, 'kg', e.ranges?.fatMassKg)}`);
      say(`  Lean mass         ${withRange(e.leanMassKg, 'kg', e.ranges?.leanMassKg)}`);
      if (e.ranges) say(`  Ranges from       ${e.ranges.source}`);
      // The change as the member reads it: against the method's day-to-day variation, not as a bare trend.
      const previous = r.deltas.previous;
      say(
        `  Change            ${previous ? (previous.significance?.summary ?? `${previous.bodyFatPercent} pp, ${previous.weightKg} kg since the last scan`) : 'first scan: no earlier scan to compare'}`,
      );
      const p = r.deltas.plausibility;
      if (p && p.reason !== 'first_scan')
        say(
          `  Plausibility      ${p.reason}: observed ${p.observed.bodyFatPercent} pp / ${p.observed.weightKg} kg against a band of ±${p.expectedBand.bodyFatPercent} pp / ±${p.expectedBand.weightKg} kg (vs ${p.reference})`,
        );
      if (r.review?.required) say(`  Review            ${r.review.outcome} (${r.review.reasons.join(', ')})`);
      say(
        `  Nutrition         ${r.nutrition.targetKcal} kcal/day (maintenance ${r.nutrition.maintenanceKcal}); protein ${r.nutrition.proteinG} g, fat ${r.nutrition.fatG} g, carbs ${r.nutrition.carbsG} g`,
      );
      say(`  Hydration         ${r.hydration.totalMl} ml/day (${r.hydration.fromDrinksMl} ml from drinks)`);
      say(
        `  Workout           ${r.workout.daysPerWeek} days/week, ${r.workout.weeklyAerobicMinutes} min aerobic, ${r.workout.strengthDays} strength days`,
      );
      for (const f of r.insights.findings) say(`  Insight           ${f.message}`);
      await reportOf(scanId, token);
    } else {
      say(`  ${final.json.detail ?? JSON.stringify(final.json)}`);
    }
    if (pushList) {
      // The results push is sent by the step after the one that writes the final status: give it a moment.
      const done = (ps: Array<{ body: { data: { type: string } } }>) => ps.some((p) => p.body.data.type !== 'scan_in_review');
      let pushes: Array<{ body: { title: string; data: { scanId: string; type: string } } }> = [];
      for (const end = Date.now() + 15_000; !done(pushes) && Date.now() < end; await new Promise((r) => setTimeout(r, 250))) {
        pushes = ((await (await fetch(pushList)).json()) as typeof pushes).filter((p) => p.body.data.scanId === scanId);
      }
      say(`  Pushes received   ${pushes.map((p) => `"${p.body.title}"`).join(', ') || 'none'}`);
    }
    if (fcmList) {
      const ofScan = async () =>
        ((await (await fetch(fcmList)).json()) as AcceptedFcmMessage[]).filter((m) => m.message.data?.scanId === scanId);
      // Both phones' copies of the end's push (the in-review push, if any, came earlier).
      const ended = (ms: AcceptedFcmMessage[]) => ms.filter((m) => m.message.data?.type !== 'scan_in_review').length >= 2;
      let messages = await ofScan();
      for (const end = Date.now() + 15_000; !ended(messages) && Date.now() < end; await new Promise((r) => setTimeout(r, 250)))
        messages = await ofScan();
      say(`  FCM stand-in      ${messages.length} messages for this scan (HTTP v1 messages:send, from firebase-admin):`);
      for (const m of messages) {
        say(
          `    to …${m.token.slice(-6)}  "${m.message.notification?.title}"  data ${JSON.stringify(m.message.data)}  collapse key ${m.message.android?.collapse_key}`,
        );
      }
    }
    const run = await client.workflow
      .getHandle(workflowIdForScan(scanId))
      .describe()
      .catch(() => undefined);
    if (run)
      say(
        `  Temporal Web UI   ${config.TEMPORAL_UI_URL}/namespaces/${config.TEMPORAL_NAMESPACE}/workflows/${run.workflowId}/${run.runId}/history`,
      );
    if (final.status !== 200) process.exitCode = 1;
  };

  const photos = await makeSampleScanPhotos('good');
  const DAY = 86_400_000;
  try {
    // A daily scan, as members live it: yesterday's and today's, with ordinary weight fluctuation (80.0 -> 81.0 kg).
    const member = await newMember('member', 2);
    const day1 = await scanOnce(member, 'Day 1', { weightKg: 80.0, capturedAt: new Date(Date.now() - DAY) });
    await printResults(day1.scanId, day1.final, member.token);
    const day2 = await scanOnce(member, 'Day 2', { weightKg: 81.0, capturedAt: new Date() });
    await printResults(day2.scanId, day2.final, member.token);

    const reviewer = review || keep ? await reviewerAccount() : undefined;
    if (review && reviewer) {
      // A weight no body reaches in a day (90.5 kg after 80.5: a likely typo) goes to review; a reviewer
      // approves it through the console's API, as the console at /review/ does.
      const other = await newMember('typo', 2);
      const before = await scanOnce(other, 'Review demo, day 1', { weightKg: 80.5, capturedAt: new Date(Date.now() - DAY) });
      if (before.final.status !== 200) throw new Error("the review demo's first scan did not complete");
      const flagged = await scanOnce(
        other,
        'Review demo, day 2 (weight typed as 90.5)',
        { weightKg: 90.5, capturedAt: new Date() },
        'review',
      );
      if (flagged.final.json.status !== 'awaiting_review')
        throw new Error(`expected the scan to wait for review, got ${flagged.final.json.status}`);
      say(
        `  Member is told    "${flagged.final.json.review?.message ?? 'in review'}" (Retry-After ${flagged.final.headers.get('retry-after')} s)`,
      );
      const queue = await call('GET', '/api/reviews?limit=25', reviewer.token);
      const listed = (queue.json as ReviewQueue).items.find((i) => i.scanId === flagged.scanId);
      if (!listed) throw new Error('the flagged scan is not in the review queue');
      say(`GET /api/reviews as reviewer ${reviewer.email}: ${queue.json.items.length} waiting (ids, reasons and times only)`);
      const opened = await call('GET', `/api/reviews/${flagged.scanId}`, reviewer.token);
      const item = opened.json as ReviewPacket;
      const p = item.deltas?.plausibility;
      say(`GET /api/reviews/${flagged.scanId}: the packet of this one scan (the opening audited):`);
      say(
        `  Reasons           ${item.reasons.join(', ')}${p ? ` (${p.reason}: ${p.observed.weightKg} kg in ${p.days} days, band ±${p.expectedBand.weightKg} kg)` : ''}`,
      );
      say(
        `  Photos            ${item.photos.map((ph) => ph.angle).join(', ')} (served by the API with the reviewer's token, each read audited)`,
      );
      say(
        `  History points    ${item.history.length} for the chart; decision due in ${Math.round(item.secondsLeft / 3600)} h, then ${item.onTimeout}`,
      );
      const decided = await call('POST', `/api/scans/${flagged.scanId}/review`, reviewer.token, {
        decision: 'approve',
        notes: 'Demo: approved from the review API the console uses.',
      });
      say(`POST /api/scans/${flagged.scanId}/review {approve}: ${decided.status}; the scan continues at once`);
      const final = await follow(other.token, flagged.scanId, 'end');
      await printResults(flagged.scanId, final, other.token);
    }
    if (reviewer && keep) {
      say('');
      say(`Reviewer's console  ${host.url}/review/  (sign in as ${reviewer.email} / ${reviewer.password})`);
      say(
        `  second factor: an SMS to ${reviewer.phoneNumber}; its code is listed at http://${config.FIREBASE_AUTH_EMULATOR_HOST}/emulator/v1/projects/${config.FIREBASE_PROJECT_ID}/tenants/${config.STAFF_TENANT_ID}/verificationCodes`,
      );
    } else if (review) say("\nThe reviewer's console: npm run demo -- --review --keep prints its address and an account to sign in with.");
  } finally {
    if (keep) {
      say('\n--keep: the stack, the worker and the Functions host (with the console) stay up until Ctrl-C.');
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
    await host.close();
    if (worker.getState() === 'RUNNING') worker.shutdown(); // Ctrl-C after --keep: the SDK's runtime already drains it
    await running;
    await connection.close();
    await client.connection.close();
    await firebase.close();
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
