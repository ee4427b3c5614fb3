import type { Party, Relationship } from './party-records.ts';

/**
 * Where parties and relationships live. The finance package codes against it; the cloud
 * implements it on SQLite and PostgreSQL (unique on partyId and on relationshipId). Operations
 * read a tenant's nodes and edges once, build a {@link PartyGraph} and answer from memory.
 */
export interface PartyStore {
  /** Store or replace a party. */
  putParty(party: Party): Promise<void>;
  /** Store or replace a relationship (its ends must already be stored). */
  putRelationship(relationship: Relationship): Promise<void>;
  /** Every party, sorted by id. */
  listParties(): Promise<Party[]>;
  /** Every relationship, sorted by id. */
  listRelationships(): Promise<Relationship[]>;
}

/** An in-memory {@link PartyStore} for embedded use and tests. */
export function createMemoryPartyStore(): PartyStore {
  const parties = new Map<string, Party>();
  const relationships = new Map<string, Relationship>();
  const byId = <T>(map: Map<string, T>) =>
    [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, value]) => structuredClone(value));
  return {
    async putParty(party) {
      parties.set(party.partyId, structuredClone(party));
    },
    async putRelationship(relationship) {
      relationships.set(relationship.relationshipId, structuredClone(relationship));
    },
    async listParties() {
      return byId(parties);
    },
    async listRelationships() {
      return byId(relationships);
    },
  };
}
