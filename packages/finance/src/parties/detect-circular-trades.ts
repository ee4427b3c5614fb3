import { type Finding, makeFinding, sortFindings } from '../flows/finding.ts';
import type { Invoice, Payment, Shipment } from '../flows/records.ts';
import { compareId } from './build-party-graph.ts';
import { PartyError } from './party-error.ts';

/**
 * One movement between two organisations: goods billed (invoice: seller → buyer), goods carried
 * (shipment: shipper → consignee) or money paid (payment: payer → payee).
 */
export interface TradeLink {
  /** The document behind it (invoice, shipment or payment id). */
  documentId: string;
  /** What kind of movement; a cycle is made of one kind only. */
  kind: 'invoice' | 'shipment' | 'payment';
  /** Where it goes from. */
  fromOrganisationId: string;
  /** Where it goes to. */
  toOrganisationId: string;
  /** Amount, minor units (undefined for shipments, which carry no price). */
  amountMinor: bigint | undefined;
  /** Currency of the amount. */
  currency: string | undefined;
  /** When, UTC ms. */
  atMs: number;
}

/** Turn flow records into trade links (invoices seller → buyer, shipments shipper → consignee, payments payer → payee). */
export function tradeLinksFromFlows(flows: {
  invoices?: readonly Invoice[];
  shipments?: readonly Shipment[];
  payments?: readonly Payment[];
}): TradeLink[] {
  return [
    ...(flows.invoices ?? []).map(
      (invoice): TradeLink => ({
        documentId: invoice.invoiceId,
        kind: 'invoice',
        fromOrganisationId: invoice.sellerOrganisationId,
        toOrganisationId: invoice.buyerOrganisationId,
        amountMinor: invoice.totalAmountMinor,
        currency: invoice.currency,
        atMs: invoice.issuedAtMs,
      }),
    ),
    ...(flows.shipments ?? []).map(
      (shipment): TradeLink => ({
        documentId: shipment.shipmentId,
        kind: 'shipment',
        fromOrganisationId: shipment.shipperOrganisationId,
        toOrganisationId: shipment.consigneeOrganisationId,
        amountMinor: undefined,
        currency: undefined,
        atMs: shipment.windowStartMs,
      }),
    ),
    ...(flows.payments ?? []).map(
      (payment): TradeLink => ({
        documentId: payment.paymentId,
        kind: 'payment',
        fromOrganisationId: payment.payerOrganisationId,
        toOrganisationId: payment.payeeOrganisationId,
        amountMinor: payment.amountMinor,
        currency: payment.currency,
        atMs: payment.paidAtMs,
      }),
    ),
  ];
}

/** Parameters of {@link detectCircularTrades}. */
export interface DetectCircularTradesParameters {
  /** The movements to search. */
  tradeLinks: readonly TradeLink[];
  /** All links of a cycle lie within this span, first to last, ms (e.g. 30 days). */
  windowMs: number;
  /** Longest cycle searched, in links (2 to 10; default 6). */
  lengthMax?: number;
  /** Amounts are near-equal when (largest − smallest) × 10000 ≤ largest × this (default 500 = 5%). */
  nearEqualToleranceBasisPoints?: number;
  /** Most cycles reported (default 10,000); the result says when it stopped there. */
  cyclesMax?: number;
  /** Most search steps taken (default 1,000,000); the result says when it stopped there. */
  stepsMax?: number;
}

/** One closed trade cycle. */
export interface CircularTrade {
  /** Kind of all its links. */
  kind: TradeLink['kind'];
  /** Organisations in cycle order, starting with the sender of the earliest link; the first is not repeated at the end. */
  organisationIds: string[];
  /** The links in cycle order. */
  documentIds: string[];
  /** Amount of each link in cycle order, decimal strings of minor units ('' for a link without an amount). */
  amountsMinor: string[];
  /** Time from the earliest to the latest link, ms. */
  spanMs: number;
  /** Whether the links also follow each other in time round the cycle (goods or money really went round). */
  timeOrdered: boolean;
  /** Whether every link has an amount in one currency and they are within the tolerance of each other: a round trip. */
  nearEqualAmounts: boolean;
  /** The `trade.circular` finding for it. */
  finding: Finding;
}

/** Result of {@link detectCircularTrades}. */
export interface DetectCircularTradesResult {
  /** The cycles, sorted by finding id. */
  circularTrades: CircularTrade[];
  /** The findings, sorted by id (one per cycle). */
  findings: Finding[];
  /** Whether a limit stopped the search early (the list is then incomplete). */
  truncated: boolean;
}

const linkKey = (link: TradeLink) => `${String(link.atMs).padStart(16, '0')}\u0000${link.documentId}`;

/**
 * Circular-trade detection: directed cycles of one kind of movement (A → B → C → A) through
 * distinct organisations whose links all fall within `windowMs` of the earliest one. Each cycle is
 * found once, from its earliest link (ties by document id), so rotations are not repeated; parallel
 * links between the same two organisations make separate cycles. A cycle whose amounts are
 * near-equal is flagged high: the same value went round and came back, the pattern of 空转 trade.
 * The result does not depend on input order.
 */
