import type { Party, PartyStore, Relationship } from '@fieldproof/finance';
import type { Kysely } from 'kysely';
import { decodeDocument, encodeDocument } from './finance-codec.ts';
import type { FinanceDatabase, FinanceStoreDialect } from './finance-database.ts';

/**
 * The party graph's nodes and edges in the cloud store (finance_party, finance_relationship), each a
 * document beside its key columns; put is insert-or-replace, lists are in id order (code-point
 * order on both backends). Like the in-memory store, it does not refuse an edge whose ends are not
 * stored yet: the graph builder reports such an edge.
 */
export function createKyselyPartyStore(db: Kysely<FinanceDatabase>, _dialect: FinanceStoreDialect): PartyStore {
  return {
    async putParty(party) {
      const row = { party_id: party.partyId, kind: party.kind, document: encodeDocument(party) };
      const { party_id: _id, ...changes } = row;
      await db
        .insertInto('finance_party')
        .values(row)
        .onConflict((conflict) => conflict.column('party_id').doUpdateSet(changes))
        .execute();
    },
    async putRelationship(relationship) {
      const row = {
        relationship_id: relationship.relationshipId,
        type: relationship.type,
        from_party_id: relationship.fromPartyId,
        to_party_id: relationship.toPartyId,
        document: encodeDocument(relationship),
      };
      const { relationship_id: _id, ...changes } = row;
      await db
        .insertInto('finance_relationship')
        .values(row)
        .onConflict((conflict) => conflict.column('relationship_id').doUpdateSet(changes))
        .execute();
    },
    async listParties() {
      const rows = await db.selectFrom('finance_party').select('document').orderBy('party_id').execute();
      return rows.map((row) => decodeDocument<Party>(row.document));
    },
    async listRelationships() {
      const rows = await db.selectFrom('finance_relationship').select('document').orderBy('relationship_id').execute();
      return rows.map((row) => decodeDocument<Relationship>(row.document));
    },
  };
}
