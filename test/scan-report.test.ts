import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PHOTO_BODY_FAT_SEM_PP, WEIGHT_SEM_KG } from '../common/body-composition/repeatability';
import { Collections } from '../common/contracts/scan-document';
import type { ScanPoint } from '../common/contracts/scan-history';
import { ScanResultsSchema } from '../common/contracts/scan-results';
import { createScanWithCredit, scanRef } from '../common/scans/repository';
import { ensureChromium } from '../scripts/lib/chromium';
import { ensureDebianPackage } from '../scripts/lib/debian-package';
import { estimateRanges, FUSED_RANGE_SOURCE, fusedSeePp } from '../worker/domain/estimate-range';
import { scanTrend } from '../worker/domain/trend';
import { idTokenFor } from './helpers/auth';
import { functionsSuite } from './helpers/functions-suite';
import { api } from './helpers/http';
import { sampleScanResults } from './helpers/sample-results';
import { measurements, newScanId, newUserId, seedMember } from './helpers/scan';

// The member's report end to end: a completed scan with a month of history in Firestore, GET /api/me/trend,
// the report page in headless Chromium (the console test's set-up) and the PDF read back with poppler's
// pdftotext and drawn with pdftoppm. Screenshots land beside the console's in .data/screenshots.
const SCREENSHOTS = path.resolve(__dirname, '..', '.data', 'screenshots');
const PHONE = { width: 390, height: 844 };
const POPPLER = ['/usr/bin/pdftotext', '/usr/bin/pdftoppm'];
const HOSTILE = '<img src=x onerror="document.title=1">&<b>not bold</b>';

