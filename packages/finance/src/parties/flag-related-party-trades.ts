import { type Finding, makeFinding, sortFindings } from '../flows/finding.ts';
import { compareId, type PartyGraph } from './build-party-graph.ts';
import type { TradeLink } from './detect-circular-trades.ts';
import { findRelatedParties, type RelatedParty } from './find-related-parties.ts';
import type { RelationshipType } from './party-records.ts';

/** Parameters of {@link flagRelatedPartyTrades}. */
export interface FlagRelatedPartyTradesParameters {
  /** The trades to check (invoices, shipments, payments). */
  tradeLinks: readonly TradeLink[];
  /** How many edges apart two counterparties may be and still count as related (1–8; 2 catches a shared director or address). */
  depthMax: number;
  /** Edge types that relate parties (default: control, people, addresses, accounts, guarantees). */
  relationshipTypes?: readonly RelationshipType[];
}

/** Result of {@link flagRelatedPartyTrades}. */
export interface FlagRelatedPartyTradesResult {
  /** One `trade.related_party` finding per related pair of counterparties that traded, sorted by id. */
  findings: Finding[];
}

/**
 * Trades between related parties: for every pair of organisations that trade with each other, look
 * for a path of control edges (shared owner, director, address, account, guarantee) of at most
 * `depthMax` between them. Such receivables are ineligible in asset-based lending and are how
 * fictitious trade is staged. Counterparties not in the graph are skipped (nothing is known of them).
 * The finding cites the trade documents; the relating path is in `details.path` (`a <-directs- p` when the edge points back).
 */
export function flagRelatedPartyTrades(
  deps: { graph: PartyGraph },
  parameters: FlagRelatedPartyTradesParameters,
): FlagRelatedPartyTradesResult {
  const documentsByPair = new Map<string, { from: string; to: string; documentIds: Set<string> }>();
  for (const link of parameters.tradeLinks) {
    if (link.fromOrganisationId === link.toOrganisationId) continue;
    const [first, second] = [link.fromOrganisationId, link.toOrganisationId].sort(compareId) as [string, string];
    const key = `${first}\u0000${second}`;
    const entry = documentsByPair.get(key) ?? { from: first, to: second, documentIds: new Set<string>() };
    entry.documentIds.add(link.documentId);
    documentsByPair.set(key, entry);
  }
  const relatedCache = new Map<string, Map<string, RelatedParty>>();
  const relatedOf = (partyId: string) => {
    let related = relatedCache.get(partyId);
    if (!related) {
      const result = findRelatedParties(deps, {
        partyId,
        depthMax: parameters.depthMax,
        ...(parameters.relationshipTypes ? { relationshipTypes: parameters.relationshipTypes } : {}),
      });
      related = new Map(result.relatedParties.map((party) => [party.partyId, party]));
      relatedCache.set(partyId, related);
    }
    return related;
  };
  const findings: Finding[] = [];
  for (const { from, to, documentIds } of documentsByPair.values()) {
    if (!deps.graph.parties.has(from) || !deps.graph.parties.has(to)) continue;
    const relation = relatedOf(from).get(to);
    if (!relation) continue;
    const path = [
      from,
      ...relation.path.map((step) =>
        step.alongEdge ? `-${step.type}-> ${step.toPartyId}` : `<-${step.type}- ${step.toPartyId}`,
      ),
    ].join(' ');
    findings.push(
      makeFinding({
        type: 'trade.related_party',
        severity: relation.depth <= 2 ? 'high' : 'medium',
        subjectIds: [from, to],
        message: `${from} and ${to} trade with each other but are related (${relation.depth} step${relation.depth === 1 ? '' : 's'}: ${path}).`,
        evidence: [...documentIds].map((id) => ({ kind: 'document' as const, id })),
        details: {
          depth: relation.depth,
          path,
          relationshipIds: relation.path.map((step) => step.relationshipId).join(','),
        },
      }),
    );
  }
  return { findings: sortFindings(findings) };
}
