import { assert } from '@fieldproof/protocol';
import { type RawBuilder, sql } from 'kysely';

/** The tag of a bigint inside a stored document: `{"$bigint": "<decimal>"}`. */
const bigintTag = '$bigint';

/**
 * A record as document text: bigints become `{"$bigint": "<decimal>"}` (JSON has no 64-bit
 * integer, and a JS number loses precision above 2^53), undefined fields are left out.
 */
export function encodeDocument(value: unknown): string {
  return JSON.stringify(value, (_key, item) => (typeof item === 'bigint' ? { [bigintTag]: item.toString() } : item));
}

/**
 * A stored document back as a record: SQLite gives the JSON text, PostgreSQL's JSON column an object
 * already parsed; tagged bigints come back as bigints either way.
 */
export function decodeDocument<T>(stored: unknown): T {
  const parsed = typeof stored === 'string' ? JSON.parse(stored) : stored;
  return revive(parsed) as T;
}

function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  if (entries.length === 1 && entries[0]?.[0] === bigintTag) {
    const text = entries[0][1];
    assert(typeof text === 'string' && /^-?\d+$/.test(text), 'a stored bigint is decimal text');
    return BigInt(text);
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, revive(item)]));
}

/**
 * A 64-bit integer column read as decimal text (both dialects), so that values above 2^53 are
 * exact: better-sqlite3 would return a rounded number, and the PostgreSQL pool refuses an int8
 * above Number.MAX_SAFE_INTEGER.
 */
export function bigintText(column: string): RawBuilder<string> {
  return sql<string>`CAST(${sql.ref(column)} AS TEXT)`;
}

/** Decimal text from a bigint column back to a bigint. */
export function parseBigint(text: string): bigint {
  assert(/^-?\d+$/.test(text), `a 64-bit column read as decimal text (${text})`);
  return BigInt(text);
}
