import { describe, expect, it } from 'vitest';
import { MalformedDocumentError } from '../common/clients/firestore-documents';
import { Collections } from '../common/contracts/scan-document';
import { createScanWithCredit } from '../common/scans/repository';
import { idTokenFor } from './helpers/auth';
import { functionsSuite } from './helpers/functions-suite';
import { api } from './helpers/http';
import { measurements, newScanId, newUserId, seedMember } from './helpers/scan';

// A stored document that does not have its schema's shape is refused where it is read, not passed on
// under a type it does not have (common/clients/firestore-documents.ts).
describe('reads of malformed Firestore documents', () => {
  const suite = functionsSuite('doc-reads');
  const { config, firebase } = suite;

  it('a consent stored without its shape is not shown to the member as a consent state', async () => {
    const uid = newUserId();
    // Written past the API (by hand, or by another writer): a status the contract does not have.
    await firebase.db
      .collection(Collections.users)
      .doc(uid)
      .collection(Collections.consents)
      .doc('scan_analysis')
      .set({ type: 'scan_analysis', status: 'granted-ish', version: '2026-01', updatedAt: new Date().toISOString() });
    const token = await idTokenFor(firebase.auth, config, uid);
    const res = await api(suite.host, '/api/consents', { token });
    expect(res.status, res.text).toBe(500);
    expect(res.json.code).toBe('internal_error');
    expect(res.text).not.toContain('granted-ish');
  });

  it('a scan whose stored measurements lost their shape refuses the create that reads it, naming fields, not values', async () => {
    const uid = newUserId();
    await seedMember(firebase.db, uid, { credits: 2 });
    const open = newScanId();
    await createScanWithCredit(firebase.db, { scanId: open, userId: uid, measurements: measurements(), now: new Date() });
    await firebase.db.collection(Collections.scans).doc(open).update({ 'measurements.weightKg': 'eighty-one' });
    const refused = createScanWithCredit(firebase.db, {
      scanId: newScanId(),
      userId: uid,
      measurements: measurements({ capturedAt: new Date(Date.now() + 60_000).toISOString() }),
      now: new Date(),
      limits: { maxOpen: 2, dailyLimit: 10, uploadsExpiredBefore: new Date(0) },
    });
    await expect(refused).rejects.toBeInstanceOf(MalformedDocumentError);
    await expect(refused).rejects.toMatchObject({ path: `scans/${open}`, fields: ['measurements.weightKg'] });
    await expect(refused).rejects.not.toMatchObject({ message: expect.stringContaining('eighty-one') });
    // Nothing was spent on the refused create.
    expect((await firebase.db.collection(Collections.users).doc(uid).get()).data()?.scanCredits).toBe(1);
  });
});
