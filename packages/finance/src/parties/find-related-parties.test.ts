import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildPartyGraph } from './build-party-graph.ts';
import { findRelatedParties } from './find-related-parties.ts';
import type { Party, Relationship, RelationshipType } from './party-records.ts';

const organisation = (partyId: string): Party => ({
  kind: 'organisation',
  partyId,
  name: partyId,
  roles: ['supplier'],
});
const edge = (relationshipId: string, type: RelationshipType, from: string, to: string): Relationship => ({
  relationshipId,
  type,
  fromPartyId: from,
  toPartyId: to,
  ...(type === 'owns_shares_of' ? { shareBasisPoints: 5_000 } : {}),
});

// borrower-a and supplier-b share a legal representative (person li); supplier-b and trader-c are registered
// at one address; guarantor-d guarantees trader-c; buyer-e only trades with borrower-a.
const graph = buildPartyGraph(
  {},
  {
    parties: [
      organisation('borrower-a'),
      organisation('supplier-b'),
      organisation('trader-c'),
      organisation('guarantor-d'),
      organisation('buyer-e'),
      { kind: 'person', partyId: 'li', name: 'Li Wei' },
      { kind: 'address', partyId: 'addr-1', text: 'Room 501, 88 Jiefang Road, Hangzhou' },
    ],
    relationships: [
      { ...edge('r1', 'directs', 'li', 'borrower-a'), post: 'legal_representative' },
      { ...edge('r2', 'directs', 'li', 'supplier-b'), post: 'legal_representative' },
      edge('r3', 'registered_at', 'supplier-b', 'addr-1'),
      edge('r4', 'registered_at', 'trader-c', 'addr-1'),
      edge('r5', 'guarantees', 'guarantor-d', 'trader-c'),
      edge('r6', 'buys_from', 'buyer-e', 'borrower-a'),
    ],
  },
);

describe('findRelatedParties', () => {
  it('finds the shared legal representative at depth 1 and the other company at depth 2, with the path', () => {
    const { relatedParties } = findRelatedParties({ graph }, { partyId: 'borrower-a', depthMax: 2 });
    expect(relatedParties.map((party) => [party.partyId, party.depth])).toEqual([
      ['li', 1],
      ['supplier-b', 2],
    ]);
    expect(relatedParties[1]?.path).toEqual([
      { fromPartyId: 'borrower-a', relationshipId: 'r1', type: 'directs', alongEdge: false, toPartyId: 'li' },
      { fromPartyId: 'li', relationshipId: 'r2', type: 'directs', alongEdge: true, toPartyId: 'supplier-b' },
    ]);
  });

  it('walks through the address node (2 hops) and the guarantee, to depth 5; trade does not relate', () => {
    // borrower-a → li → supplier-b → addr-1 → trader-c → guarantor-d: 1, 2, 3, 4, 5.
    const { relatedParties } = findRelatedParties({ graph }, { partyId: 'borrower-a', depthMax: 5 });
    expect(relatedParties.map((party) => [party.partyId, party.depth])).toEqual([
      ['li', 1],
      ['supplier-b', 2],
      ['trader-c', 4],
      ['guarantor-d', 5],
    ]);
  });

  it('follows trade edges when asked to', () => {
    const { relatedParties } = findRelatedParties(
      { graph },
      { partyId: 'borrower-a', depthMax: 1, relationshipTypes: ['buys_from', 'supplies'] },
    );
    expect(relatedParties.map((party) => party.partyId)).toEqual(['buyer-e']);
  });

  it('refuses an unknown party and a depth out of range', () => {
    expect(() => findRelatedParties({ graph }, { partyId: 'nobody', depthMax: 2 })).toThrow(
      expect.objectContaining({ code: 'party_unknown' }),
    );
    expect(() => findRelatedParties({ graph }, { partyId: 'borrower-a', depthMax: 0 })).toThrow(
      expect.objectContaining({ code: 'party_parameter_invalid' }),
    );
  });

  it('is symmetric: B is related to A at depth d exactly when A is related to B at depth d (property)', () => {
    const types: RelationshipType[] = ['owns_shares_of', 'directs', 'shares_address_with', 'guarantees', 'supplies'];
    const arbitraryGraph = fc
      .array(fc.record({ from: fc.nat({ max: 7 }), to: fc.nat({ max: 7 }), type: fc.constantFrom(...types) }), {
        maxLength: 20,
      })
      .map((edges) => {
        const parties: Party[] = [];
        for (let index = 0; index < 8; index += 1) {
          parties.push(
            index < 3 ? { kind: 'person', partyId: `p${index}`, name: `p${index}` } : organisation(`o${index}`),
          );
        }
        const id = (index: number) => (parties[index] as Party).partyId;
        const relationships = edges
          .filter((e) => e.from !== e.to)
          .filter((e) => e.type !== 'supplies' || (e.from >= 3 && e.to >= 3))
          .filter((e) => !['owns_shares_of', 'directs'].includes(e.type) || e.to >= 3)
          .filter((e) => e.type !== 'directs' || e.from < 3)
          .map((e, index) => ({
            relationshipId: `r${index}`,
            type: e.type,
            fromPartyId: id(e.from),
            toPartyId: id(e.to),
            ...(e.type === 'owns_shares_of' ? { shareBasisPoints: 1 } : {}),
          }));
        return buildPartyGraph({}, { parties, relationships });
      });
    fc.assert(
      fc.property(arbitraryGraph, fc.integer({ min: 1, max: 4 }), (anyGraph, depthMax) => {
        const depthFrom = new Map<string, Map<string, number>>();
        for (const partyId of anyGraph.parties.keys()) {
          const { relatedParties } = findRelatedParties({ graph: anyGraph }, { partyId, depthMax });
          depthFrom.set(partyId, new Map(relatedParties.map((party) => [party.partyId, party.depth])));
          for (const party of relatedParties) {
            expect(party.path).toHaveLength(party.depth);
            expect(party.path[0]?.fromPartyId).toBe(partyId);
            expect(party.path.at(-1)?.toPartyId).toBe(party.partyId);
          }
        }
        for (const [a, related] of depthFrom) {
          for (const [b, depth] of related) expect(depthFrom.get(b)?.get(a)).toBe(depth);
        }
      }),
    );
  });
});
