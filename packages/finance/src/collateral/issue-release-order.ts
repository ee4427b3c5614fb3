import { assert, type Decision } from '@fieldproof/protocol';
import { CollateralError } from './collateral-error.ts';
import type { CollateralStore, ReleaseOrder } from './collateral-types.ts';
import type { Evidence } from './decision-evidence.ts';

/** Where the order is stored. */
export interface IssueReleaseOrderDependencies {
  /** The lot registry. */
  store: CollateralStore;
}

/** An authorisation for goods to leave a lot. */
export interface IssueReleaseOrderParameters {
  /** Caller-supplied id of the order. */
  releaseOrderId: string;
  /** The lot. */
  lotId: string;
  /** Grams that may leave, positive. */
  authorisedGrams: bigint;
  /** From when, UTC ms. */
  validFromMs: number;
  /** Until when, UTC ms, ≥ validFromMs. */
  validUntilMs: number;
  /** Caller-supplied id of the `release.ordered` decision. */
  decisionId: string;
  /** The bank officer who orders it. */
  actorId: string;
  /** When it is ordered, UTC ms. */
  atMs: number;
  /** What it rests on (a repayment decision, a sales contract by hash). */
  inputs: readonly Evidence[];
}

/** The stored order and the decision to append. */
export interface IssueReleaseOrderResult {
  /** The order as stored. */
  order: ReleaseOrder;
  /** The `release.ordered` decision. */
  decision: Decision;
}

/**
 * Authorise goods to leave a pledged lot. The grams authorised by this order and every other
 * open order of the lot, less what they already released, may not exceed the lot's quantity
 * (whether the loan-to-value allows the release is the loan officer's check, made before).
 * Throws CollateralError `collateral_lot_unknown`, `collateral_lot_inactive`,
 * `collateral_input_invalid`, `release_order_exceeds_lot`.
 */
export async function issueReleaseOrder(
  dependencies: IssueReleaseOrderDependencies,
  parameters: IssueReleaseOrderParameters,
): Promise<IssueReleaseOrderResult> {
  const { store } = dependencies;
  const { lotId, authorisedGrams } = parameters;
  if (authorisedGrams <= 0n || parameters.validUntilMs < parameters.validFromMs) {
    throw new CollateralError('collateral_input_invalid', 'a release order needs positive grams and a valid window', {
      releaseOrderId: parameters.releaseOrderId,
    });
  }
  const lot = await store.getLot(lotId);
  if (!lot) throw new CollateralError('collateral_lot_unknown', `no pledged lot ${lotId}`, { lotId });
  if (lot.status !== 'pledged') {
    throw new CollateralError('collateral_lot_inactive', `lot ${lotId} is ${lot.status}`, { lotId });
  }
  const orders = await store.findReleaseOrders(lotId);
  if (orders.some((order) => order.releaseOrderId === parameters.releaseOrderId)) {
    throw new CollateralError('collateral_input_invalid', `release order ${parameters.releaseOrderId} exists`, {
      releaseOrderId: parameters.releaseOrderId,
    });
  }
  let outstanding = 0n;
  for (const order of orders) {
    if (order.status === 'open') outstanding += order.authorisedGrams - order.releasedGrams;
  }
  if (outstanding + authorisedGrams > lot.quantityGrams) {
    throw new CollateralError(
      'release_order_exceeds_lot',
      `lot ${lotId} holds ${lot.quantityGrams} g and ${outstanding} g are already authorised; ${authorisedGrams} g more is too much`,
      {
        lotId,
        quantityGrams: lot.quantityGrams.toString(),
        outstandingGrams: outstanding.toString(),
        authorisedGrams: authorisedGrams.toString(),
      },
    );
  }
  const order: ReleaseOrder = {
    releaseOrderId: parameters.releaseOrderId,
    lotId,
    authorisedGrams,
    releasedGrams: 0n,
    validFromMs: parameters.validFromMs,
    validUntilMs: parameters.validUntilMs,
    status: 'open',
    decisionId: parameters.decisionId,
  };
  await store.putReleaseOrder(order);
  assert(order.authorisedGrams > 0n, 'a release order authorises a positive weight');
  const decision: Decision = {
    decisionId: parameters.decisionId,
    type: 'release.ordered',
    organisationId: lot.pledgeeId,
    actorId: parameters.actorId,
    decidedAtMs: parameters.atMs,
    subjectId: parameters.releaseOrderId,
    inputs: [{ kind: 'decision', id: lot.pledgeDecisionId }, ...parameters.inputs],
    details: {
      lotId,
      authorisedGrams: authorisedGrams.toString(),
      validFromMs: parameters.validFromMs,
      validUntilMs: parameters.validUntilMs,
    },
  };
  return { order, decision };
}
