import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReviewPacket } from '../common/contracts/api';
import { DAILY_SCAN_WORKFLOW } from '../common/contracts/workflow-types';
import { ensureChromium } from '../scripts/lib/chromium';
import { buildReviewConsole } from '../scripts/lib/review-console';
import { type StaffAccount, smsCodeSent, staffAccount } from './helpers/auth';
import { functionsSuite } from './helpers/functions-suite';
import { api } from './helpers/http';
import { flaggedScanWaitingForReview } from './helpers/review';
import { pushesArrived, pushesFor, startTestWorker } from './helpers/scan';
import { stackEnv } from './helpers/stack';

// The reviewer's console end to end, in headless Chromium (Debian's package, driven by playwright-core:
// no browser download): built by Vite, served by the Functions app's local host under /review/, signing in
// to the staff tenant at the Auth emulator with a password and an SMS code (the emulator lists the codes it
// "sends"), reading GET /api/reviews, opening a packet (GET /api/reviews/{id}) and its photos through the
// API, deciding through POST /api/scans/{id}/review.
const SCREENSHOTS = path.resolve(__dirname, '..', '.data', 'screenshots');
const VIEWPORT = { width: 1366, height: 768 };
const BUILD_ID = `console-test-${randomUUID().slice(0, 8)}`;

