import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  PayloadDecryptionError,
  payloadKeyId,
  REFUSED_UNENCRYPTED_ENCODING,
} from './payload-encryption';

const key = randomBytes(32);
const payload = defaultPayloadConverter.toPayload({ weightKg: 82.5, bodyFatPercent: 21.3 });
const text = (b?: Uint8Array | null) => new TextDecoder().decode(b ?? new Uint8Array());

describe('EncryptionCodec', () => {
  it('round-trips a payload and hides its content and its encoding', async () => {
    const codec = new EncryptionCodec(key);
    const [encrypted] = await codec.encode([payload]);
    expect(text(encrypted!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encrypted!.metadata!['encryption-key-id'])).toBe(payloadKeyId(key));
    // Whole tokens only: a short fragment such as "82.5" could occur in random ciphertext by chance.
    expect(Buffer.from(encrypted!.data!).toString('latin1')).not.toMatch(/"weightKg":82\.5|bodyFatPercent|json\/plain/);
    const [decoded] = await codec.decode([encrypted!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({ weightKg: 82.5, bodyFatPercent: 21.3 });
  });

  it('uses a fresh IV each time: the same payload never encrypts the same way twice', async () => {
    const codec = new EncryptionCodec(key);
    const [a, b] = await codec.encode([payload, payload]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('refuses tampered ciphertext, unknown keys and unencrypted payloads', async () => {
    const codec = new EncryptionCodec(key);
    const [encrypted] = await codec.encode([payload]);
    const tampered = { ...encrypted!, data: Buffer.from(encrypted!.data!).map((x, i) => (i === 20 ? x ^ 1 : x)) };
    await expect(codec.decode([tampered])).rejects.toBeInstanceOf(PayloadDecryptionError);
    await expect(new EncryptionCodec(randomBytes(32)).decode([encrypted!])).rejects.toThrow(/no payload key with id/);
  });

  it('refuses unencrypted payloads: nothing of their content goes on, the converter cannot read what does, and it is reported', async () => {
    const refused: unknown[] = [];
    const codec = new EncryptionCodec(key, [], { onUnencryptedRefused: (context) => refused.push(context) });
    // Plaintext is what a Temporal client without the key sends: never handed to a workflow or activity.
    const context = { type: 'workflow', namespace: 'reddyfit', workflowId: 'daily-scan-scan_12345678' } as const;
    const [out] = await codec.decode([payload], context);
    expect(text(out!.metadata!.encoding)).toBe(REFUSED_UNENCRYPTED_ENCODING);
    expect(out!.data).toHaveLength(0);
    expect(() => defaultPayloadConverter.fromPayload(out!)).toThrow(/encoding/i);
    expect(refused).toEqual([context]);
  });

  it('passes unencrypted payloads through only when told to (replay and archive tooling)', async () => {
    const reader = new EncryptionCodec(key, [], { readUnencrypted: true });
    const [encrypted] = await reader.encode([payload]);
    const decoded = await reader.decode([payload, encrypted!]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([
      { weightKg: 82.5, bodyFatPercent: 21.3 },
      { weightKg: 82.5, bodyFatPercent: 21.3 },
    ]);
  });

  it('after rotation, decrypts with the previous key and encrypts with the new one', async () => {
    const [old] = await new EncryptionCodec(key).encode([payload]);
    const next = randomBytes(32);
    const rotated = new EncryptionCodec(next, [key]);
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([old!]))[0]!)).toEqual({ weightKg: 82.5, bodyFatPercent: 21.3 });
    const [fresh] = await rotated.encode([payload]);
    expect(text(fresh!.metadata!['encryption-key-id'])).toBe(payloadKeyId(next));
  });
});
