import { canonicalBytes, portableCrypto, toHex } from '@fieldproof/protocol';

/** A piece of evidence behind a finding; each kind has its own proof bundle in the cloud. */
export interface FindingEvidence {
  /** What the id names: a signed device frame, a derived edge event, a business document, or a logged decision. */
  kind: 'frame' | 'event' | 'document' | 'decision';
  /** The frame id, event id, document id or decision id. */
  id: string;
}

/** How much a finding should worry a credit or risk officer. */
export type FindingSeverity = 'info' | 'low' | 'medium' | 'high';

/**
 * A mismatch or red flag found by reconciliation or by the party graph. Its id is derived from its
 * type, subjects and evidence, so running the same check on the same facts yields the same id
 * (the cloud can upsert findings and attach proof bundles by id).
 */
export interface Finding {
  /** Deterministic id: `fnd-` and 32 hex digits of SHA-256 over the canonical {type, subjectIds, evidence}. */
  findingId: string;
  /** Stable dotted code of the rule that fired, e.g. `flow.price_mismatch`, `trade.circular`. */
  type: FindingType;
  /** How much it should worry an officer. */
  severity: FindingSeverity;
  /** The documents or parties the finding is about, sorted. */
  subjectIds: string[];
  /** A sentence an officer can act on. */
  message: string;
  /** The facts it rests on, sorted by kind then id, without duplicates. */
  evidence: FindingEvidence[];
  /** Rule-specific figures (amounts and weights as decimal strings, never floats). */
  details: Record<string, string | number | boolean>;
}

/** Every finding type this package raises. */
export const FindingTypes = [
  'flow.purchase_order_missing',
  'flow.party_mismatch',
  'flow.currency_mismatch',
  'flow.line_unknown',
  'flow.over_received',
  'flow.invoiced_not_received',
  'flow.price_mismatch',
  'flow.invoice_total_mismatch',
  'flow.receipt_without_stock_in',
  'flow.receipt_weight_mismatch',
  'flow.shipment_without_trail',
  'flow.shipment_origin_not_visited',
  'flow.shipment_destination_not_reached',
  'flow.contract_missing',
  'flow.contract_out_of_term',
  'flow.contract_exceeded',
  'flow.payment_invoice_unknown',
  'flow.payment_party_mismatch',
  'flow.invoice_overpaid',
  'invoice.duplicate',
  'trade.circular',
  'trade.related_party',
] as const;
/** One of the finding types. */
export type FindingType = (typeof FindingTypes)[number];

/** Parameters of {@link makeFinding}. */
export interface MakeFindingParameters {
  /** Rule code. */
  type: FindingType;
  /** Severity. */
  severity: FindingSeverity;
  /** Subject ids (any order; stored sorted and deduplicated). */
  subjectIds: readonly string[];
  /** Message for an officer. */
  message: string;
  /** Evidence (any order; stored sorted and deduplicated). */
  evidence: readonly FindingEvidence[];
  /** Rule-specific figures. */
  details?: Record<string, string | number | boolean>;
}

const evidenceOrder: Record<FindingEvidence['kind'], number> = { document: 0, event: 1, frame: 2, decision: 3 };

/** Build a finding with its deterministic id; subjects and evidence are sorted so input order does not matter. */
export function makeFinding(parameters: MakeFindingParameters): Finding {
  const subjectIds = [...new Set(parameters.subjectIds)].sort();
  const seen = new Set<string>();
  const evidence: FindingEvidence[] = [];
  for (const item of parameters.evidence) {
    const key = `${item.kind}\u0000${item.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    evidence.push({ kind: item.kind, id: item.id });
  }
  evidence.sort((a, b) => evidenceOrder[a.kind] - evidenceOrder[b.kind] || compareText(a.id, b.id));
  const digest = portableCrypto.suiteHash('intl', canonicalBytes({ type: parameters.type, subjectIds, evidence }));
  return {
    findingId: `fnd-${toHex(digest).slice(0, 32)}`,
    type: parameters.type,
    severity: parameters.severity,
    subjectIds,
    message: parameters.message,
    evidence,
    details: parameters.details ?? {},
  };
}

/** Code-point order for ids (locale-independent, so results do not depend on the machine). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sort findings by id so a result never depends on the order of its inputs. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => compareText(a.findingId, b.findingId));
}