export function detectCircularTrades(
  _deps: Record<string, never>,
  parameters: DetectCircularTradesParameters,
): DetectCircularTradesResult {
  const lengthMax = parameters.lengthMax ?? 6;
  const tolerance = parameters.nearEqualToleranceBasisPoints ?? 500;
  const cyclesMax = parameters.cyclesMax ?? 10_000;
  const stepsMax = parameters.stepsMax ?? 1_000_000;
  if (!Number.isInteger(parameters.windowMs) || parameters.windowMs < 0) {
    throw new PartyError('party_parameter_invalid', 'windowMs must be a non-negative whole number of ms');
  }
  if (!Number.isInteger(lengthMax) || lengthMax < 2 || lengthMax > 10) {
    throw new PartyError('party_parameter_invalid', 'lengthMax must be a whole number from 2 to 10');
  }
  if (!Number.isInteger(tolerance) || tolerance < 0 || tolerance > 10_000) {
    throw new PartyError('party_parameter_invalid', 'nearEqualToleranceBasisPoints must be whole basis points 0–10000');
  }
  const ids = new Set<string>();
  for (const link of parameters.tradeLinks) {
    const id = `${link.kind}:${link.documentId}`;
    if (ids.has(id))
      throw new PartyError('party_duplicate_id', `two ${link.kind} links share the id ${link.documentId}`);
    ids.add(id);
  }

  const sorted = [...parameters.tradeLinks].sort(
    (a, b) => compareId(a.kind, b.kind) || compareId(linkKey(a), linkKey(b)),
  );
  const outgoing = new Map<string, TradeLink[]>();
  for (const link of sorted) {
    if (link.fromOrganisationId === link.toOrganisationId) continue;
    const key = `${link.kind}\u0000${link.fromOrganisationId}`;
    const list = outgoing.get(key) ?? [];
    list.push(link);
    outgoing.set(key, list);
  }
  const circularTrades: CircularTrade[] = [];
  let steps = 0;
  let truncated = false;
  for (const start of sorted) {
    if (truncated) break;
    if (start.fromOrganisationId === start.toOrganisationId) continue;
    const startKey = linkKey(start);
    const latestMs = start.atMs + parameters.windowMs;
    const path: TradeLink[] = [start];
    const visited = new Set([start.fromOrganisationId, start.toOrganisationId]);
    const extend = (organisationId: string) => {
      for (const link of outgoing.get(`${start.kind}\u0000${organisationId}`) ?? []) {
        if (truncated) return;
        steps += 1;
        if (steps > stepsMax) {
          truncated = true;
          return;
        }
        if (link.atMs > latestMs) break; // the list is in time order
        if (compareId(linkKey(link), startKey) <= 0) continue;
        if (link.toOrganisationId === start.fromOrganisationId) {
          if (circularTrades.length >= cyclesMax) {
            truncated = true;
            return;
          }
          circularTrades.push(describeCycle([...path, link], tolerance));
          continue;
        }
        if (visited.has(link.toOrganisationId) || path.length + 1 >= lengthMax) continue;
        visited.add(link.toOrganisationId);
        path.push(link);
        extend(link.toOrganisationId);
        path.pop();
        visited.delete(link.toOrganisationId);
      }
    };
    extend(start.toOrganisationId);
  }
  circularTrades.sort((a, b) => compareId(a.finding.findingId, b.finding.findingId));
  return {
    circularTrades,
    findings: sortFindings(circularTrades.map((trade) => trade.finding)),
    truncated,
  };
}

function describeCycle(links: TradeLink[], toleranceBasisPoints: number): CircularTrade {
  const first = links[0] as TradeLink;
  const times = links.map((link) => link.atMs);
  const spanMs = Math.max(...times) - Math.min(...times);
  const timeOrdered = times.every((time, index) => index === 0 || time >= (times[index - 1] as number));
  const amounts = links.map((link) => link.amountMinor);
  const sameCurrency = links.every((link) => link.currency !== undefined && link.currency === first.currency);
  let nearEqualAmounts = false;
  if (sameCurrency && amounts.every((amount) => amount !== undefined)) {
    const values = amounts as bigint[];
    const largest = values.reduce((a, b) => (b > a ? b : a));
    const smallest = values.reduce((a, b) => (b < a ? b : a));
    nearEqualAmounts = largest > 0n && (largest - smallest) * 10_000n <= largest * BigInt(toleranceBasisPoints);
  }
  const organisationIds = links.map((link) => link.fromOrganisationId);
  const amountsMinor = amounts.map((amount) => (amount === undefined ? '' : String(amount)));
  const route = [...organisationIds, first.fromOrganisationId].join(' → ');
  const finding = makeFinding({
    type: 'trade.circular',
    severity: nearEqualAmounts ? 'high' : 'medium',
    subjectIds: organisationIds,
    message: `Circular ${first.kind} trade ${route} closed within ${Math.round(spanMs / 3_600_000)} h${
      nearEqualAmounts
        ? ` with near-equal amounts (${amountsMinor.join(', ')} ${first.currency}): the same value went round`
        : ''
    }.`,
    evidence: links.map((link) => ({ kind: 'document' as const, id: link.documentId })),
    details: {
      kind: first.kind,
      route,
      amountsMinor: amountsMinor.join(','),
      spanMs,
      timeOrdered,
      nearEqualAmounts,
    },
  });
  return {
    kind: first.kind,
    organisationIds,
    documentIds: links.map((link) => link.documentId),
    amountsMinor,
    spanMs,
    timeOrdered,
    nearEqualAmounts,
    finding,
  };
}
