import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json';
import { MEMBER_SEALED_ENCODING, openHistoryPayloads, sealHistoryPayloads } from './member-keys';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const history = {
  events: [
    {
      eventId: '1',
      workflowExecutionStartedEventAttributes: {
        input: {
          payloads: [{ metadata: { encoding: b64('binary/encrypted'), 'encryption-key-id': b64('k1') }, data: b64('{"weightKg":83.7}') }],
        },
      },
    },
    {
      eventId: '2',
      activityTaskCompletedEventAttributes: {
        result: { payloads: [{ metadata: { encoding: b64('json/plain') }, data: b64('{"bodyFatPercent":21}') }] },
      },
    },
  ],
};
const member = { keyId: 'member-1', key: randomBytes(32) };

describe('archive member keys (crypto-shredding)', () => {
  it('seals every payload, and only payloads: identifiers and event types stay readable', () => {
    const sealed = sealHistoryPayloads(history, member) as typeof history;
    const text = JSON.stringify(sealed);
    expect(text).not.toContain(b64('{"weightKg":83.7}'));
    expect(text).not.toContain(b64('{"bodyFatPercent":21}'));
    expect(sealed.events.map((e) => e.eventId)).toEqual(['1', '2']);
    expect(sealed.events[0]!.workflowExecutionStartedEventAttributes!.input.payloads[0]!.metadata.encoding).toBe(
      b64(MEMBER_SEALED_ENCODING),
    );
  });

  it('opens with the member key, and stays sealed without it', () => {
    const sealed = sealHistoryPayloads(history, member);
    expect(openHistoryPayloads(sealed, [member])).toEqual(history);
    expect(openHistoryPayloads(sealed, [])).toEqual(sealed);
    expect(openHistoryPayloads(sealed, [{ keyId: 'member-2', key: randomBytes(32) }])).toEqual(sealed);
  });

  it('is deterministic whatever order the payload metadata comes in (one checksum per history)', () => {
    const reordered = JSON.parse(JSON.stringify(history));
    const p = reordered.events[0].workflowExecutionStartedEventAttributes.input.payloads[0];
    p.metadata = { 'encryption-key-id': p.metadata['encryption-key-id'], encoding: p.metadata.encoding };
    expect(canonicalJson(sealHistoryPayloads(reordered, member))).toBe(canonicalJson(sealHistoryPayloads(history, member)));
  });
});
