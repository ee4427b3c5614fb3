import { CollateralError } from './collateral-error.ts';
import type { PriceRecord } from './collateral-types.ts';

/** Which price to use for a valuation. */
export interface SelectPriceParameters {
  /** The feed's records (any order, any commodities). */
  records: readonly PriceRecord[];
  /** Commodity to price. */
  commodity: string;
  /** Currency wanted. */
  currency: string;
  /** Valuation time, UTC ms: records observed after it are ignored. */
  atMs: number;
  /** A price older than this at `atMs` is stale, ms. */
  priceMaxAgeMs: number;
}

/** The price chosen and how old it is. */
export interface SelectPriceResult {
  /** The newest record at or before `atMs` (ties: the later one in `records`). */
  price: PriceRecord;
  /** `atMs − price.asOfMs`. */
  ageMs: number;
  /** Whether `ageMs > priceMaxAgeMs`. */
  stale: boolean;
}

/**
 * The newest price of a commodity in a currency at a time. A stale price is returned flagged,
 * not refused: the risk sweep keeps valuing on it and raises `price_stale`, while a new pledge
 * refuses it. Throws CollateralError `collateral_price_missing` when there is none.
 */
export function selectPrice(parameters: SelectPriceParameters): SelectPriceResult {
  const { commodity, currency, atMs } = parameters;
  let best: PriceRecord | undefined;
  for (const record of parameters.records) {
    if (record.commodity !== commodity || record.currency !== currency || record.asOfMs > atMs) continue;
    if (!best || record.asOfMs >= best.asOfMs) best = record;
  }
  if (!best) {
    throw new CollateralError('collateral_price_missing', `no ${currency} price of ${commodity} at or before ${atMs}`, {
      commodity,
      currency,
      atMs,
    });
  }
  const ageMs = atMs - best.asOfMs;
  return { price: best, ageMs, stale: ageMs > parameters.priceMaxAgeMs };
}
