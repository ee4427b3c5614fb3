import {
  buildPartyGraph,
  detectCircularTrades,
  type Finding,
  findDuplicateInvoices,
  findRelatedParties,
  reconcileThreeWayMatch,
  tradeLinksFromFlows,
} from '@fieldproof/finance';
import type { FinanceServices } from './finance-services.ts';

/** Which findings, about whom. */
export interface FindFinanceFindingsParameters {
  /** Only records naming this organisation (and, for related parties, its relations). */
  organisationId?: string;
  /** Records from this time on, UTC ms (the circular-trade window back from now by default). */
  fromMs?: number;
}

/** The findings of reconciliation and of the party graph. */
export interface FindFinanceFindingsResult {
  /** Three-way match (PO, receipt, invoice) and duplicate-invoice findings. */
  reconciliation: Finding[];
  /** Circular-trade findings over invoices, shipments and payments. */
  circularTrades: Finding[];
  /** Parties related to the organisation asked about (shared owners, directors, addresses), up to 3 hops. */
  relatedParties: { partyId: string; depth: number }[];
}

/**
 * Reconcile the four flows (three-way match with 2% quantity and 1% price tolerance, duplicate
 * invoices) and read the party graph (circular trades; the organisation's related parties).
 */
export async function findFinanceFindings(
  services: FinanceServices,
  parameters: FindFinanceFindingsParameters,
): Promise<FindFinanceFindingsResult> {
  const query = {
    fromMs: parameters.fromMs ?? services.clock() - services.settings.circularTradeWindowMs,
    ...(parameters.organisationId === undefined ? {} : { organisationId: parameters.organisationId }),
  };
  const invoices = await services.flows.list('invoice', query);
  const matched = reconcileThreeWayMatch(
    {},
    {
      purchaseOrders: await services.flows.list('purchase_order', query),
      warehouseReceipts: await services.flows.list('warehouse_receipt', query),
      invoices,
      quantityToleranceBasisPoints: 200,
      priceToleranceBasisPoints: 100,
    },
  );
  const duplicates = findDuplicateInvoices({}, { invoices });
  // A ring passes through others' trades: search all of the window, keep the rings through the organisation.
  const window = { fromMs: query.fromMs };
  const links = tradeLinksFromFlows({
    invoices: await services.flows.list('invoice', window),
    shipments: await services.flows.list('shipment', window),
    payments: await services.flows.list('payment', window),
  });
  const cycles = detectCircularTrades({}, { tradeLinks: links, windowMs: services.settings.circularTradeWindowMs });
  const circularTrades = cycles.circularTrades
    .filter(
      (cycle) => parameters.organisationId === undefined || cycle.organisationIds.includes(parameters.organisationId),
    )
    .map((cycle) => cycle.finding);
  let relatedParties: FindFinanceFindingsResult['relatedParties'] = [];
  if (parameters.organisationId !== undefined) {
    const graph = buildPartyGraph(
      {},
      { parties: await services.parties.listParties(), relationships: await services.parties.listRelationships() },
    );
    const related = findRelatedParties({ graph }, { partyId: parameters.organisationId, depthMax: 3 });
    relatedParties = related.relatedParties.map((party) => ({ partyId: party.partyId, depth: party.depth }));
  }
  return {
    reconciliation: [...matched.findings, ...duplicates.findings],
    circularTrades,
    relatedParties,
  };
}
