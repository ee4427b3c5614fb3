import { utf8 } from './encoding.ts';

/**
 * RFC 8785 JSON Canonicalization Scheme: object keys sorted by UTF-16 code units, no white
 * space, numbers in ECMAScript shortest form (which JSON.stringify already produces), strings
 * escaped as JSON.stringify does. Precondition: `value` is plain JSON data (no undefined inside
 * arrays, no NaN or Infinity, no bigint, no cycles); anything else throws. Lone surrogates
 * are escaped (`\ud800`) rather than rejected; RFC 8785 §3.1 excludes them, so the schemas
 * (FrameSchema) reject them where data enters.
 */
export function canonicalize(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonical JSON cannot hold NaN or Infinity');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalize(item)).join(',')}]`;
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalize(record[key])}`).join(',')}}`;
  }
  throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
}

/** UTF-8 bytes of the RFC 8785 canonical form. */
export function canonicalBytes(value: unknown): Uint8Array {
  return utf8(canonicalize(value));
}
