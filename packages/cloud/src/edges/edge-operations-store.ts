import type { Kysely } from 'kysely';
import type { CloudStore, CloudStoreTransaction } from '../storage/cloud-store.ts';
import { storeKysely, transactionKysely } from '../storage/store-kysely.ts';

/** The edge-operations tables (migration 0004-edge-operations.sql, both dialects). */
export interface EdgeOperationsDatabase {
  edge_config: { edge_id: string; version: number; body: string; created_at_ms: number };
  edge_heartbeat: { id?: number; edge_id: string; received_at_ms: number; body: string };
  edge_key: {
    edge_id: string;
    key_id: string;
    alg: string;
    public_key: Uint8Array;
    state: 'pending' | 'approved' | 'superseded';
    from_batch_seq: number | null;
    requested_at_ms: number;
    decided_at_ms: number | null;
  };
  edge_request_nonce: { edge_id: string; nonce: string; seen_at_ms: number };
  edge: {
    edge_id: string;
    alg: string;
    public_key: Uint8Array;
    created_at_ms: number;
    last_batch_seq: number | null;
    last_batch_hash: string | null;
  };
}

/** A key of an edge after a rotation. */
export interface EdgeKeyRow {
  edge_id: string;
  key_id: string;
  alg: string;
  public_key: Buffer;
  state: 'pending' | 'approved' | 'superseded';
  from_batch_seq: number | null;
  requested_at_ms: number;
  decided_at_ms: number | null;
}

/** A stored heartbeat. */
export interface HeartbeatRow {
  id: number;
  edge_id: string;
  received_at_ms: number;
  body: string;
}

/** Heartbeats kept per edge (older ones are deleted as new ones arrive). */
export const heartbeatHistoryMax = 100;

