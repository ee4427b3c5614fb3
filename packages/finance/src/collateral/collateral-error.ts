import { CodedError } from '@fieldproof/protocol';

/** Stable codes of collateral refusals. A code never changes meaning once released. */
export type CollateralErrorCode =
  /** The same goods are already pledged: same site and goods identity, a shared monitoring device or a shared receipt number. */
  | 'collateral_already_pledged'
  /** No pledged lot with that id. */
  | 'collateral_lot_unknown'
  /** The lot is released or closed and takes no more movements or release orders. */
  | 'collateral_lot_inactive'
  /** A parameter is out of range (negative quantity, haircut over 10,000 bp, lines out of order, an empty id list). */
  | 'collateral_input_invalid'
  /** No price of the commodity in that currency at or before the valuation time. */
  | 'collateral_price_missing'
  /** The newest price is older than the allowed age; a pledge is not valued on it. */
  | 'collateral_price_stale'
  /** The loan, the price or the lot are in different currencies. */
  | 'collateral_currency_mismatch'
  /** A price record (CSV row, HTTP body, manual entry) does not match the price record schema. */
  | 'price_record_invalid'
  /** No release order with that id. */
  | 'release_order_unknown'
  /** The release order would authorise more than the lot holds beyond what other open orders already authorise. */
  | 'release_order_exceeds_lot'
  /** At pledge time the loan exceeds the pledge ratio of the lot's lending value. */
  | 'collateral_value_insufficient';

/** HTTP status of each code. */
export const collateralErrorStatus: Readonly<Record<CollateralErrorCode, number>> = {
  collateral_already_pledged: 409,
  collateral_lot_unknown: 404,
  collateral_lot_inactive: 409,
  collateral_input_invalid: 400,
  collateral_price_missing: 422,
  collateral_price_stale: 422,
  collateral_currency_mismatch: 422,
  price_record_invalid: 400,
  release_order_unknown: 404,
  release_order_exceeds_lot: 422,
  collateral_value_insufficient: 422,
};

/** A collateral operation was refused (an operating error). */
export class CollateralError extends CodedError<CollateralErrorCode> {
  override name = 'CollateralError';
  /** HTTP status that this error maps to. */
  get status(): number {
    return collateralErrorStatus[this.code];
  }
}
