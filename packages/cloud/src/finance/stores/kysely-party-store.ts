import type { Party, PartyStore, Relationship } from '@fieldproof/finance';
import type { Kysely } from 'kysely';
import type { FieldCipher } from '../../crypto-at-rest/field-cipher.ts';
import { decodeDocument, encodeDocument } from './finance-codec.ts';
import type { FinanceDatabase, FinanceStoreDialect } from './finance-database.ts';

/**
 * The identity details of a party, sealed at rest: names (of people and firms), the registration
 * number (unified social credit code) and addresses. What the graph and the queries need (ids,
 * kind, roles, the bank of an account) stays in the clear document.
 */
const sealedPartyFields = ['name', 'unifiedSocialCreditCode', 'text'] as const;

/** Where a party's sealed details are stored (bound into their ciphertext). */
export const partySealedLocation = (partyId: string) => ({ table: 'finance_party', column: 'sealed', rowId: partyId });

/** A party as its two stored columns: the clear document and the sealed details (null without a cipher). */
export async function sealParty(
  cipher: FieldCipher | undefined,
  party: Party,
): Promise<{ document: string; sealed: string | null }> {
  if (!cipher) return { document: encodeDocument(party), sealed: null };
  const clear: Record<string, unknown> = { ...party };
  const secret: Record<string, unknown> = {};
  for (const field of sealedPartyFields) {
    if (field in clear) {
      secret[field] = clear[field];
      delete clear[field];
    }
  }
  return {
    document: encodeDocument(clear),
    sealed: await cipher.encrypt('party_identity', partySealedLocation(party.partyId), JSON.stringify(secret)),
  };
}

/**
 * A stored party row back as a party. A row written before encryption at rest (sealed null) holds
 * every field in its document and reads as it is; the start-up sweep seals it.
 */
export async function openParty(
  cipher: FieldCipher | undefined,
  row: { party_id: string; document: unknown; sealed: string | null },
): Promise<Party> {
  const clear = decodeDocument<Record<string, unknown>>(row.document);
  if (row.sealed === null) return clear as Party;
  if (!cipher) throw new Error('invariant violated: a sealed party is read with a field cipher');
  const secret = JSON.parse(await cipher.decrypt(partySealedLocation(row.party_id), row.sealed)) as Record<
    string,
    unknown
  >;
  return { ...clear, ...secret } as Party;
}

/**
 * The party graph's nodes and edges in the cloud store (finance_party, finance_relationship), each a
 * document beside its key columns; put is insert-or-replace, lists are in id order (code-point
 * order on both backends). Like the in-memory store, it does not refuse an edge whose ends are not
 * stored yet: the graph builder reports such an edge. With `cipher` (as the server always passes) a
 * party's identity details are sealed at rest in the `sealed` column (migration 0013).
 */
export function createKyselyPartyStore(
  db: Kysely<FinanceDatabase>,
  _dialect: FinanceStoreDialect,
  cipher?: FieldCipher,
): PartyStore {
  return {
    async putParty(party) {
      const row = { party_id: party.partyId, kind: party.kind, ...(await sealParty(cipher, party)) };
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
      const rows = await db
        .selectFrom('finance_party')
        .select(['party_id', 'document', 'sealed'])
        .orderBy('party_id')
        .execute();
      return Promise.all(rows.map((row) => openParty(cipher, row)));
    },
    async listRelationships() {
      const rows = await db.selectFrom('finance_relationship').select('document').orderBy('relationship_id').execute();
      return rows.map((row) => decodeDocument<Relationship>(row.document));
    },
  };
}
