import { describe, expect, it } from 'vitest';
import { buildPartyGraph } from './build-party-graph.ts';
import type { TradeLink } from './detect-circular-trades.ts';
import { flagRelatedPartyTrades } from './flag-related-party-trades.ts';
import type { Party } from './party-records.ts';

const organisation = (partyId: string): Party => ({
  kind: 'organisation',
  partyId,
  name: partyId,
  roles: ['supplier'],
});
// seller-a and buyer-b have one director (zhao); buyer-c is unrelated to seller-a.
const graph = buildPartyGraph(
  {},
  {
    parties: [
      organisation('seller-a'),
      organisation('buyer-b'),
      organisation('buyer-c'),
      { kind: 'person', partyId: 'zhao', name: 'Zhao' },
    ],
    relationships: [
      { relationshipId: 'r1', type: 'directs', fromPartyId: 'zhao', toPartyId: 'seller-a', post: 'director' },
      {
        relationshipId: 'r2',
        type: 'directs',
        fromPartyId: 'zhao',
        toPartyId: 'buyer-b',
        post: 'legal_representative',
      },
    ],
  },
);
const trade = (documentId: string, from: string, to: string): TradeLink => ({
  documentId,
  kind: 'invoice',
  fromOrganisationId: from,
  toOrganisationId: to,
  amountMinor: 100n,
  currency: 'CNY',
  atMs: 0,
});

describe('flagRelatedPartyTrades', () => {
  it('flags trade between firms with one director (2 steps) and cites every invoice between them, either way', () => {
    const { findings } = flagRelatedPartyTrades(
      { graph },
      {
        tradeLinks: [
          trade('inv-1', 'seller-a', 'buyer-b'),
          trade('inv-2', 'buyer-b', 'seller-a'),
          trade('inv-3', 'seller-a', 'buyer-c'),
          trade('inv-4', 'seller-a', 'outsider'), // not in the graph: nothing known
        ],
        depthMax: 2,
      },
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      type: 'trade.related_party',
      severity: 'high',
      subjectIds: ['buyer-b', 'seller-a'],
      evidence: [
        { kind: 'document', id: 'inv-1' },
        { kind: 'document', id: 'inv-2' },
      ],
      details: { depth: 2, path: 'buyer-b <-directs- zhao -directs-> seller-a', relationshipIds: 'r2,r1' },
    });
  });

  it('does not flag at depth 1: a shared director is two steps away', () => {
    expect(
      flagRelatedPartyTrades({ graph }, { tradeLinks: [trade('inv-1', 'seller-a', 'buyer-b')], depthMax: 1 }).findings,
    ).toEqual([]);
  });
});