/** The queries of edge operations, on the cloud store's Kysely instance (SQLite or PostgreSQL). */
export function createEdgeOperationsStore(store: CloudStore) {
  const db: Kysely<EdgeOperationsDatabase> = storeKysely<EdgeOperationsDatabase>(store);
  const toKey = (row: EdgeOperationsDatabase['edge_key']): EdgeKeyRow => ({
    ...row,
    public_key: Buffer.from(row.public_key),
    from_batch_seq: row.from_batch_seq === null ? null : Number(row.from_batch_seq),
    requested_at_ms: Number(row.requested_at_ms),
    decided_at_ms: row.decided_at_ms === null ? null : Number(row.decided_at_ms),
  });
  const keysOn = async (executor: Kysely<EdgeOperationsDatabase>, edgeId: string): Promise<EdgeKeyRow[]> => {
    const rows = await executor
      .selectFrom('edge_key')
      .selectAll()
      .where('edge_id', '=', edgeId)
      .orderBy('requested_at_ms')
      .orderBy('key_id')
      .execute();
    return rows.map(toKey);
  };
  return {
    /** The latest config document of an edge. */
    async latestConfig(edgeId: string): Promise<{ version: number; body: string; created_at_ms: number } | undefined> {
      const row = await db
        .selectFrom('edge_config')
        .select(['version', 'body', 'created_at_ms'])
        .where('edge_id', '=', edgeId)
        .orderBy('version', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row && { version: Number(row.version), body: row.body, created_at_ms: Number(row.created_at_ms) };
    },
    /**
     * Store config `version` of an edge if it is above every stored one, in one transaction;
     * returns the version stored before (0 when none) and whether this one was stored.
     */
    async putConfig(
      edgeId: string,
      version: number,
      body: string,
      nowMs: number,
    ): Promise<{ stored: boolean; previous: number }> {
      return db.transaction().execute(async (tx) => {
        const last = await tx
          .selectFrom('edge_config')
          .select((eb) => eb.fn.max('version').as('version'))
          .where('edge_id', '=', edgeId)
          .executeTakeFirst();
        const previous = last?.version === null || last?.version === undefined ? 0 : Number(last.version);
        if (version <= previous) return { stored: false, previous };
        await tx.insertInto('edge_config').values({ edge_id: edgeId, version, body, created_at_ms: nowMs }).execute();
        return { stored: true, previous };
      });
    },
    /** Keep a heartbeat and trim the edge's history to heartbeatHistoryMax. */
    async insertHeartbeat(edgeId: string, body: string, nowMs: number): Promise<void> {
      await db.transaction().execute(async (tx) => {
        await tx.insertInto('edge_heartbeat').values({ edge_id: edgeId, received_at_ms: nowMs, body }).execute();
        const cutoff = await tx
          .selectFrom('edge_heartbeat')
          .select('id')
          .where('edge_id', '=', edgeId)
          .orderBy('id', 'desc')
          .offset(heartbeatHistoryMax)
          .limit(1)
          .executeTakeFirst();
        if (cutoff?.id !== undefined) {
          await tx.deleteFrom('edge_heartbeat').where('edge_id', '=', edgeId).where('id', '<=', cutoff.id).execute();
        }
      });
    },
    /** An edge's heartbeats, newest first. */
    async heartbeats(edgeId: string, limit: number): Promise<HeartbeatRow[]> {
      const rows = await db
        .selectFrom('edge_heartbeat')
        .select(['id', 'edge_id', 'received_at_ms', 'body'])
        .where('edge_id', '=', edgeId)
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((row) => ({ ...row, id: Number(row.id), received_at_ms: Number(row.received_at_ms) }));
    },
    /** The newest heartbeat of every edge that sent one. */
    async latestHeartbeats(): Promise<Map<string, HeartbeatRow>> {
      const newest = db
        .selectFrom('edge_heartbeat')
        .select((eb) => ['edge_id', eb.fn.max('id').as('id')])
        .groupBy('edge_id')
        .as('newest');
      const rows = await db
        .selectFrom('edge_heartbeat')
        .innerJoin(newest, 'newest.id', 'edge_heartbeat.id')
        .select(['edge_heartbeat.id', 'edge_heartbeat.edge_id', 'edge_heartbeat.received_at_ms', 'edge_heartbeat.body'])
        .execute();
      return new Map(
        rows.map((row) => [
          row.edge_id,
          { ...row, id: Number(row.id), received_at_ms: Number(row.received_at_ms) } as HeartbeatRow,
        ]),
      );
    },
    /** Every rotated key of an edge, oldest request first. */
    keys(edgeId: string): Promise<EdgeKeyRow[]> {
      return keysOn(db, edgeId);
    },
    /**
     * The key reads inside an open store transaction `tx` (the log's single writer: ingest
     * re-reads an edge's key history there, behind the edge row's lock, before it appends).
     */
    inTransaction(tx: CloudStoreTransaction): { keys(edgeId: string): Promise<EdgeKeyRow[]> } {
      const executor = transactionKysely<EdgeOperationsDatabase>(tx);
      return { keys: (edgeId) => keysOn(executor, edgeId) };
    },
    /** Every approved rotated key of every edge. */
    async approvedKeys(): Promise<EdgeKeyRow[]> {
      const rows = await db.selectFrom('edge_key').selectAll().where('state', '=', 'approved').execute();
      return rows.map(toKey);
    },
    /** Record a requested key (pending); false when the edge already asked for that key. */
    async insertPendingKey(edgeId: string, keyId: string, alg: string, publicKey: Uint8Array, nowMs: number) {
      const existing = await db
        .selectFrom('edge_key')
        .select('key_id')
        .where('edge_id', '=', edgeId)
        .where('key_id', '=', keyId)
        .executeTakeFirst();
      if (existing) return false;
      // A newer request replaces a pending one: only one key waits for approval at a time.
      await db
        .updateTable('edge_key')
        .set({ state: 'superseded', decided_at_ms: nowMs })
        .where('edge_id', '=', edgeId)
        .where('state', '=', 'pending')
        .execute();
      await db
        .insertInto('edge_key')
        .values({
          edge_id: edgeId,
          key_id: keyId,
          alg,
          public_key: publicKey,
          state: 'pending',
          from_batch_seq: null,
          requested_at_ms: nowMs,
          decided_at_ms: null,
        })
        .execute();
      return true;
    },
    /**
     * Approve a pending key from `fromBatchSeq` on, in one transaction that re-reads the edge's
     * head: the seq must be above every batch the cloud accepted from the edge and above the
     * start of every key approved before. Returns the refusal reason, or undefined when approved.
     *
     * The edge row is locked first (`FOR UPDATE` on PostgreSQL; SQLite runs one transaction at a
     * time), as ingest locks it before it re-reads the key history and appends: an approval and
     * a batch upload of one edge are serial, so no batch signed with the old key lands at a seq
     * the approval gives the new key.
     */
    async approveKey(edgeId: string, keyId: string, fromBatchSeq: number | undefined, nowMs: number) {
      return db.transaction().execute(async (tx): Promise<{ fromBatchSeq: number } | { refused: string }> => {
        const headQuery = tx.selectFrom('edge').select('last_batch_seq').where('edge_id', '=', edgeId);
        const edge = await (store.dialect === 'postgres' ? headQuery.forUpdate() : headQuery).executeTakeFirst();
        const key = await tx
          .selectFrom('edge_key')
          .selectAll()
          .where('edge_id', '=', edgeId)
          .where('key_id', '=', keyId)
          .executeTakeFirst();
        if (!key) return { refused: `edge ${edgeId} has not asked for key ${keyId}` };
        if (key.state !== 'pending') return { refused: `key ${keyId} of edge ${edgeId} is ${key.state}, not pending` };
        const next =
          edge?.last_batch_seq === null || edge?.last_batch_seq === undefined ? 0 : Number(edge.last_batch_seq) + 1;
        const latest = await tx
          .selectFrom('edge_key')
          .select((eb) => eb.fn.max('from_batch_seq').as('seq'))
          .where('edge_id', '=', edgeId)
          .where('state', '=', 'approved')
          .executeTakeFirst();
        const floor = Math.max(next, latest?.seq === null || latest?.seq === undefined ? 0 : Number(latest.seq) + 1);
        const from = fromBatchSeq ?? floor;
        if (from < floor) {
          return {
            refused: `batch seq ${from} is taken: the cloud accepted batches of edge ${edgeId} up to ${next - 1}; approve from ${floor} or later`,
          };
        }
        await tx
          .updateTable('edge_key')
          .set({ state: 'approved', from_batch_seq: from, decided_at_ms: nowMs })
          .where('edge_id', '=', edgeId)
          .where('key_id', '=', keyId)
          .execute();
        return { fromBatchSeq: from };
      });
    },
    /**
     * Remember a request nonce of an edge; false when it was seen before (a replay). Nonces older
     * than `forgetBeforeMs` are deleted first: the timestamp check refuses their requests anyway.
     */
    async rememberNonce(edgeId: string, nonce: string, nowMs: number, forgetBeforeMs: number): Promise<boolean> {
      await db.deleteFrom('edge_request_nonce').where('seen_at_ms', '<', forgetBeforeMs).execute();
      const inserted = await db
        .insertInto('edge_request_nonce')
        .values({ edge_id: edgeId, nonce, seen_at_ms: nowMs })
        .onConflict((conflict) => conflict.columns(['edge_id', 'nonce']).doNothing())
        .executeTakeFirst();
      return Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
  };
}

/** The edge-operations store. */
export type EdgeOperationsStore = ReturnType<typeof createEdgeOperationsStore>;
