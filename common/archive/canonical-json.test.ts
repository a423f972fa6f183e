import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    const a = { events: [{ b: 1, a: { y: 'Y', x: 'X' } }, { a: 2 }], m: { encoding: 'e', type: 't' } };
    const b = { m: { type: 't', encoding: 'e' }, events: [{ a: { x: 'X', y: 'Y' }, b: 1 }, { a: 2 }] };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"events":[{"a":{"x":"X","y":"Y"},"b":1},{"a":2}],"m":{"encoding":"e","type":"t"}}');
    expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]');
  });
});
