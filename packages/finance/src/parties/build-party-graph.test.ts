import { describe, expect, it } from 'vitest';
import { buildPartyGraph } from './build-party-graph.ts';
import { type Party, type Relationship, RelationshipSchema } from './party-records.ts';

const organisation = (partyId: string): Party => ({
  kind: 'organisation',
  partyId,
  name: partyId,
  roles: ['supplier'],
});
const person = (partyId: string): Party => ({ kind: 'person', partyId, name: partyId });
const shares = (relationshipId: string, from: string, to: string, shareBasisPoints: number): Relationship => ({
  relationshipId,
  type: 'owns_shares_of',
  fromPartyId: from,
  toPartyId: to,
  shareBasisPoints,
});

describe('buildPartyGraph', () => {
  it('indexes each edge at both ends and the shareholders of each company', () => {
    const graph = buildPartyGraph(
      {},
      { parties: [organisation('a'), person('p')], relationships: [shares('r1', 'p', 'a', 6_000)] },
    );
    expect(graph.adjacency.get('a')?.map((entry) => [entry.otherPartyId, entry.outgoing])).toEqual([['p', false]]);
    expect(graph.adjacency.get('p')?.map((entry) => [entry.otherPartyId, entry.outgoing])).toEqual([['a', true]]);
    expect(graph.shareholders.get('a')?.map((edge) => edge.relationshipId)).toEqual(['r1']);
  });

  it('refuses shareholdings of one company adding up to 100.01% (6000 + 4001 = 10001 bp)', () => {
    expect(() =>
      buildPartyGraph(
        {},
        {
          parties: [organisation('a'), person('p'), person('q')],
          relationships: [shares('r1', 'p', 'a', 6_000), shares('r2', 'q', 'a', 4_001)],
        },
      ),
    ).toThrow(
      expect.objectContaining({
        code: 'party_shares_over_100_percent',
        details: { partyId: 'a', totalBasisPoints: 10_001 },
      }),
    );
  });

  it('refuses unknown ends, impossible edges and duplicate ids', () => {
    expect(() =>
      buildPartyGraph({}, { parties: [organisation('a')], relationships: [shares('r1', 'ghost', 'a', 1)] }),
    ).toThrow(expect.objectContaining({ code: 'party_unknown' }));
    expect(() =>
      buildPartyGraph(
        {},
        {
          parties: [organisation('a'), person('p')],
          relationships: [{ relationshipId: 'r1', type: 'supplies', fromPartyId: 'a', toPartyId: 'p' }],
        },
      ),
    ).toThrow(expect.objectContaining({ code: 'party_edge_invalid' }));
    expect(() => buildPartyGraph({}, { parties: [organisation('a'), person('a')], relationships: [] })).toThrow(
      expect.objectContaining({ code: 'party_duplicate_id' }),
    );
  });

  it('has a schema that wants a share on owns_shares_of and only there', () => {
    expect(
      RelationshipSchema.safeParse({ relationshipId: 'r', type: 'owns_shares_of', fromPartyId: 'a', toPartyId: 'b' })
        .success,
    ).toBe(false);
    expect(
      RelationshipSchema.safeParse({
        relationshipId: 'r',
        type: 'directs',
        fromPartyId: 'a',
        toPartyId: 'b',
        shareBasisPoints: 5,
      }).success,
    ).toBe(false);
    expect(RelationshipSchema.safeParse(shares('r', 'a', 'b', 10_000)).success).toBe(true);
  });
});
