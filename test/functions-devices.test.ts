import { describe, expect, it } from 'vitest';
import { MAX_DEVICES_PER_MEMBER } from '../common/contracts/devices';
import { deviceRef, devicesCollection } from '../common/devices/repository';
import { idTokenFor } from './helpers/auth';
import { deviceRegistration, newInstallationId } from './helpers/devices';
import { functionsSuite } from './helpers/functions-suite';
import { api } from './helpers/http';
import { newUserId } from './helpers/scan';

const installationId = newInstallationId;
const registration = deviceRegistration;

// The member's app installations through the API: register, refresh, list without tokens, remove, the
// per-member limit, one token per phone, and no registration while the member's erasure runs. Every
// answer is checked against the OpenAPI document by api(); the stored documents are read to show what
// the FCM transport will find.
describe('functions: devices (PUT/DELETE /api/me/devices/{installationId}, GET /api/me/devices)', () => {
  // No worker polls this queue: an erasure requested here stays running.
  const suite = functionsSuite('fn-devices');
  const { config, firebase } = suite;

  const stored = async (uid: string) => (await devicesCollection(firebase.db, uid).get()).docs.map((d) => d.data());

  it('registers, refreshes with a new token, lists without tokens and removes; another member sees and touches none of it', async () => {
    const uid = newUserId();
    const other = newUserId();
    const token = await idTokenFor(firebase.auth, config, uid);
    const otherToken = await idTokenFor(firebase.auth, config, other);
    const phone = installationId();
    const first = registration();

    const created = await api(suite.host, `/api/me/devices/${phone}`, { method: 'PUT', token, json: first });
    expect(created.status, created.text).toBe(201);
    expect(created.json).toEqual({
      installationId: phone,
      platform: 'ios',
      appVersion: '2.3.1+104',
      locale: 'en-GB',
      registeredAt: expect.any(String),
      updatedAt: created.json.registeredAt,
    });
    expect(created.text).not.toContain(first.token);

    // The app got a new token (reinstall of FCM, token rotation): the same installation, the new token only.
    const second = { ...registration(), platform: 'android', appVersion: '2.4.0', locale: 'pt-BR' };
    const refreshed = await api(suite.host, `/api/me/devices/${phone}`, { method: 'PUT', token, json: second });
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(refreshed.json).toMatchObject({ installationId: phone, platform: 'android', registeredAt: created.json.registeredAt });
    expect(refreshed.json.updatedAt >= created.json.updatedAt).toBe(true);
    expect(await stored(uid)).toEqual([expect.objectContaining({ installationId: phone, token: second.token, platform: 'android' })]);

    const listed = await api(suite.host, '/api/me/devices', { token });
    expect(listed.json.items).toEqual([refreshed.json]);
    expect(listed.text).not.toMatch(/APA91b/);

    // Another member: an empty list, and their DELETE of this id removes only their own (nothing).
    expect((await api(suite.host, '/api/me/devices', { token: otherToken })).json.items).toEqual([]);
    expect((await api(suite.host, `/api/me/devices/${phone}`, { method: 'DELETE', token: otherToken })).status).toBe(204);
    expect(await stored(uid)).toHaveLength(1);

    const removed = await api(suite.host, `/api/me/devices/${phone}`, { method: 'DELETE', token });
    expect(removed.status).toBe(204);
    expect(removed.text).toBe('');
    expect(await stored(uid)).toEqual([]);
    // Idempotent: a retried sign-out finds nothing and answers the same.
    expect((await api(suite.host, `/api/me/devices/${phone}`, { method: 'DELETE', token })).status).toBe(204);
  });

  it('one token is one phone: registering it for a new installation removes the old installation', async () => {
    const uid = newUserId();
    const token = await idTokenFor(firebase.auth, config, uid);
    const same = registration();
    const [before, after, tablet] = [installationId(), installationId(), installationId()];
    expect((await api(suite.host, `/api/me/devices/${before}`, { method: 'PUT', token, json: same })).status).toBe(201);
    expect((await api(suite.host, `/api/me/devices/${tablet}`, { method: 'PUT', token, json: registration() })).status).toBe(201);
    expect((await api(suite.host, `/api/me/devices/${after}`, { method: 'PUT', token, json: same })).status).toBe(201);
    expect((await stored(uid)).map((d) => d.installationId).sort()).toEqual([after, tablet].sort());
  });

  it(`keeps at most ${MAX_DEVICES_PER_MEMBER} per member: the least recently refreshed are dropped`, async () => {
    const uid = newUserId();
    const token = await idTokenFor(firebase.auth, config, uid);
    const views: Array<{ installationId: string; updatedAt: string }> = [];
    const register = async () => {
      const res = await api(suite.host, `/api/me/devices/${installationId()}`, { method: 'PUT', token, json: registration() });
      expect(res.status, res.text).toBe(201);
      views.push(res.json);
    };
    for (let i = 0; i < MAX_DEVICES_PER_MEMBER; i++) await register();
    // The first registered is refreshed (the app started on that phone): it is now among the most recent.
    const refreshed = await api(suite.host, `/api/me/devices/${views[0]!.installationId}`, { method: 'PUT', token, json: registration() });
    expect(refreshed.status).toBe(200);
    views[0] = refreshed.json;
    await register();
    await register();
    // Newest first, the installation id breaking ties (the same order the code drops by).
    const expected = [...views]
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || b.installationId.localeCompare(a.installationId))
      .slice(0, MAX_DEVICES_PER_MEMBER)
      .map((v) => v.installationId);
    expect(expected).toContain(views[0]!.installationId);
    const listed = await api(suite.host, '/api/me/devices', { token });
    expect(listed.json.items.map((d: { installationId: string }) => d.installationId)).toEqual(expected);
    expect((await stored(uid)).map((d) => d.installationId).sort()).toEqual([...expected].sort());
  });

  it("no registration while the member's erasure runs (409, nothing written); removal still works", async () => {
    const uid = newUserId();
    const token = await idTokenFor(firebase.auth, config, uid);
    const phone = installationId();
    expect((await api(suite.host, `/api/me/devices/${phone}`, { method: 'PUT', token, json: registration() })).status).toBe(201);
    expect((await api(suite.host, '/api/me', { method: 'DELETE', token })).status).toBe(202);
    const late = installationId();
    const refused = await api(suite.host, `/api/me/devices/${late}`, { method: 'PUT', token, json: registration() });
    expect({ status: refused.status, code: refused.json?.code }).toEqual({ status: 409, code: 'erasure_in_progress' });
    expect((await deviceRef(firebase.db, uid, late).get()).exists).toBe(false);
    expect((await api(suite.host, `/api/me/devices/${phone}`, { method: 'DELETE', token })).status).toBe(204);
    expect(await stored(uid)).toEqual([]);
  });
});
