import { type PartyGraph, requireParty } from './build-party-graph.ts';
import { PartyError } from './party-error.ts';
import type { PartyKind, RelationshipType } from './party-records.ts';

/** Deepest search {@link findRelatedParties} allows. */
export const relatedPartyDepthMax = 8;

/** The edge types that make parties related by default: control, common people, common addresses and accounts, guarantees. Trade edges are left out: buying from someone does not make you related. */
export const relatedPartyRelationshipTypes: readonly RelationshipType[] = [
  'owns_shares_of',
  'directs',
  'shares_address_with',
  'guarantees',
  'registered_at',
  'holds_account',
];

/** One hop of a path, in the direction walked. */
export interface RelationshipStep {
  /** The node the hop starts at. */
  fromPartyId: string;
  /** The edge taken (it may point either way). */
  relationshipId: string;
  /** Its type. */
  type: RelationshipType;
  /** Whether the edge points the way walked (false: walked against its arrow). */
  alongEdge: boolean;
  /** The node the hop ends at. */
  toPartyId: string;
}

/** A party related to the start, with the shortest path that relates them. */
export interface RelatedParty {
  /** The related party. */
  partyId: string;
  /** Its kind. */
  kind: PartyKind;
  /** Number of edges on the path (1 = directly related). */
  depth: number;
  /** The path from the start, hop by hop. */
  path: RelationshipStep[];
}

/** Parameters of {@link findRelatedParties}. */
export interface FindRelatedPartiesParameters {
  /** Where to start. */
  partyId: string;
  /** How many edges away a party may be, 1 to {@link relatedPartyDepthMax}. A shared address node counts as two (to the address and back). */
  depthMax: number;
  /** Edge types to follow, in either direction (default {@link relatedPartyRelationshipTypes}). */
  relationshipTypes?: readonly RelationshipType[];
  /** Kinds of related parties to report (default organisations and persons; addresses and accounts are still walked through). */
  partyKinds?: readonly PartyKind[];
}

/** Result of {@link findRelatedParties}. */
export interface FindRelatedPartiesResult {
  /** Related parties sorted by depth, then id. The start itself is never listed. */
  relatedParties: RelatedParty[];
}

/**
 * Related-party detection: a breadth-first search from one party over the chosen edge types,
 * ignoring edge direction, to `depthMax` edges. Each party is reported once, with a shortest path;
 * among equally short paths the one found first in relationship-id order, so the answer is
 * deterministic. Relatedness is symmetric: B is related to A at depth d exactly when A is related
 * to B at depth d. Throws `party_unknown` for an unknown start and `party_parameter_invalid` for a bad depth.
 */
export function findRelatedParties(
  deps: { graph: PartyGraph },
  parameters: FindRelatedPartiesParameters,
): FindRelatedPartiesResult {
  const { graph } = deps;
  requireParty(graph, parameters.partyId);
  if (!Number.isInteger(parameters.depthMax) || parameters.depthMax < 1 || parameters.depthMax > relatedPartyDepthMax) {
    throw new PartyError(
      'party_parameter_invalid',
      `depthMax must be a whole number from 1 to ${relatedPartyDepthMax}`,
      {
        depthMax: parameters.depthMax,
      },
    );
  }
  const types = new Set(parameters.relationshipTypes ?? relatedPartyRelationshipTypes);
  const kinds = new Set<PartyKind>(parameters.partyKinds ?? ['organisation', 'person']);
  const reachedBy = new Map<string, { depth: number; step: RelationshipStep | undefined }>([
    [parameters.partyId, { depth: 0, step: undefined }],
  ]);
  let frontier = [parameters.partyId];
  for (let depth = 1; depth <= parameters.depthMax && frontier.length > 0; depth += 1) {
    const next: string[] = [];
    for (const partyId of frontier) {
      for (const adjacent of graph.adjacency.get(partyId) ?? []) {
        if (!types.has(adjacent.relationship.type) || reachedBy.has(adjacent.otherPartyId)) continue;
        reachedBy.set(adjacent.otherPartyId, {
          depth,
          step: {
            fromPartyId: partyId,
            relationshipId: adjacent.relationship.relationshipId,
            type: adjacent.relationship.type,
            alongEdge: adjacent.outgoing,
            toPartyId: adjacent.otherPartyId,
          },
        });
        next.push(adjacent.otherPartyId);
      }
    }
    frontier = next;
  }
  const relatedParties: RelatedParty[] = [];
  for (const [partyId, reached] of reachedBy) {
    if (partyId === parameters.partyId) continue;
    const party = requireParty(graph, partyId);
    if (!kinds.has(party.kind)) continue;
    const path: RelationshipStep[] = [];
    let step = reached.step;
    while (step) {
      path.unshift(step);
      step = reachedBy.get(step.fromPartyId)?.step;
    }
    relatedParties.push({ partyId, kind: party.kind, depth: reached.depth, path });
  }
  relatedParties.sort((a, b) => a.depth - b.depth || (a.partyId < b.partyId ? -1 : a.partyId > b.partyId ? 1 : 0));
  return { relatedParties };
}
