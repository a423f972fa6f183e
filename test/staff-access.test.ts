import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createScanWithCredit, scanRef } from '../common/scans/repository';
import { functions } from '../functions/definitions';
import type { AnyHttpFunction } from '../functions/framework/types';
import { idTokenFor, staffIdTokenFor } from './helpers/auth';
import { functionsSuite } from './helpers/functions-suite';
import { api, startFunctionsHost } from './helpers/http';
import { measurements, newScanId, newUserId, seedMember } from './helpers/scan';

// Who staff are, through the HTTP API: an account of the staff tenant (STAFF_TENANT_ID), signed in with a
// second factor, not too long ago. Tokens are real ones from the Auth emulator, signed in the way the console
// signs in (password, then the SMS code), so each refused token differs from an accepted one in one thing only.
const HOUR = 3600;

const http = functions.filter((f): f is AnyHttpFunction => f.kind === 'http' && !f.internal);
/** Every route a reviewer or operator calls, from the function table: a new one is covered without listing it here. */
const staffRoutes = http.filter((f) => f.auth === 'reviewer' || f.auth === 'operator');
/** Every route of a member's own data. */
const memberRoutes = http.filter((f) => f.auth === 'member');

/** A concrete path for a route template; a parameter this file does not know fails loudly, so nothing is skipped. */
function pathOf(def: AnyHttpFunction): string {
  const values: Record<string, () => string> = {
    scanId: newScanId,
    installationId: () => 'inst-staff-0001',
    type: () => 'scan_analysis',
    angle: () => 'front',
  };
  return `/api/${def.route.replace(/\{\*?(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (!value) throw new Error(`test/staff-access.test.ts: give a value for {${name}} of ${def.name}`);
    return value();
  })}`;
}

