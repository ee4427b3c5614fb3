import { z } from 'zod';

/** Largest `limit` a list route takes. */
export const pageLimitMax = 1_000;
/** `limit` when the caller names none. */
export const pageLimitDefault = 100;
/** Longest cursor a caller may send back. */
export const cursorLengthMax = 1_024;

/**
 * An opaque cursor: the sort key of the last item of a page, as base64url JSON. Clients pass it
 * back unchanged; its inside may change between versions.
 */
export function encodePageCursor(position: (string | number)[]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** The position a cursor names when it is `shape` (strings and numbers in order), else undefined. */
export function decodePageCursor(cursor: string, shape: ('string' | 'number')[]): (string | number)[] | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === shape.length &&
      value.every((item, index) => (shape[index] === 'number' ? Number.isSafeInteger(item) : typeof item === 'string'))
    ) {
      return value as (string | number)[];
    }
  } catch {}
  return undefined;
}

/** The `limit` and `cursor` query fields of a list route; spread into its `.strict()` query object. */
export function pageQueryFields(shape: ('string' | 'number')[]) {
  return {
    /** How many items, 1..pageLimitMax. */
    limit: z.coerce.number().int().min(1).max(pageLimitMax).default(pageLimitDefault),
    /** The `nextCursor` of the previous page. */
    cursor: z
      .string()
      .max(cursorLengthMax)
      .refine((cursor) => decodePageCursor(cursor, shape) !== undefined, 'not a cursor of this API')
      .optional(),
  };
}

/** The answer shape of a list route: the items, and `nextCursor` unless this is the last page. */
export function pageSchema<Item extends z.ZodType>(item: Item) {
  return z.object({ items: z.array(item), nextCursor: z.string().optional() });
}

/**
 * Cut a page out of `rows` fetched with `limit + 1`: the extra row only says that more follow.
 * `position` gives the cursor of a row.
 */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  position: (row: Row) => (string | number)[],
  view: (row: Row) => Item,
): { items: Item[]; nextCursor?: string } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(view),
    ...(rows.length > limit && last !== undefined ? { nextCursor: encodePageCursor(position(last)) } : {}),
  };
}
