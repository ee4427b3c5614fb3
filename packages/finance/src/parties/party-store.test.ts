import { describe, expect, it } from 'vitest';
import { buildPartyGraph } from './build-party-graph.ts';
import { createMemoryPartyStore } from './party-store.ts';

describe('createMemoryPartyStore', () => {
  it('returns what was put, sorted by id, ready to build a graph', async () => {
    const store = createMemoryPartyStore();
    await store.putParty({ kind: 'person', partyId: 'p', name: 'Wang Fang' });
    await store.putParty({ kind: 'organisation', partyId: 'a', name: 'A Co.', roles: ['supplier'] });
    await store.putRelationship({
      relationshipId: 'r1',
      type: 'directs',
      fromPartyId: 'p',
      toPartyId: 'a',
      post: 'director',
    });
    const parties = await store.listParties();
    expect(parties.map((party) => party.partyId)).toEqual(['a', 'p']);
    const graph = buildPartyGraph({}, { parties, relationships: await store.listRelationships() });
    expect(graph.adjacency.get('a')?.[0]?.otherPartyId).toBe('p');
  });
});
