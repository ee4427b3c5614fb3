import { assert } from '@fieldproof/protocol';
import { PartyError } from './party-error.ts';
import type { Party, PartyKind, Relationship, RelationshipType } from './party-records.ts';

/** Most nodes one graph may hold. */
export const partiesMax = 1_000_000;
/** Most edges one graph may hold. */
export const relationshipsMax = 5_000_000;

/** Which node kinds each edge type may join, from → to. */
const allowedEnds: Record<RelationshipType, { from: PartyKind[]; to: PartyKind[] }> = {
  supplies: { from: ['organisation'], to: ['organisation'] },
  buys_from: { from: ['organisation'], to: ['organisation'] },
  owns_shares_of: { from: ['organisation', 'person'], to: ['organisation'] },
  directs: { from: ['person'], to: ['organisation'] },
  shares_address_with: { from: ['organisation', 'person'], to: ['organisation', 'person'] },
  guarantees: { from: ['organisation', 'person'], to: ['organisation', 'person'] },
  registered_at: { from: ['organisation', 'person'], to: ['address'] },
  holds_account: { from: ['organisation', 'person'], to: ['account'] },
};

/** An edge seen from one of its ends. */
export interface Adjacency {
  /** The edge. */
  relationship: Relationship;
  /** The node at the other end. */
  otherPartyId: string;
  /** Whether the edge points from this node to the other. */
  outgoing: boolean;
}

/** A validated, indexed, read-only party graph. Build it with {@link buildPartyGraph}. */
export interface PartyGraph {
  /** Nodes by id. */
  parties: ReadonlyMap<string, Party>;
  /** Edges of each node, both directions, sorted by relationship id. */
  adjacency: ReadonlyMap<string, readonly Adjacency[]>;
  /** For each company, its `owns_shares_of` edges (the shareholders), sorted by relationship id. */
  shareholders: ReadonlyMap<string, readonly Relationship[]>;
}

/** Parameters of {@link buildPartyGraph}. */
export interface BuildPartyGraphParameters {
  /** Every node (validated records). */
  parties: readonly Party[];
  /** Every edge (validated records). */
  relationships: readonly Relationship[];
}

/**
 * Index nodes and edges into a graph, refusing what would make later answers wrong: duplicate ids
 * (`party_duplicate_id`), edges to unknown nodes (`party_unknown`), edges between kinds their type
 * does not allow (`party_edge_invalid`), and shareholdings of one company over 100% in total
 * (`party_shares_over_100_percent`). Input order does not matter.
 */
export function buildPartyGraph(_deps: Record<string, never>, parameters: BuildPartyGraphParameters): PartyGraph {
  if (parameters.parties.length > partiesMax || parameters.relationships.length > relationshipsMax) {
    throw new PartyError(
      'party_parameter_invalid',
      `a graph holds at most ${partiesMax} parties and ${relationshipsMax} relationships`,
    );
  }
  const parties = new Map<string, Party>();
  for (const party of parameters.parties) {
    if (parties.has(party.partyId)) {
      throw new PartyError('party_duplicate_id', `two parties share the id ${party.partyId}`, {
        partyId: party.partyId,
      });
    }
    parties.set(party.partyId, party);
  }
  const adjacency = new Map<string, Adjacency[]>();
  const shareholders = new Map<string, Relationship[]>();
  const edgeIds = new Set<string>();
  for (const relationship of parameters.relationships) {
    if (edgeIds.has(relationship.relationshipId)) {
      throw new PartyError('party_duplicate_id', `two relationships share the id ${relationship.relationshipId}`, {
        relationshipId: relationship.relationshipId,
      });
    }
    edgeIds.add(relationship.relationshipId);
    const from = parties.get(relationship.fromPartyId);
    const to = parties.get(relationship.toPartyId);
    if (!from || !to) {
      const missing = from ? relationship.toPartyId : relationship.fromPartyId;
      throw new PartyError(
        'party_unknown',
        `relationship ${relationship.relationshipId} names unknown party ${missing}`,
        {
          relationshipId: relationship.relationshipId,
          partyId: missing,
        },
      );
    }
    const ends = allowedEnds[relationship.type];
    if (!ends.from.includes(from.kind) || !ends.to.includes(to.kind)) {
      throw new PartyError(
        'party_edge_invalid',
        `relationship ${relationship.relationshipId} (${relationship.type}) cannot join a ${from.kind} to a ${to.kind}`,
        { relationshipId: relationship.relationshipId },
      );
    }
    for (const [partyId, entry] of [
      [from.partyId, { relationship, otherPartyId: to.partyId, outgoing: true }],
      [to.partyId, { relationship, otherPartyId: from.partyId, outgoing: false }],
    ] as const) {
      const list = adjacency.get(partyId) ?? [];
      list.push(entry);
      adjacency.set(partyId, list);
    }
    if (relationship.type === 'owns_shares_of') {
      const list = shareholders.get(relationship.toPartyId) ?? [];
      list.push(relationship);
      shareholders.set(relationship.toPartyId, list);
    }
  }
  for (const [companyId, list] of shareholders) {
    const total = list.reduce((sum, edge) => sum + (edge.shareBasisPoints ?? 0), 0);
    if (total > 10_000) {
      throw new PartyError(
        'party_shares_over_100_percent',
        `the recorded shareholders of ${companyId} hold ${total} basis points in total, over 10000 (100%)`,
        { partyId: companyId, totalBasisPoints: total },
      );
    }
    list.sort((a, b) => compareId(a.relationshipId, b.relationshipId));
  }
  for (const list of adjacency.values()) {
    list.sort(
      (a, b) =>
        compareId(a.relationship.relationshipId, b.relationship.relationshipId) ||
        Number(b.outgoing) - Number(a.outgoing),
    );
  }
  assert(edgeIds.size === parameters.relationships.length, 'every relationship was indexed once');
  return { parties, adjacency, shareholders };
}

/** Code-point order for ids. */
export function compareId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Throw `party_unknown` unless the graph holds the party. */
export function requireParty(graph: PartyGraph, partyId: string): Party {
  const party = graph.parties.get(partyId);
  if (!party) throw new PartyError('party_unknown', `no party ${partyId} in the graph`, { partyId });
  return party;
}
