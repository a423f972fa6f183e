/**
 * JSON with the keys of every object sorted (arrays keep their order). Temporal's server writes protobuf
 * maps (payload metadata, search attributes, headers) in no fixed order, so the same stored history can
 * serialise to different bytes from one fetch to the next; the archive stores and checksums this
 * canonical form so an unchanged history always has the same checksum.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}