describe('staff access: the staff tenant, a second factor, a recent sign-in', () => {
  const suite = functionsSuite('staff');
  const { config, firebase } = suite;
  const everyRole = { reviewer: true, operator: true };
  const tokens = {} as Record<'staff' | 'noSecondFactor' | 'membersTenant' | 'tooLongAgo' | 'twoHoursAgo' | 'member', string>;

  beforeAll(async () => {
    const uid = () => `staff_${randomUUID().slice(0, 8)}`;
    tokens.staff = await staffIdTokenFor(firebase.auth, config, uid(), everyRole);
    tokens.noSecondFactor = await staffIdTokenFor(firebase.auth, config, uid(), everyRole, { secondFactor: false });
    // Everything right (password, second factor, roles as claims) but in the members' accounts.
    tokens.membersTenant = await staffIdTokenFor(firebase.auth, config, uid(), everyRole, { membersTenant: true });
    tokens.tooLongAgo = await staffIdTokenFor(firebase.auth, config, uid(), everyRole, { signedInSecondsAgo: 12 * HOUR + 10 * 60 });
    tokens.twoHoursAgo = await staffIdTokenFor(firebase.auth, config, uid(), everyRole, { signedInSecondsAgo: 2 * HOUR });
    const member = newUserId();
    await seedMember(firebase.db, member, { credits: 1 });
    tokens.member = await idTokenFor(firebase.auth, config, member);
  });

  const call = (def: AnyHttpFunction, token: string, on = suite.host) =>
    api(on, pathOf(def), { method: def.methods[0], token, ...(def.methods[0] === 'GET' ? {} : { json: {} }) });

  it('the function table has staff routes and member routes to check', () => {
    expect(staffRoutes.map((f) => f.name)).toEqual(expect.arrayContaining(['listReviews', 'reviewScan', 'codecDecode', 'codecEncode']));
    expect(memberRoutes.map((f) => f.name)).toEqual(expect.arrayContaining(['createScan', 'eraseMe']));
  });

  for (const [kind, status, code] of [
    ['noSecondFactor', 403, 'second_factor_required'],
    ['membersTenant', 403, 'staff_sign_in_required'],
    ['tooLongAgo', 401, 'reauthentication_required'],
  ] as const) {
    it(`every staff route refuses a token ${kind === 'noSecondFactor' ? 'without a second factor' : kind === 'membersTenant' ? "of the members' accounts" : 'signed in over 12 hours ago'}: ${status} ${code}`, async () => {
      for (const def of staffRoutes) {
        const res = await call(def, tokens[kind]);
        expect({ route: def.name, status: res.status, code: res.json?.code }, res.text).toEqual({ route: def.name, status, code });
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      }
    });
  }

  it('the same routes take a staff token signed in with a second factor (the refusals above are about the token)', async () => {
    for (const def of staffRoutes) {
      const res = await call(def, tokens.staff);
      expect([401, 403], `${def.name}: ${res.status} ${res.text}`).not.toContain(res.status);
    }
  });

  it('the sign-in window is a setting: two hours ago is in the default 12 h, outside a 60-minute window', async () => {
    const strict = await startFunctionsHost({ ...config, STAFF_SIGN_IN_MAX_AGE_MINUTES: 60 });
    try {
      const queue = staffRoutes.find((f) => f.name === 'listReviews')!;
      expect((await call(queue, tokens.twoHoursAgo)).status).toBe(200);
      const refused = await call(queue, tokens.twoHoursAgo, strict);
      expect([refused.status, refused.json.code]).toEqual([401, 'reauthentication_required']);
      expect((await call(queue, tokens.staff, strict)).status).toBe(200);
    } finally {
      await strict.close();
    }
  });

  it('every member route refuses a staff token: 403 member_account_required (staff have no member data)', async () => {
    for (const def of memberRoutes) {
      const res = await call(def, tokens.staff);
      expect({ route: def.name, status: res.status, code: res.json?.code }, res.text).toEqual({
        route: def.name,
        status: 403,
        code: 'member_account_required',
      });
    }
  });

  it("a reviewer claim on a member's account reads nothing of a scan waiting for review; a staff token without a second factor is told why", async () => {
    const owner = newUserId();
    await seedMember(firebase.db, owner, { credits: 1 });
    const scan = await createScanWithCredit(firebase.db, {
      scanId: newScanId(),
      userId: owner,
      measurements: measurements(),
      now: new Date(),
    });
    await scanRef(firebase.db, scan.scanId).update({ status: 'awaiting_review' });
    const path = `/api/scans/${scan.scanId}`;
    expect((await api(suite.host, path, { token: tokens.staff })).status).toBe(202); // a reviewer with a need
    expect((await api(suite.host, path, { token: tokens.membersTenant })).status).toBe(404); // as if it did not exist
    const noFactor = await api(suite.host, path, { token: tokens.noSecondFactor });
    expect([noFactor.status, noFactor.json.code]).toEqual([403, 'second_factor_required']);
  });

  it('DELETE /api/me needs a sign-in within the last 5 minutes: 401 reauthentication_required, then works after signing in again', async () => {
    const uid = newUserId();
    await seedMember(firebase.db, uid, { credits: 0 });
    const old = await idTokenFor(firebase.auth, config, uid, {}, { signedInSecondsAgo: 6 * 60 });
    const refused = await api(suite.host, '/api/me', { method: 'DELETE', token: old });
    expect([refused.status, refused.json.code]).toEqual([401, 'reauthentication_required']);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    // Nothing started: no erasure is on record.
    expect((await api(suite.host, '/api/me/erasure', { token: old })).status).toBe(404);
    // Reading needs no fresh sign-in; only the erasure does.
    expect((await api(suite.host, '/api/scans', { token: old })).status).toBe(200);

    const fresh = await idTokenFor(firebase.auth, config, uid);
    expect((await api(suite.host, '/api/me', { method: 'DELETE', token: fresh })).status).toBe(202);
  });

  it('the OpenAPI document names each refusal on the routes that give it', async () => {
    const doc = (await api(suite.host, '/api/openapi.json')).json;
    expect(doc.paths['/api/me'].delete.responses['401'].description).toContain('reauthentication_required');
    expect(doc.paths['/api/reviews'].get.responses['403'].description).toMatch(/staff_sign_in_required.*second_factor_required/);
    expect(doc.paths['/api/reviews'].get.responses['401'].description).toContain('reauthentication_required');
    expect(doc.paths['/api/scans'].get.responses['403'].description).toContain('member_account_required');
  });
});
