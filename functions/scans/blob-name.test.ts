import { describe, expect, it } from 'vitest';
import { parseUploadBlobName } from './blob-name';

describe('parseUploadBlobName', () => {
  it('parses {userId}/{scanId}/{angle}', () => {
    expect(parseUploadBlobName('member_abc/scan_0123456789/front')).toEqual({
      userId: 'member_abc',
      scanId: 'scan_0123456789',
      angle: 'front',
    });
    expect(parseUploadBlobName('u/scan_0123456789/right')?.angle).toBe('right');
  });
  it.each([
    '',
    'foo',
    'a/b',
    'u/scan_0123456789/front/x',
    'u/scan_0123456789/front.jpg',
    'u/scan_0123456789/FRONT',
    'u/scan_0123456789/top',
    '../scan_0123456789/front',
    'u/../front',
    'u/scan_01234567%2F/front',
    'u/scan_0123\u200b456789/front',
    'ｕ/scan_0123456789/front',
    'u/short/front',
    `u/${'s'.repeat(65)}/front`,
    '/u/scan_0123456789/front',
    'u//scan_0123456789/front',
    `${'u'.repeat(129)}/scan_0123456789/front`,
  ])('rejects %j', (name) => {
    expect(parseUploadBlobName(name)).toBeUndefined();
  });
});
