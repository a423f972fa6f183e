import { describe, expect, it } from 'vitest';
import { buildAuditTrail, compareWithLive, verifyAuditTrail } from './audit-trail';

const window = { from: '2026-03-04T00:00:00.000Z', to: '2026-03-05T00:00:00.000Z' };
const records = ['a', 'b', 'c', 'd'].map((x, i) => ({
  id: `scan_${x}_scan_started_${i}`,
  record: {
    scanId: `scan_${x}`,
    userId: `member_${x}`,
    action: 'scan_started',
    outcome: 'ok',
    actor: 'system:worker',
    at: `2026-03-04T0${i}:00:00.000Z`,
    recordedAt: { seconds: Date.parse(`2026-03-04T0${i}:00:00.000Z`) / 1000, nanoseconds: 0 },
  },
}));
const lines = (text: string) => text.trimEnd().split('\n');
const join = (ls: string[]) => `${ls.join('\n')}\n`;

describe('the audit trail file', () => {
  it('verifies as written, and gives back every record as archived', () => {
    const { text, count } = buildAuditTrail(window, records);
    expect(count).toBe(4);
    const { problems, archived } = verifyAuditTrail(window, text);
    expect(problems).toEqual([]);
    expect([...archived.keys()]).toEqual(records.map((r) => r.id));
    expect(compareWithLive(archived, records)).toEqual([]);
  });

  it('an edited line is named by its record', () => {
    const ls = lines(buildAuditTrail(window, records).text);
    ls[2] = ls[2]!.replace('"outcome":"ok"', '"outcome":"failed"');
    expect(verifyAuditTrail(window, join(ls)).problems).toEqual([
      expect.objectContaining({ where: `auditLogs/${records[1]!.id}`, problem: 'audit_chain_broken' }),
    ]);
  });

  it('a removed line is named by the record after it, a cut-off tail by the footer', () => {
    const ls = lines(buildAuditTrail(window, records).text);
    expect(verifyAuditTrail(window, join(ls.filter((_, i) => i !== 2))).problems).toEqual([
      expect.objectContaining({ where: `auditLogs/${records[2]!.id}`, problem: 'audit_record_removed_from_trail' }),
    ]);
    expect(verifyAuditTrail(window, join(ls.filter((_, i) => i !== 4))).problems).toEqual([
      expect.objectContaining({ where: 'line 5', problem: 'audit_record_removed_from_trail' }),
    ]);
  });

  it('a trail does not pass for another window', () => {
    const { text } = buildAuditTrail(window, records);
    expect(verifyAuditTrail({ ...window, to: '2026-03-06T00:00:00.000Z' }, text).problems).toEqual([
      expect.objectContaining({ problem: 'audit_trail_unreadable' }),
    ]);
  });

  it('live records against the archived ones: edited, deleted and unarchived ones are named', () => {
    const { archived } = verifyAuditTrail(window, buildAuditTrail(window, records).text);
    const live = [
      { ...records[0]!, record: { ...records[0]!.record, actor: 'reviewer:someone' } },
      records[1]!,
      records[3]!,
      { id: 'scan_e_scan_started_9', record: { ...records[0]!.record, scanId: 'scan_e' } },
    ];
    expect(compareWithLive(archived, live)).toEqual([
      expect.objectContaining({ where: `auditLogs/${records[0]!.id}`, problem: 'audit_record_edited' }),
      expect.objectContaining({ where: 'auditLogs/scan_e_scan_started_9', problem: 'audit_record_not_in_trail' }),
      expect.objectContaining({ where: `auditLogs/${records[2]!.id}`, problem: 'audit_record_deleted' }),
    ]);
  });
});
