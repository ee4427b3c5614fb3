import { type Evidence, issueReleaseOrder, type ReleaseOrder } from '@fieldproof/finance';
import type { FinanceServices } from './finance-services.ts';

/** A release order as the API takes it. */
export interface OrderReleaseParameters {
  /** Caller-supplied id. */
  releaseOrderId: string;
  /** The lot goods leave. */
  lotId: string;
  /** Grams authorised. */
  authorisedGrams: bigint;
  /** Valid from, UTC ms. */
  validFromMs: number;
  /** Valid until, UTC ms. */
  validUntilMs: number;
  /** The officer. */
  actorId: string;
  /** What it rests on. */
  inputs: readonly Evidence[];
}

/** The order and its decision's log index. */
export interface OrderReleaseResult {
  /** The order as stored. */
  order: ReleaseOrder;
  /** Its leaf index in the log. */
  logIndex: number;
}

/** Issue a release order on a pledged lot (issueReleaseOrder) and log its `release.ordered` decision. */
export async function orderRelease(
  services: FinanceServices,
  parameters: OrderReleaseParameters,
): Promise<OrderReleaseResult> {
  const result = await issueReleaseOrder(
    { store: services.collateral },
    { ...parameters, decisionId: `release-${parameters.releaseOrderId}`, atMs: services.clock() },
  );
  const appended = await services.decisionLog.append(result.decision);
  return { order: result.order, logIndex: appended.logIndex };
}
