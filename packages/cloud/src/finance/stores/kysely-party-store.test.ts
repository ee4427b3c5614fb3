import { buildPartyGraph, type Party, type PartyStore, type Relationship } from '@fieldproof/finance';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FinanceBackend, financeBackends } from '../../../_test/finance-backends.ts';

const parties: Party[] = [
  { kind: 'organisation', partyId: 'org-smelter', name: '铜陵冶炼有限公司', roles: ['supplier'] },
  { kind: 'organisation', partyId: 'Org-Core', name: 'Core Enterprise', roles: ['core_enterprise'] },
  { kind: 'person', partyId: 'p_zhang', name: '张三' },
  { kind: 'address', partyId: 'addr.1', text: '1 Harbour Road' },
];
const relationships: Relationship[] = [
  { relationshipId: 'r-2', type: 'supplies', fromPartyId: 'org-smelter', toPartyId: 'Org-Core' },
  {
    relationshipId: 'R-1',
    type: 'owns_shares_of',
    fromPartyId: 'p_zhang',
    toPartyId: 'org-smelter',
    shareBasisPoints: 5_100,
  },
  {
    relationshipId: 'r-10',
    type: 'directs',
    fromPartyId: 'p_zhang',
    toPartyId: 'Org-Core',
    post: 'legal_representative',
  },
];
/** Code-point order, as the in-memory store sorts (PostgreSQL's default collation would not). */
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describe.each(financeBackends())('party store contract on $name', (backend: FinanceBackend) => {
  let partyStore: PartyStore;
  let available = true;
  beforeAll(async () => {
    available = await backend.available();
  });
  beforeEach(async (context) => {
    if (!available) context.skip();
    ({ partyStore } = await backend.open());
  });
  afterAll(async () => {
    await backend.cleanUp();
  });

  it('lists parties and relationships whole, in code-point id order, and a put replaces', async () => {
    for (const party of parties) await partyStore.putParty(party);
    for (const relationship of relationships) await partyStore.putRelationship(relationship);
    expect(await partyStore.listParties()).toEqual([...parties].sort((a, b) => byCodePoint(a.partyId, b.partyId)));
    expect((await partyStore.listRelationships()).map((r) => r.relationshipId)).toEqual(['R-1', 'r-10', 'r-2']);
    await partyStore.putParty({ kind: 'person', partyId: 'p_zhang', name: '张三丰' });
    await partyStore.putRelationship({ ...(relationships[1] as Relationship), shareBasisPoints: 4_900 });
    expect((await partyStore.listParties()).find((p) => p.partyId === 'p_zhang')).toEqual({
      kind: 'person',
      partyId: 'p_zhang',
      name: '张三丰',
    });
    expect((await partyStore.listRelationships()).find((r) => r.relationshipId === 'R-1')?.shareBasisPoints).toBe(
      4_900,
    );
    const graph = buildPartyGraph(
      {},
      { parties: await partyStore.listParties(), relationships: await partyStore.listRelationships() },
    );
    expect(graph).toBeDefined();
  });
});