describe('the member report: trend, page and PDF', () => {
  const suite = functionsSuite('report');
  const { config, firebase } = suite;
  const owner = newUserId();
  const scanId = newScanId();
  let token: string;
  let browser: Browser;
  const day = (d: number) => new Date(Date.now() - (30 - d) * 86_400_000 - 3_600_000).toISOString();
  const photoSem = { bodyFatPercent: PHOTO_BODY_FAT_SEM_PP, weightKg: WEIGHT_SEM_KG, leanMassKg: 0.9 };
  const point = (id: string, d: number, bodyFatPercent: number, weightKg: number): ScanPoint => ({
    scanId: id,
    takenAt: day(d),
    bodyFatPercent,
    weightKg,
    leanMassKg: Math.round(weightKg * (1 - bodyFatPercent / 100) * 10) / 10,
    method: 'vision-fused',
    repeatability: photoSem,
  });
  const history = [point('scan_a', 0, 30.2, 90), point('scan_b', 14, 27.1, 88.1), point('scan_c', 28, 24.6, 86.6)];
  const current = point(scanId, 30, 24.2, 86);

  beforeAll(async () => {
    await seedMember(firebase.db, owner, { credits: 1 });
    token = await idTokenFor(firebase.auth, config, owner);
    for (const p of [...history, current])
      await firebase.db.collection(Collections.users).doc(owner).collection(Collections.scanHistory).doc(p.scanId).set(p);
    const m = measurements({ weightKg: 86, capturedAt: current.takenAt });
    await createScanWithCredit(firebase.db, { scanId, userId: owner, measurements: m, now: new Date() });
    const base = await sampleScanResults(m);
    const results = ScanResultsSchema.parse({
      ...base,
      estimate: {
        ...base.estimate,
        method: 'vision-fused',
        bodyFatPercent: 24.2,
        fatMassKg: 20.8,
        leanMassKg: 65.2,
        ranges: estimateRanges({ bodyFatPercent: 24.2, weightKg: 86, seePp: fusedSeePp(0.6, 0.7), source: FUSED_RANGE_SOURCE }),
        repeatability: photoSem,
      },
      deltas: scanTrend({ current, history }),
      insights: { ...base.insights, findings: [{ code: 'hostile', severity: 'info', message: HOSTILE, evidence: {} }] },
    });
    await scanRef(firebase.db, scanId).update({ status: 'completed', 'credit.state': 'consumed', results });
    browser = await chromium.launch({ executablePath: ensureChromium(), headless: true, args: ['--no-sandbox'] });
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('GET /api/me/trend: the window, smoothed, banded, and six points over 30 days beyond day-to-day variation', async () => {
    const res = await api(suite.host, '/api/me/trend?metric=bodyFatPercent&days=31', { token });
    expect(res.status).toBe(200);
    expect(res.json.points.map((p: { scanId: string }) => p.scanId)).toEqual(['scan_a', 'scan_b', 'scan_c', scanId]);
    expect(res.json.points[0].band.high).toBeGreaterThan(res.json.points[0].smoothed);
    expect(res.json.change).toMatchObject({ change: -6, beyondNoise: true });
    expect(res.json.change.summary).toContain('beyond day-to-day variation');
    const week = await api(suite.host, '/api/me/trend?metric=weightKg&days=7', { token });
    expect(week.json.points.map((p: { scanId: string }) => p.scanId)).toEqual(['scan_c', scanId]);
    expect(week.json.change).toMatchObject({ change: -0.6, beyondNoise: false });
  });

  it('GET /api/me/trend refuses bad query values with problem+json', async () => {
    for (const q of ['metric=bmi&days=30', 'metric=weightKg&days=6', 'metric=weightKg&days=366', 'metric=weightKg&days=3.5', 'days=30']) {
      const res = await api(suite.host, `/api/me/trend?${q}`, { token });
      expect({ q, status: res.status, code: res.json?.code }).toEqual({ q, status: 400, code: 'validation_failed' });
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('the page on a phone: figures with ranges, changes against noise, an SVG trend, strict CSP, everything escaped', async () => {
    const page = await browser.newPage({ viewport: PHONE, extraHTTPHeaders: { authorization: `Bearer ${token}` } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    const res = await page.goto(`${suite.host.url}/api/scans/${scanId}/report`);
    expect(res?.status()).toBe(200);
    const csp = res?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);

    const figure = (label: string) => page.locator(`tr[data-figure="${label}"]`).innerText();
    expect(await figure('Body fat')).toMatch(/24\.2 %\s+95 % range 1\d\.\d–2\d\.\d %/);
    expect(await figure('Fat mass')).toMatch(/20\.8 kg\s+95 % range \d+\.\d–\d+\.\d kg/);
    expect(await figure('Lean mass')).toMatch(/65\.2 kg\s+95 % range \d+\.\d–\d+\.\d kg/);
    const changes = await page.locator('#changes').innerText();
    expect(changes).toContain('Since your previous scan: Body fat −0.4 points over 2 days: within day-to-day variation');
    expect(changes).toContain('About a month ago: Body fat −6.0 points over 30 days: beyond day-to-day variation');
    expect(await page.locator('#trend svg polygon.band').count()).toBe(1);
    expect(await page.locator('#trend svg circle.scan').count()).toBe(4);
    expect(await page.locator('#trend svg polyline.smoothed').count()).toBe(1);
    expect(await page.locator('#not-medical').innerText()).toContain('not a medical device and not a diagnosis');
    expect(await page.locator('#how-made').innerText()).toContain('photo estimate combined');
    // The styles applied (the hash matched), no script anywhere, the hostile finding shown as text.
    const borderOf = (el: unknown) =>
      (globalThis as unknown as { getComputedStyle(e: unknown): { borderBottomStyle: string } }).getComputedStyle(el).borderBottomStyle;
    expect(await page.locator('h2').first().evaluate(borderOf)).toBe('solid');
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('#insights img, #insights b').count()).toBe(0);
    expect(await page.locator('#insights').innerText()).toContain(HOSTILE);
    expect(await page.title()).toContain('Your body-composition scan');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'report-phone.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('the PDF carries the same figures; its first page is drawn beside the console screenshots', async () => {
    ensureDebianPackage('poppler-utils', POPPLER);
    const res = await api(suite.host, `/api/scans/${scanId}/report.pdf`, { token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const dir = mkdtempSync(path.join(tmpdir(), 'report-pdf-'));
    const file = path.join(dir, 'report.pdf');
    writeFileSync(file, res.bytes);
    const text = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text.status, text.stderr).toBe(0);
    const flat = text.stdout.replace(/\s+/g, ' ');
    const page = await (
      await fetch(`${suite.host.url}/api/scans/${scanId}/report`, { headers: { authorization: `Bearer ${token}` } })
    ).text();
    const bodyFatRange = /Body fat<\/th><td class="value">24\.2 %<\/td><td class="range">95 % range ([\d.]+)–([\d.]+) %/.exec(page);
    expect(bodyFatRange).not.toBeNull();
    expect(flat).toContain(`Body fat: 24.2 % 95 % range ${bodyFatRange?.[1]}–${bodyFatRange?.[2]} %`);
    expect(flat).toMatch(/Fat mass: 20\.8 kg 95 % range/);
    expect(flat).toMatch(/Lean mass: 65\.2 kg 95 % range/);
    expect(flat).toContain('Body fat -6.0 points over 30 days: beyond day-to-day variation');
    expect(flat).toContain('Body fat -0.4 points over 2 days: within day-to-day variation');
    expect(flat).toContain('not a medical device and not a diagnosis');
    expect(flat).toContain(HOSTILE);
    const png = spawnSync('pdftoppm', [
      '-png',
      '-r',
      '72',
      '-f',
      '1',
      '-l',
      '1',
      '-singlefile',
      file,
      path.join(SCREENSHOTS, 'report-pdf-page1'),
    ]);
    expect(png.status, String(png.stderr)).toBe(0);
    expect(readFileSync(path.join(SCREENSHOTS, 'report-pdf-page1.png')).subarray(1, 4).toString('latin1')).toBe('PNG');
  });
});
