import { RestError } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { isBlobStatus } from './blob-errors';
import { blobSdk } from './sdk-modules';

describe('isBlobStatus', () => {
  it('recognises the SDK error from its ESM build (imported here) and its CommonJS build (loaded lazily)', () => {
    const Esm = RestError;
    const Cjs = blobSdk().RestError;
    // Why instanceof cannot be used: the two builds have two classes.
    expect(new Cjs('x', { statusCode: 409 }) instanceof Esm).toBe(false);
    for (const E of [Esm, Cjs]) {
      expect(isBlobStatus(new E('exists', { statusCode: 409 }), 409, 412)).toBe(true);
      expect(isBlobStatus(new E('missing', { statusCode: 404 }), 409, 412)).toBe(false);
    }
    expect(isBlobStatus(Object.assign(new Error('not the SDK'), { statusCode: 409 }), 409)).toBe(false);
    expect(isBlobStatus(undefined, 409)).toBe(false);
  });
});
