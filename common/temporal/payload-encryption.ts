import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
import { temporalProtoSdk } from '../clients/sdk-modules';
import { payloadKeyId } from './key-id';

// Workflow payloads carry measurements and results (health data), so they leave the process only
// encrypted: AES-256-GCM over the whole serialized Payload (metadata included), the Temporal samples'
// scheme. The key id is derived from the key, so rotating means adding the new key and keeping the old
// ones for decoding. An unencrypted payload is refused: anyone who can write to the namespace could
// otherwise hand a workflow plaintext (a forged update, a signal) without the key. Only the tools that
// read what Temporal already holds (replay of recorded and archived histories, the codec endpoints that
// show them) accept payloads written before encryption existed, by saying so (`readUnencrypted`).

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const utf8 = new TextEncoder();
const text = new TextDecoder();

export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';
  readonly code = 'payload_decryption_failed';
}

/**
 * What a plaintext payload becomes in a process that accepts only ciphertext (every worker and client):
 * nothing of its content, and an encoding no payload converter reads, so the SDK turns it into a refusal
 * where it is used (an update is rejected before it is accepted; the workflow task does not fail, which
 * would hold up the scan's real messages).
 */
export const REFUSED_UNENCRYPTED_ENCODING = 'binary/unencrypted-refused';

export interface PayloadCodecOptions {
  /** Pass unencrypted payloads through: only for replay and archive tooling, and the read-only codec endpoints. */
  readUnencrypted?: boolean;
  /** Told of each refused plaintext payload, with the SDK's context (which workflow it was meant for), to audit it. */
  onUnencryptedRefused?: (context: SerializationContext | undefined) => void;
}

export { payloadKeyId };

export function parsePayloadKey(base64: string): Buffer {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) throw new Error('a payload encryption key is 32 bytes, base64-encoded');
  return key;
}

export class EncryptionCodec implements PayloadCodec {
  private readonly keys = new Map<string, Buffer>();
  private readonly currentId: string;
  private readonly opts: PayloadCodecOptions;

  /** `current` encrypts; it and `previous` decrypt. */
  constructor(current: Buffer, previous: Buffer[] = [], opts: PayloadCodecOptions = {}) {
    this.currentId = payloadKeyId(current);
    this.opts = opts;
    for (const k of [current, ...previous]) this.keys.set(payloadKeyId(k), k);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.get(this.currentId)!;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const plain = temporalProtoSdk().temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: utf8.encode(ENCRYPTED_ENCODING), 'encryption-key-id': utf8.encode(this.currentId) },
        data,
      };
    });
  }

  async decode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding;
      if (!encoding || text.decode(encoding) !== ENCRYPTED_ENCODING) {
        if (this.opts.readUnencrypted) return payload;
        this.opts.onUnencryptedRefused?.(context);
        return { metadata: { encoding: utf8.encode(REFUSED_UNENCRYPTED_ENCODING) }, data: new Uint8Array() };
      }
      const keyIdBytes = payload.metadata?.['encryption-key-id'];
      const keyId = keyIdBytes ? text.decode(keyIdBytes) : '';
      const key = this.keys.get(keyId);
      if (!key) throw new PayloadDecryptionError(`no payload key with id ${keyId || '(none)'}`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError('encrypted payload too short');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
        return temporalProtoSdk().temporal.api.common.v1.Payload.decode(plain);
      } catch {
        throw new PayloadDecryptionError(`payload does not decrypt with key ${keyId}`);
      }
    });
  }
}

/** The failure converter module (message and stack trace encoded), also bundled into the workflow sandbox. */
export const FAILURE_CONVERTER_PATH = ['.ts', '.js'].map((ext) => path.join(__dirname, `failure-converter${ext}`)).find(existsSync)!;

/**
 * The data converter every client, worker and replayer of this project uses. It refuses unencrypted
 * payloads unless `readUnencrypted` (replay and archive tooling only).
 */
export function payloadDataConverter(
  config: { PAYLOAD_ENCRYPTION_KEY: string; PAYLOAD_DECRYPTION_KEYS?: string | undefined },
  opts: PayloadCodecOptions = {},
) {
  const previous = (config.PAYLOAD_DECRYPTION_KEYS ?? '').split(',').filter(Boolean).map(parsePayloadKey);
  return {
    payloadCodecs: [new EncryptionCodec(parsePayloadKey(config.PAYLOAD_ENCRYPTION_KEY), previous, opts)],
    failureConverterPath: FAILURE_CONVERTER_PATH,
  };
}
