import type { ReleaseOrder } from './collateral-types.ts';

/** An out-movement to set against a lot's release orders. */
export interface MatchReleaseOrdersParameters {
  /** The lot's release orders (any status; only open ones valid at `atMs` are used). */
  orders: readonly ReleaseOrder[];
  /** Grams that left. */
  weightGrams: bigint;
  /** When they left, UTC ms. */
  atMs: number;
  /** Weighing tolerance: an excess up to this many grams is not unauthorised (scales are not exact). */
  toleranceGrams: bigint;
}

/** How much of one order a movement used. */
export interface ReleaseOrderUse {
  /** The order. */
  releaseOrderId: string;
  /** Grams set against it. */
  grams: bigint;
}

/** The orders drawn on and what no order covers. */
export interface MatchReleaseOrdersResult {
  /** Orders drawn on, in the order they were used. */
  uses: ReleaseOrderUse[];
  /** The orders after the movement (only those drawn on), with `releasedGrams` and `status` updated. */
  updatedOrders: ReleaseOrder[];
  /** Grams beyond what the orders cover plus the tolerance (0 when the movement is authorised). */
  unauthorisedGrams: bigint;
}

/**
 * Set an out-movement against release orders: open orders valid at its time, earliest expiry
 * first (then by id, so the result is deterministic), each drawn down to zero before the next.
 * An excess within `toleranceGrams` is absorbed; anything more is unauthorised.
 */
export function matchReleaseOrders(parameters: MatchReleaseOrdersParameters): MatchReleaseOrdersResult {
  const { atMs } = parameters;
  const usable = parameters.orders
    .filter((order) => order.status === 'open' && order.validFromMs <= atMs && atMs <= order.validUntilMs)
    .sort((a, b) => a.validUntilMs - b.validUntilMs || (a.releaseOrderId < b.releaseOrderId ? -1 : 1));
  let left = parameters.weightGrams;
  const uses: ReleaseOrderUse[] = [];
  const updatedOrders: ReleaseOrder[] = [];
  for (const order of usable) {
    if (left <= 0n) break;
    const remaining = order.authorisedGrams - order.releasedGrams;
    if (remaining <= 0n) continue;
    const grams = remaining < left ? remaining : left;
    left -= grams;
    uses.push({ releaseOrderId: order.releaseOrderId, grams });
    const releasedGrams = order.releasedGrams + grams;
    updatedOrders.push({
      ...order,
      releasedGrams,
      status: releasedGrams >= order.authorisedGrams ? 'completed' : 'open',
    });
  }
  const unauthorisedGrams = left > parameters.toleranceGrams ? left : 0n;
  return { uses, updatedOrders, unauthorisedGrams };
}
