import * as z from 'zod';
import { CollateralError } from './collateral-error.ts';
import type { PriceRecord } from './collateral-types.ts';

/** Most rows a price CSV or HTTP body may carry. */
export const priceRecordsMax = 10_000;

const minorDigits = z.string().regex(/^[0-9]{1,30}$/, 'a non-negative integer of minor units, as digits');

/**
 * A price record as it arrives from a manual entry, a CSV row or an HTTP body: amounts as decimal
 * strings (JSON has no bigint), then turned into a PriceRecord.
 */
export const PriceRecordInputSchema = z
  .object({
    /** Commodity code. */
    commodity: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/),
    /** Price of one unit, minor units, as digits. */
    priceMinorPerUnit: minorDigits,
    /** Grams in one unit, as digits, at least 1. */
    unitGrams: minorDigits.refine((digits) => BigInt(digits) > 0n, 'at least one gram'),
    /** ISO 4217 code. */
    currency: z.string().regex(/^[A-Z]{3}$/),
    /** Observation time, UTC ms. */
    asOfMs: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    /** Where it came from. */
    source: z.string().min(1).max(200),
  })
  .strict();

/** Where the records come from and their text or objects. */
export type ParsePriceRecordsParameters =
  | {
      /** CSV text with the header `commodity,priceMinorPerUnit,unitGrams,currency,asOfMs,source`. */
      csv: string;
    }
  | {
      /** Already-decoded JSON objects (an HTTP body or a manual entry form). */
      objects: readonly unknown[];
    };

/** The records, in input order. */
export type ParsePriceRecordsResult = PriceRecord[];

const csvHeader = ['commodity', 'priceMinorPerUnit', 'unitGrams', 'currency', 'asOfMs', 'source'] as const;

/**
 * Validate price records from any of the three sources (the fetching is the cloud's). All or
 * nothing: throws CollateralError `price_record_invalid` naming the first bad row (1-based, the
 * CSV header being row 1) and field. The CSV is plain: comma-separated, no quoting.
 */
export function parsePriceRecords(parameters: ParsePriceRecordsParameters): ParsePriceRecordsResult {
  let objects: readonly unknown[];
  let firstRow = 1;
  if ('csv' in parameters) {
    const lines = parameters.csv.split(/\r?\n/).filter((line) => line.trim() !== '');
    if (lines[0]?.trim() !== csvHeader.join(',')) {
      throw new CollateralError('price_record_invalid', `the CSV header must be ${csvHeader.join(',')}`, { row: 1 });
    }
    objects = lines.slice(1).map((line) => {
      const cells = line.split(',').map((cell) => cell.trim());
      const record: Record<string, unknown> = {};
      csvHeader.forEach((name, index) => {
        record[name] = name === 'asOfMs' ? Number(cells[index]) : cells[index];
      });
      if (cells.length !== csvHeader.length) record.extra = cells.length;
      return record;
    });
    firstRow = 2;
  } else {
    objects = parameters.objects;
  }
  if (objects.length > priceRecordsMax) {
    throw new CollateralError('price_record_invalid', `at most ${priceRecordsMax} price records at once`, {
      rows: objects.length,
    });
  }
  return objects.map((object, index) => {
    const parsed = PriceRecordInputSchema.safeParse(object);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || 'row';
      throw new CollateralError('price_record_invalid', `price row ${index + firstRow}: ${field}: ${issue?.message}`, {
        row: index + firstRow,
        field,
      });
    }
    const input = parsed.data;
    return {
      commodity: input.commodity,
      priceMinorPerUnit: BigInt(input.priceMinorPerUnit),
      unitGrams: BigInt(input.unitGrams),
      currency: input.currency,
      asOfMs: input.asOfMs,
      source: input.source,
    };
  });
}
