import { createHash } from 'node:crypto';

/** First 16 hex characters of SHA-256(key): names a payload key without revealing it. */
export const payloadKeyId = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 16);