describe('review console: a reviewer decides in the browser', () => {
  const suite = functionsSuite('console');
  const { config, taskQueue, firebase, blob } = suite;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let browser: Browser;

  beforeAll(async () => {
    const executablePath = ensureChromium((s) => process.stderr.write(`[console test] ${s}\n`));
    await buildReviewConsole({ log: (s) => process.stderr.write(`[console test] ${s}\n`) });
    mkdirSync(SCREENSHOTS, { recursive: true });
    // A build id of this file's own, so the packet's provenance is seen to come from this worker.
    worker = await startTestWorker(config, firebase, blob, { taskQueue, deps: { buildId: BUILD_ID } });
    // --no-sandbox: the test may run as root (CI containers), where Chromium's sandbox refuses to start.
    browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
  });

  /**
   * A staff account in the staff tenant at the Auth emulator: email, password and a phone enrolled as its
   * second factor, as an administrator sets one up; `reviewer` sets the role claim.
   */
  const account = (reviewer: boolean, opts: { secondFactor?: boolean; membersTenant?: boolean } = {}) =>
    staffAccount(
      firebase.auth,
      config,
      `${reviewer ? 'reviewer' : 'staff'}_${randomUUID().slice(0, 8)}`,
      reviewer ? { reviewer: true } : {},
      opts,
    );

  /** A page that records Content-Security-Policy violations and script errors. */
  async function openConsole() {
    const page = await browser.newPage({ viewport: VIEWPORT });
    const problems: string[] = [];
    // Before sending an SMS the SDK asks for the reCAPTCHA Enterprise settings, which the Auth emulator does not
    // implement (501); it then takes the reCAPTCHA v2 path, which the emulator mocks. That one answer is expected.
    const emulatorGap = (url: string, status: number) => status === 501 && new URL(url).pathname.endsWith('/v2/recaptchaConfig');
    page.on('console', (m) => {
      if (m.type() === 'error' && !emulatorGap(m.location().url || 'http://x/', 501)) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('response', (r) => {
      if (r.status() >= 400 && new URL(r.url()).pathname !== '/api/reviews' && !emulatorGap(r.url(), r.status()))
        problems.push(`${r.status()} ${new URL(r.url()).pathname}`);
    });
    const res = await page.goto(`${suite.host.url}/review/`);
    expect(res?.status()).toBe(200);
    const csp = res?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    return { page, problems };
  }

  /** The password, then (when the account has one) the code of the SMS the emulator "sent" to the enrolled phone. */
  async function signIn(page: Page, who: StaffAccount) {
    await page.locator('main[data-state="signed-out"]').waitFor();
    await page.getByLabel('Email').fill(who.email);
    await page.getByLabel('Password').fill(who.password);
    await page.getByLabel('Password').press('Enter'); // the form submits from the keyboard
    if (!who.phoneNumber) return;
    await page.locator('main[data-state="second-factor"]').waitFor();
    await page.getByText(/A code was sent by SMS to \+\*+\d{4}/).waitFor(); // the number shown masked
    await page.screenshot({ path: path.join(SCREENSHOTS, 'review-console-second-factor.png') });
    const code = await smsCodeSent(config, who.tenantId, { phoneNumber: who.phoneNumber });
    await page.getByLabel('Code from the SMS').fill(code);
    await page.getByLabel('Code from the SMS').press('Enter');
  }

  const state = (page: Page) => page.locator('main').getAttribute('data-state');

  it('signs in, finds the flagged scan, sees its four photos and the chart, approves; the member gets results and one push', async () => {
    const reviewer = await account(true);
    const { page, problems } = await openConsole();
    const queueAnswer = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/reviews');
    await signIn(page, reviewer);
    // What the page was told: other files running beside this one add and decide scans at any moment, so the
    // page is checked against the queue it read, not against a later read.
    const waiting = ((await (await queueAnswer).json()) as { items: unknown[] }).items.length;
    await page.locator('main[data-state="empty"], main[data-state="queue"]').waitFor();
    // The empty state, when this stack has nothing waiting (it does when this file runs on its own).
    if (waiting === 0) {
      expect(await state(page)).toBe('empty');
      await expect(page.getByText('No scans are waiting for review').isVisible()).resolves.toBe(true);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'review-console-empty.png') });
    }

    const member = await flaggedScanWaitingForReview(suite.host, firebase, config);
    await page.getByRole('button', { name: 'Refresh' }).click();
    const row = page.locator(`tr[data-scan-id="${member.scanId}"]`);
    await row.waitFor();
    expect(await state(page)).toBe('queue');
    await expect(row.innerText()).resolves.toContain('Change beyond what the body and the method explain');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'review-console-queue.png') });

    // Opened from the keyboard: the packet is read then, and the photos come from the API, never cached.
    const photoAnswers: Array<{ path: string; status: number; cacheControl: string; type: string }> = [];
    page.on('response', (r) => {
      const { pathname } = new URL(r.url());
      if (pathname.startsWith(`/api/reviews/${member.scanId}/photos/`))
        photoAnswers.push({
          path: pathname,
          status: r.status(),
          cacheControl: r.headers()['cache-control'] ?? '',
          type: r.headers()['content-type'] ?? '',
        });
    });
    const packetAnswer = page.waitForResponse((r) => new URL(r.url()).pathname === `/api/reviews/${member.scanId}`);
    await row.getByRole('button', { name: `Open scan ${member.scanId}` }).focus();
    await page.keyboard.press('Enter');
    expect((await packetAnswer).status()).toBe(200);
    await page.locator('main[data-state="detail"]').waitFor();
    // Four photos side by side, each fetched from the API with the reviewer's token and shown as an object URL.
    // (Polled from the test: a string predicate would be eval'd in the page, which its CSP rightly refuses.)
    const loaded = () =>
      page
        .locator('.photos img')
        .evaluateAll((imgs) => imgs.filter((i) => (i as unknown as { naturalWidth: number }).naturalWidth > 0).length);
    await expect.poll(loaded, { timeout: 20_000 }).toBe(4);
    const angles = await page.locator('.photos img').evaluateAll((imgs) => imgs.map((i) => i.getAttribute('data-angle')));
    expect(angles).toEqual(['front', 'back', 'left', 'right']);
    expect(photoAnswers.map((a) => a.path).sort()).toEqual(
      ['back', 'front', 'left', 'right'].map((angle) => `/api/reviews/${member.scanId}/photos/${angle}`),
    );
    for (const a of photoAnswers)
      expect(a).toMatchObject({ status: 200, type: 'image/jpeg', cacheControl: expect.stringMatching(/no-store/) });
    const srcs = await page.locator('.photos img').evaluateAll((imgs) => imgs.map((i) => i.getAttribute('src') ?? ''));
    for (const src of srcs) expect(src).toMatch(/^blob:/);
    const boxes = await page.locator('.photos img').evaluateAll((imgs) => imgs.map((i) => i.getBoundingClientRect().top));
    expect(new Set(boxes.map(Math.round)).size).toBe(1); // one row
    // The chart: yesterday's scan and this one, body fat and weight.
    const chart = page.getByRole('img', { name: 'Body fat and weight history' });
    await expect(chart.getAttribute('data-points')).resolves.toBe('2');
    expect(await page.locator('.chart polyline').count()).toBe(2);
    await expect(page.locator('.reasoning').innerText()).resolves.toMatch(/body fat changed by .* pp where up to ±/);
    // Each body-composition figure with its 95 % range, in the member's report's wording (the range from the packet).
    const packet = (await (await packetAnswer).json()) as ReviewPacket;
    const figures = page.locator('section[aria-labelledby="numbers-h"] dl').first();
    const ranges = packet.estimate?.ranges;
    expect(ranges).toBeDefined();
    for (const [label, r, unit] of [
      ['Body fat', ranges?.bodyFatPercent, '%'],
      ['Fat mass', ranges?.fatMassKg, 'kg'],
      ['Lean mass', ranges?.leanMassKg, 'kg'],
    ] as const)
      await expect(figures.innerText()).resolves.toMatch(
        new RegExp(`${label}\\s+\\d+\\.\\d ${unit} \\(95 % range ${r?.low.toFixed(1)}–${r?.high.toFixed(1)} ${unit}\\)`),
      );
    // The change as the member will read it (the report's wording): the flagged change is beyond day-to-day variation.
    await expect(page.locator('main').innerText()).resolves.toMatch(/Since the previous scan\s+.*beyond day-to-day variation/);
    // Which build and workflow type produced it, and how the estimate was made (issue 25 item 3).
    const provenance = await page.locator('section.provenance').innerText();
    expect(provenance).toMatch(new RegExp(`Build\\s+${BUILD_ID}`));
    expect(provenance).toMatch(new RegExp(`Workflow type\\s+${DAILY_SCAN_WORKFLOW}`));
    expect(provenance).toMatch(/Estimate\s+(deterministic code, no model|model deployment \S+ \(\w+\), prompt \S+)/);
    // Fits a 1366-pixel laptop screen: no sideways scrolling.
    const scrollWidth = await page.evaluate(
      () => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth,
    );
    expect(scrollWidth).toBeLessThanOrEqual(VIEWPORT.width);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'review-console-detail.png'), fullPage: true });

    await page.getByLabel(/Note for the record/).fill('Photos and weight consistent; yesterday looks like the outlier.');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText(`Approved ${member.scanId}`).waitFor();
    expect(await page.locator(`tr[data-scan-id="${member.scanId}"]`).count()).toBe(0);

    // The member's scan continues at once and completes; one push for review, then exactly one for results.
    let done: Awaited<ReturnType<typeof api>> | undefined;
    for (const end = Date.now() + 60_000; Date.now() < end; await new Promise((r) => setTimeout(r, 250))) {
      const res = await api(suite.host, `/api/scans/${member.scanId}`, { token: member.token });
      if (res.status !== 202) {
        done = res;
        break;
      }
    }
    expect(done?.status, done?.text).toBe(200);
    expect(done?.json.status).toBe('completed');
    expect(done?.json.results.review).toMatchObject({ required: true, outcome: 'approved', reasons: ['implausible_change'] });
    const listUrl = stackEnv().PUSH_RECEIVER_LIST_URL!;
    await pushesArrived(listUrl, member.scanId, 2);
    await new Promise((r) => setTimeout(r, 1000)); // nothing more arrives
    expect((await pushesFor(listUrl, member.scanId)).map((p) => p.body.data.type)).toEqual(['scan_in_review', 'scan_completed']);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("a member's account cannot sign in here: the console signs in to the staff tenant only", async () => {
    const member = await account(true, { membersTenant: true }); // even with a reviewer claim and a second factor
    const { page, problems } = await openConsole();
    await page.locator('main[data-state="signed-out"]').waitFor();
    await page.getByLabel('Email').fill(member.email);
    await page.getByLabel('Password').fill(member.password);
    await page.getByLabel('Password').press('Enter');
    await page.getByText('That email and password do not match a staff account.').waitFor();
    expect(await state(page)).toBe('signed-out');
    expect(problems.filter((p) => !/status of 400/.test(p) && !p.startsWith('400 '))).toEqual([]);
    await page.close();
  });

  it('a staff account without a second factor signs in but reads nothing: the API answers 403 second_factor_required', async () => {
    const reviewer = await account(true, { secondFactor: false });
    const { page, problems } = await openConsole();
    const queueAnswer = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/reviews');
    await signIn(page, reviewer);
    const answer = await queueAnswer;
    expect([answer.status(), ((await answer.json()) as { code: string }).code]).toEqual([403, 'second_factor_required']);
    await page.locator('main[data-state="not-staff"]').waitFor();
    await expect(page.locator('main').innerText()).resolves.toContain('without a second factor');
    expect(await page.locator('table.queue').count()).toBe(0);
    expect(problems.filter((p) => !/status of 403/.test(p))).toEqual([]);
    await page.close();
  });

  it('refuses a non-reviewer: the API answers 403 and the console says so', async () => {
    const member = await account(false);
    const { page, problems } = await openConsole();
    const queueAnswer = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/reviews');
    await signIn(page, member);
    const answer = await queueAnswer;
    expect(answer.status()).toBe(403);
    expect(((await answer.json()) as { code: string }).code).toBe('reviewer_role_required');
    await page.locator('main[data-state="not-reviewer"]').waitFor();
    await expect(page.getByRole('heading', { name: 'Not a reviewer' }).isVisible()).resolves.toBe(true);
    await expect(page.locator('main').innerText()).resolves.toContain(member.email);
    expect(await page.locator('table.queue').count()).toBe(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'review-console-not-reviewer.png') });
    // The browser logs the refused request itself; nothing else went wrong.
    expect(problems.filter((p) => !/status of 403/.test(p))).toEqual([]);
    await page.close();
  });
});
