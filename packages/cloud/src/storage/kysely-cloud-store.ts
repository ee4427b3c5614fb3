import { assert } from '@fieldproof/protocol';
import type { Database as BetterSqliteDatabase, Statement } from 'better-sqlite3';
import { CompiledQuery, type Kysely, sql, type Transaction } from 'kysely';
import type { CloudDatabase } from './cloud-database.ts';
import {
  type AnchorQueries,
  type AnchorScope,
  type CloudStore,
  type CloudStoreQueries,
  type CloudStoreTransaction,
  type EdgeRow,
  finalCandidatesMax,
  type QuarantineInsert,
} from './cloud-store.ts';
import { registerTransactionKysely } from './store-kysely.ts';

/**
 * Most bound parameters in one statement. SQLite allows 32,766 and PostgreSQL 65,535; staying well
 * under both keeps one chunking rule for the two.
 */
export const statementParametersMax = 30_000;

/** Most rows in one PostgreSQL `unnest` insert: bounds the size of one statement's array parameters. */
export const unnestRowsMax = 20_000;

/** Rows per multi-row insert for a table of `columns` columns. */
function rowsPerInsert(columns: number): number {
  return Math.floor(statementParametersMax / columns);
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

const buffer = (bytes: Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Options of the shared query layer. */
export interface KyselyCloudStoreOptions {
  /** Which backend `db` talks to. */
  dialect: 'sqlite' | 'postgres';
  /**
   * SQLite only: the better-sqlite3 handle under the dialect. Inside a transaction (which holds
   * the store's one connection) the hot-path inserts run on it as cached prepared statements.
   */
  sqliteDatabase?: BetterSqliteDatabase;
  /** Called once by close(), after the Kysely instance is destroyed. */
  onClose?: () => Promise<void> | void;
}

type Executor = Kysely<CloudDatabase> | Transaction<CloudDatabase>;

type Dialect = KyselyCloudStoreOptions['dialect'];

/**
 * The hot path (log entries, tree hashes, frames) skips the query builder: building a
 * 7,500-row insert value by value costs more than the insert itself (19,500 leaves/s through the
 * builder against 100,000+ raw). The SQL text of each row count is built once and kept.
 */
const insertTexts = new Map<string, string>();
function insertText(dialect: Dialect, table: string, columns: readonly string[], rows: number): string {
  const key = `${dialect} ${table} ${rows}`;
  let text = insertTexts.get(key);
  if (text === undefined) {
    const tuples: string[] = [];
    let parameter = 0;
    for (let row = 0; row < rows; row++) {
      const marks = columns.map(() => (dialect === 'postgres' ? `$${++parameter}` : '?'));
      tuples.push(`(${marks.join(',')})`);
    }
    text = `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(',')}`;
    if (insertTexts.size < 64) insertTexts.set(key, text);
  }
  return text;
}

/** Where the hot-path inserts run: the Kysely executor, and on SQLite its raw handle. */
interface Target {
  db: Executor;
  dialect: Dialect;
  sqlite: BetterSqliteDatabase | undefined;
  statements: Map<string, Statement>;
}

/** The insert statement of `rows` rows into `table` on the raw SQLite handle, prepared once per store. */
function sqliteInsert(target: Target, table: string, columns: readonly string[], rows = 1): Statement {
  const key = `insert ${table} ${rows}`;
  let statement = target.statements.get(key);
  if (statement === undefined) {
    statement = (target.sqlite as BetterSqliteDatabase).prepare(insertText('sqlite', table, columns, rows));
    target.statements.set(key, statement);
  }
  return statement;
}

/**
 * Insert `items` into `table`. On SQLite inside a transaction (which holds the store's only
 * connection), one cached one-row statement per item, bound by `bind` straight from the item:
 * better-sqlite3 runs it in about a microsecond, while re-preparing a multi-row statement per
 * chunk (as Kysely's driver does) or building a row array per item costs more than the insert.
 * On PostgreSQL, with `postgresTypes` (one per column), `INSERT … SELECT * FROM unnest($1::type[], …)`
 * in chunks of unnestRowsMax rows; without, multi-row inserts chunked under the parameter limit.
 */
async function insertRows<T>(
  target: Target,
  table: string,
  columns: readonly string[],
  items: readonly T[],
  bind: (statement: Statement, item: T) => void,
  row: (item: T) => unknown[],
  postgresTypes?: readonly string[],
): Promise<void> {
  const { db, dialect, sqlite } = target;
  if (sqlite !== undefined && db.isTransaction) {
    const statement = sqliteInsert(target, table, columns);
    for (const item of items) bind(statement, item);
    return;
  }
  if (dialect === 'postgres' && postgresTypes !== undefined) {
    // One array parameter per column, unnested by the server: no 30,000-parameter statement to
    // parse and plan for each chunk.
    const text = `INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM unnest(${postgresTypes
      .map((type, i) => `$${i + 1}::${type}[]`)
      .join(', ')})`;
    for (let start = 0; start < items.length; start += unnestRowsMax) {
      const end = Math.min(items.length, start + unnestRowsMax);
      const arrays: unknown[][] = columns.map(() => new Array(end - start));
      for (let i = start; i < end; i++) {
        const values = row(items[i] as T);
        for (let column = 0; column < arrays.length; column++)
          (arrays[column] as unknown[])[i - start] = values[column];
      }
      await db.executeQuery(CompiledQuery.raw(text, arrays));
    }
    return;
  }
  const perInsert = rowsPerInsert(columns.length);
  for (let start = 0; start < items.length; start += perInsert) {
    const end = Math.min(items.length, start + perInsert);
    const parameters: unknown[] = [];
    for (let i = start; i < end; i++) {
      for (const value of row(items[i] as T)) parameters.push(value);
    }
    await db.executeQuery(CompiledQuery.raw(insertText(dialect, table, columns, end - start), parameters));
  }
}

const logEntryColumns = ['leaf_index', 'kind', 'data', 'created_at_ms'] as const;
const logEntryTypes = ['bigint', 'text', 'bytea', 'bigint'] as const;
const logHashColumns = ['idx', 'hash'] as const;
const logHashTypes = ['bigint', 'bytea'] as const;

/** Read-statement texts cached per store: one per distinct count of indexes (a proof's are few). */
const readStatementsMax = 256;

/** `SELECT idx, hash FROM log_hash WHERE idx IN (?, …)` for `count` indexes, prepared once per store. */
function sqliteReadHashes(target: Target, count: number): Statement {
  const key = `read log_hash ${count}`;
  let statement = target.statements.get(key);
  if (statement === undefined) {
    const marks = Array.from({ length: count }, () => '?').join(',');
    statement = (target.sqlite as BetterSqliteDatabase).prepare(
      `SELECT idx, hash FROM log_hash WHERE idx IN (${marks})`,
    );
    if (target.statements.size < readStatementsMax) target.statements.set(key, statement);
  }
  return statement;
}

/**
 * Writes the log's rows synchronously, inside an open SQLite transaction of the store, as the
 * sequencer stages them: nothing is held until the commit but the last few rows of each table,
 * written by the store before it commits (`flush`).
 */
export interface SqliteLogWriter {
  /** Insert one log entry. */
  entry(leafIndex: number, kind: string, data: Uint8Array, createdAtMs: number): void;
  /** Insert one stored tree hash. */
  hash(index: number, hash: Uint8Array): void;
}

/**
 * Rows bound per statement by the SQLite log writer. One call binding 32 rows costs about half
 * as much a row as 32 one-row calls (0.7 against 1.4 µs a row, measured on the log_hash table).
 */
const sqliteRowsPerWrite = 32;

/** A SqliteLogWriter on the transaction `target`, with the `flush` the store runs before the commit. */
function openSqliteLogWriter(target: Target): SqliteLogWriter & { flush(): void; close(): void } {
  const rows = sqliteRowsPerWrite;
  const entryMany = sqliteInsert(target, 'log_entry', logEntryColumns, rows);
  const entryOne = sqliteInsert(target, 'log_entry', logEntryColumns);
  const hashMany = sqliteInsert(target, 'log_hash', logHashColumns, rows);
  const hashOne = sqliteInsert(target, 'log_hash', logHashColumns);
  const entryValues: unknown[] = new Array(rows * 4);
  const hashValues: unknown[] = new Array(rows * 2);
  let entryRows = 0;
  let hashRows = 0;
  let open = true;
  return {
    entry(leafIndex, kind, data, createdAtMs) {
      assert(open, 'a log entry is written inside its transaction');
      const at = entryRows * 4;
      entryValues[at] = leafIndex;
      entryValues[at + 1] = kind;
      // better-sqlite3 binds any Uint8Array as a blob.
      entryValues[at + 2] = data;
      entryValues[at + 3] = createdAtMs;
      if (++entryRows === rows) {
        entryMany.run(...entryValues);
        entryRows = 0;
      }
    },
    hash(index, hash) {
      assert(open, 'a tree hash is written inside its transaction');
      const at = hashRows * 2;
      hashValues[at] = index;
      hashValues[at + 1] = hash;
      if (++hashRows === rows) {
        hashMany.run(...hashValues);
        hashRows = 0;
      }
    },
    flush() {
      for (let row = 0; row < entryRows; row++) {
        const at = row * 4;
        entryOne.run(entryValues[at], entryValues[at + 1], entryValues[at + 2], entryValues[at + 3]);
      }
      for (let row = 0; row < hashRows; row++) hashOne.run(hashValues[row * 2], hashValues[row * 2 + 1]);
      entryRows = 0;
      hashRows = 0;
      entryValues.fill(undefined);
      hashValues.fill(undefined);
    },
    close() {
      open = false;
    },
  };
}

const sqliteLogWriters = new WeakMap<CloudStoreTransaction, SqliteLogWriter>();

/**
 * The synchronous log writer of `tx` when it is an open SQLite transaction of a store made by
 * createKyselyCloudStore, else undefined (PostgreSQL, another store, or a finished transaction):
 * the caller then stages rows and writes them with insertLogEntries / insertHashes.
 */
export function sqliteLogWriter(tx: CloudStoreTransaction): SqliteLogWriter | undefined {
  return sqliteLogWriters.get(tx);
}

/** The queries, written once, on any executor: the store or one of its transactions. */
function queriesOn(
  db: Executor,
  dialect: Dialect,
  inTransaction: (work: (tx: Executor) => Promise<void>) => Promise<void>,
  sqliteDatabase: BetterSqliteDatabase | undefined,
  statements: Map<string, Statement>,
) {
  const target: Target = { db, dialect, sqlite: sqliteDatabase, statements };
  const quarantineRows = async (tx: Executor, item: QuarantineInsert) => {
    await tx
      .insertInto('quarantine')
      .values({
        received_at_ms: item.receivedAtMs,
        source: item.source,
        code: item.code,
        message: item.message,
        edge_id: item.edgeId,
        payload: buffer(item.payload),
        payload_bytes: item.payloadBytes,
      })
      .execute();
    await tx
      .insertInto('reject_count')
      .values({ code: item.code, count: 1 })
      .onConflict((conflict) => conflict.column('code').doUpdateSet({ count: sql`reject_count.count + 1` }))
      .execute();
  };

  const queries: CloudStoreQueries = {
    async getMeta(key) {
      const row = await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
      return row?.value;
    },
    async setMeta(key, value) {
      await db
        .insertInto('meta')
        .values({ key, value })
        .onConflict((conflict) => conflict.column('key').doUpdateSet({ value }))
        .execute();
    },
    async insertEdge(edgeId, alg, publicKey, nowMs) {
      const result = await db
        .insertInto('edge')
        .values({ edge_id: edgeId, alg, public_key: buffer(publicKey), created_at_ms: nowMs })
        .onConflict((conflict) => conflict.column('edge_id').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async edge(edgeId) {
      return (await db.selectFrom('edge').selectAll().where('edge_id', '=', edgeId).executeTakeFirst()) as
        | Awaited<ReturnType<CloudStoreQueries['edge']>>
        | undefined;
    },
    async edges() {
      return (await db.selectFrom('edge').selectAll().orderBy('edge_id').execute()) as Awaited<
        ReturnType<CloudStoreQueries['edges']>
      >;
    },
    async setEdgeHead(edgeId, batchSeq, batchHash) {
      await db
        .updateTable('edge')
        .set({ last_batch_seq: batchSeq, last_batch_hash: batchHash })
        .where('edge_id', '=', edgeId)
        .execute();
    },
    async insertDevice(deviceId, alg, publicKey, edgeId, nowMs, attestation = 'device-signed') {
      const result = await db
        .insertInto('device')
        .values({
          device_id: deviceId,
          alg,
          public_key: buffer(publicKey),
          edge_id: edgeId,
          created_at_ms: nowMs,
          attestation,
        })
        .onConflict((conflict) => conflict.column('device_id').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async device(deviceId) {
      return (await db.selectFrom('device').selectAll().where('device_id', '=', deviceId).executeTakeFirst()) as
        | Awaited<ReturnType<CloudStoreQueries['device']>>
        | undefined;
    },
    async devicesById(deviceIds) {
      const byId = new Map<string, Awaited<ReturnType<CloudStoreQueries['devices']>>[number]>();
      for (const part of chunks([...new Set(deviceIds)], rowsPerInsert(1))) {
        const rows = await db.selectFrom('device').selectAll().where('device_id', 'in', part).execute();
        for (const row of rows) byId.set(row.device_id, row as typeof byId extends Map<string, infer R> ? R : never);
      }
      return byId;
    },
    async devices() {
      return (await db.selectFrom('device').selectAll().orderBy('device_id').execute()) as Awaited<
        ReturnType<CloudStoreQueries['devices']>
      >;
    },
    async setDeviceSeq(deviceId, seq) {
      await db.updateTable('device').set({ last_seq: seq }).where('device_id', '=', deviceId).execute();
    },
    async batchBySeq(edgeId, batchSeq) {
      return (await db
        .selectFrom('batch')
        .selectAll()
        .where('edge_id', '=', edgeId)
        .where('batch_seq', '=', batchSeq)
        .executeTakeFirst()) as Awaited<ReturnType<CloudStoreQueries['batchBySeq']>>;
    },
    async batchById(id) {
      return (await db.selectFrom('batch').selectAll().where('id', '=', id).executeTakeFirst()) as Awaited<
        ReturnType<CloudStoreQueries['batchById']>
      >;
    },
    async insertBatch(batch, frames, nowMs) {
      const inserted = await db
        .insertInto('batch')
        .values({
          edge_id: batch.edgeId,
          batch_seq: batch.batchSeq,
          batch_hash: batch.batchHash,
          header: batch.header,
          frame_count: batch.leafHashes.length,
          leaf_hashes: Buffer.concat(batch.leafHashes),
          received_at_ms: nowMs,
          log_index: batch.logIndex,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const id = Number(inserted.id);
      await insertRows(
        target,
        'frame',
        ['id', 'device_id', 'seq', 'device_time_ms', 'received_at_ms', 'batch_id', 'leaf_index', 'body'],
        frames,
        (statement, frame) =>
          statement.run(
            frame.id,
            frame.deviceId,
            frame.seq,
            frame.deviceTimeMs,
            nowMs,
            id,
            frame.leafIndex,
            frame.body,
          ),
        (frame) => [frame.id, frame.deviceId, frame.seq, frame.deviceTimeMs, nowMs, id, frame.leafIndex, frame.body],
      );
      return id;
    },
    async frame(id) {
      return (await db.selectFrom('frame').selectAll().where('id', '=', id).executeTakeFirst()) as Awaited<
        ReturnType<CloudStoreQueries['frame']>
      >;
    },
    async frameSeqStored(deviceId, seq) {
      const row = await db
        .selectFrom('frame')
        .select('seq')
        .where('device_id', '=', deviceId)
        .where('seq', '=', seq)
        .executeTakeFirst();
      return row !== undefined;
    },
    async batchFrameCount(batchId) {
      const row = await db
        .selectFrom('frame')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('batch_id', '=', batchId)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async recentFrames(limit, deviceId) {
      const columns = ['id', 'device_id', 'seq', 'device_time_ms', 'received_at_ms'] as const;
      if (deviceId === undefined) {
        return db
          .selectFrom('frame')
          .select(columns)
          .orderBy('received_at_ms', 'desc')
          .orderBy('id')
          .limit(limit)
          .execute();
      }
      return db
        .selectFrom('frame')
        .select(columns)
        .where('device_id', '=', deviceId)
        .orderBy('seq', 'desc')
        .limit(limit)
        .execute();
    },
    async insertLogEntries(entries) {
      await insertRows(
        target,
        'log_entry',
        logEntryColumns,
        entries,
        // better-sqlite3 binds any Uint8Array as a blob: no Buffer view needed.
        (statement, entry) => statement.run(entry.leafIndex, entry.kind, entry.data, entry.createdAtMs),
        (entry) => [entry.leafIndex, entry.kind, entry.data, entry.createdAtMs],
        logEntryTypes,
      );
    },
    async logSize() {
      const row = await db
        .selectFrom('log_entry')
        .select((eb) => eb.fn.max('leaf_index').as('last'))
        .executeTakeFirst();
      return row?.last === null || row?.last === undefined ? 0 : Number(row.last) + 1;
    },
    async readLogEntries(first, count) {
      const rows = await db
        .selectFrom('log_entry')
        .select(['leaf_index', 'data'])
        .where('leaf_index', '>=', first)
        .where('leaf_index', '<', first + count)
        .orderBy('leaf_index')
        .execute();
      if (rows.length !== count || rows.some((row, i) => row.leaf_index !== first + i)) {
        throw new Error(`invariant violated: log entries ${first}…${first + count - 1} are not all stored`);
      }
      return rows.map((row) => new Uint8Array(row.data));
    },
    async insertHashes(stored) {
      await insertRows(
        target,
        'log_hash',
        logHashColumns,
        stored,
        (statement, item) => statement.run(item.index, item.hash),
        (item) => [item.index, item.hash],
        logHashTypes,
      );
    },
    async readHashes(indexes) {
      if (indexes.length === 0) return [];
      const byIndex = new Map<number, Uint8Array>();
      const keep = (index: number, hash: Uint8Array) => {
        byIndex.set(Number(index), new Uint8Array(hash));
      };
      if (sqliteDatabase !== undefined && indexes.length <= rowsPerInsert(1)) {
        // A proof's O(log n) reads: a cached prepared statement on the raw handle. It runs at
        // once inside our own transaction or when no transaction is open on the connection (the
        // read is synchronous: nothing can begin during it); otherwise it waits for the
        // connection's lock, so no read sees another transaction's rows before its commit.
        const read = () => {
          const rows = sqliteReadHashes(target, indexes.length).all(...indexes) as { idx: number; hash: Buffer }[];
          for (const row of rows) keep(row.idx, row.hash);
        };
        if (db.isTransaction || !sqliteDatabase.inTransaction) read();
        else await db.connection().execute(async () => read());
      } else if (dialect === 'postgres') {
        // One SQL text for any count (an array parameter), without the builder's per-value work.
        const result = await db.executeQuery<{ idx: number; hash: Buffer }>(
          CompiledQuery.raw('SELECT idx, hash FROM log_hash WHERE idx = ANY($1::bigint[])', [indexes]),
        );
        for (const row of result.rows) keep(row.idx, row.hash);
      } else {
        for (const part of chunks(indexes, rowsPerInsert(1))) {
          const rows = await db.selectFrom('log_hash').select(['idx', 'hash']).where('idx', 'in', part).execute();
          for (const row of rows) keep(row.idx, row.hash);
        }
      }
      return indexes.map((index) => {
        const hash = byIndex.get(index);
        if (!hash) throw new Error(`invariant violated: stored hash ${index} is missing`);
        return hash;
      });
    },
    async insertCheckpoint(size, root, note, nowMs) {
      await db
        .insertInto('checkpoint')
        .values({ size, root: buffer(root), note, created_at_ms: nowMs })
        .onConflict((conflict) => conflict.column('size').doNothing())
        .execute();
    },
    async latestCheckpoint() {
      return (await db.selectFrom('checkpoint').selectAll().orderBy('size', 'desc').limit(1).executeTakeFirst()) as
        | Awaited<ReturnType<CloudStoreQueries['latestCheckpoint']>>
        | undefined;
    },
    async checkpointAt(size) {
      return (await db.selectFrom('checkpoint').selectAll().where('size', '=', size).executeTakeFirst()) as
        | Awaited<ReturnType<CloudStoreQueries['checkpointAt']>>
        | undefined;
    },
    async quarantine(item) {
      await inTransaction((tx) => quarantineRows(tx, item));
    },
    async quarantineList(afterId, limit) {
      return (await db
        .selectFrom('quarantine')
        .selectAll()
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(limit)
        .execute()) as Awaited<ReturnType<CloudStoreQueries['quarantineList']>>;
    },
    async rejectCounts() {
      const rows = await db.selectFrom('reject_count').select(['code', 'count']).orderBy('code').execute();
      return Object.fromEntries(rows.map((row) => [row.code, Number(row.count)]));
    },
    async totals() {
      const row = await sql<Record<'frames' | 'batches' | 'quarantined' | 'devices' | 'edges', number | string>>`
        SELECT (SELECT count(*) FROM frame) AS frames, (SELECT count(*) FROM batch) AS batches,
               (SELECT count(*) FROM quarantine) AS quarantined, (SELECT count(*) FROM device) AS devices,
               (SELECT count(*) FROM edge) AS edges`.execute(db);
      const totals = row.rows[0];
      assert(totals !== undefined, 'a totals query returns one row');
      return {
        frames: Number(totals.frames),
        batches: Number(totals.batches),
        quarantined: Number(totals.quarantined),
        devices: Number(totals.devices),
        edges: Number(totals.edges),
      };
    },
    async recordCosignature(size, witness, line, nowMs) {
      await inTransaction(async (tx) => {
        await tx
          .insertInto('cosignature')
          .values({ size, witness, line, created_at_ms: nowMs })
          .onConflict((conflict) => conflict.columns(['size', 'witness']).doNothing())
          .execute();
        await setWitnessSize(tx, witness, size);
      });
    },
    async setWitnessSize(witness, size) {
      await setWitnessSize(db, witness, size);
    },
    async witnessSize(witness) {
      const row = await db.selectFrom('witness_state').select('size').where('witness', '=', witness).executeTakeFirst();
      return row ? Number(row.size) : 0;
    },
    async hasCosignature(size, witness) {
      const row = await db
        .selectFrom('cosignature')
        .select('size')
        .where('size', '=', size)
        .where('witness', '=', witness)
        .executeTakeFirst();
      return row !== undefined;
    },
    async cosignaturesAt(size) {
      return db
        .selectFrom('cosignature')
        .select(['witness', 'line'])
        .where('size', '=', size)
        .orderBy('witness')
        .execute();
    },
    async sizesCosignedBy(count, sizeMax = Number.MAX_SAFE_INTEGER) {
      const rows = await db
        .selectFrom('cosignature')
        .select('size')
        .where('size', '<=', sizeMax)
        .groupBy('size')
        .having((eb) => eb.fn.countAll(), '>=', count)
        .orderBy('size', 'desc')
        .limit(finalCandidatesMax)
        .execute();
      return rows.map((row) => Number(row.size));
    },
    async insertDecision(row, nowMs) {
      await db
        .insertInto('decision')
        .values({ ...row, created_at_ms: nowMs })
        .execute();
    },
    async decisionById(decisionId) {
      return db.selectFrom('decision').selectAll().where('decision_id', '=', decisionId).executeTakeFirst();
    },
    async decisionsBySubject(subjectId, limit) {
      return db
        .selectFrom('decision')
        .selectAll()
        .where('subject_id', '=', subjectId)
        .orderBy('log_index')
        .limit(limit)
        .execute();
    },
    anchors(scope) {
      return anchorQueries(db, scope);
    },
  };
  return queries;
}

async function setWitnessSize(db: Executor, witness: string, size: number): Promise<void> {
  await db
    .insertInto('witness_state')
    .values({ witness, size })
    .onConflict((conflict) => conflict.column('witness').doUpdateSet({ size }))
    .execute();
}

type AnchorRecord = CloudDatabase['anchor'];

function toAnchorRow(record: AnchorRecord) {
  return {
    size: Number(record.size),
    state: record.state,
    rootHash: record.root_hash,
    checkpointHash: record.checkpoint_hash,
    txHash: record.tx_hash ?? undefined,
    nonce: record.nonce ?? undefined,
    rawTransaction: record.raw_tx ?? undefined,
    blockNumber: record.block_number ?? undefined,
    createdAtMs: record.created_at_ms,
    finalAtMs: record.final_at_ms ?? undefined,
  };
}

function anchorQueries(db: Executor, scope: AnchorScope): AnchorQueries {
  const key = {
    chain_id: scope.chainId,
    contract: scope.contractAddress.toLowerCase(),
    origin_hash: scope.originHash.toLowerCase(),
  };
  const ofLog = () =>
    db
      .selectFrom('anchor')
      .where('chain_id', '=', key.chain_id)
      .where('contract', '=', key.contract)
      .where('origin_hash', '=', key.origin_hash);
  return {
    async pending() {
      const record = await ofLog().selectAll().where('state', '=', 'pending').executeTakeFirst();
      return record ? toAnchorRow(record) : undefined;
    },
    async lastSettledSize() {
      const row = await ofLog()
        .select((eb) => eb.fn.max('size').as('size'))
        .where('state', '!=', 'pending')
        .executeTakeFirst();
      return row?.size === null || row?.size === undefined ? 0 : Number(row.size);
    },
    async anchorAt(size) {
      const record = await ofLog().selectAll().where('size', '=', size).executeTakeFirst();
      return record ? toAnchorRow(record) : undefined;
    },
    async anchors() {
      return (await ofLog().selectAll().orderBy('size').execute()).map(toAnchorRow);
    },
    async insertPending(insert) {
      await db
        .insertInto('anchor')
        .values({
          ...key,
          size: insert.size,
          state: 'pending',
          root_hash: insert.rootHash,
          checkpoint_hash: insert.checkpointHash,
          tx_hash: insert.txHash,
          nonce: insert.nonce ?? null,
          raw_tx: insert.rawTransaction ?? null,
          created_at_ms: insert.nowMs,
        })
        .execute();
    },
    async insertSuperseded(size, rootHash, checkpointHash, nowMs) {
      await db
        .insertInto('anchor')
        .values({
          ...key,
          size,
          state: 'superseded',
          root_hash: rootHash,
          checkpoint_hash: checkpointHash,
          created_at_ms: nowMs,
          final_at_ms: nowMs,
        })
        .execute();
    },
    async markFinal(size, blockNumber, nowMs) {
      const result = await db
        .updateTable('anchor')
        .set({ state: 'final', block_number: blockNumber, final_at_ms: nowMs, raw_tx: null })
        .where('chain_id', '=', key.chain_id)
        .where('contract', '=', key.contract)
        .where('origin_hash', '=', key.origin_hash)
        .where('size', '=', size)
        .where('state', '=', 'pending')
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) {
        throw new Error(`invariant violated: no pending anchor of size ${size} to make final`);
      }
    },
    async deletePending(size) {
      await db
        .deleteFrom('anchor')
        .where('chain_id', '=', key.chain_id)
        .where('contract', '=', key.contract)
        .where('origin_hash', '=', key.origin_hash)
        .where('size', '=', size)
        .where('state', '=', 'pending')
        .execute();
    },
    async checkpointsAfter(size, limit) {
      const rows = await db
        .selectFrom('checkpoint')
        .select(['size', 'root', 'note'])
        .where('size', '>', size)
        .orderBy('size')
        .limit(limit)
        .execute();
      return rows.map((row) => ({ size: Number(row.size), rootHash: new Uint8Array(row.root), note: row.note }));
    },
  };
}

/**
 * The cloud store on a migrated Kysely instance of either dialect. Precondition: `db`'s schema is
 * at the latest migration (see migrate-cloud-store.ts).
 */
export function createKyselyCloudStore(db: Kysely<CloudDatabase>, options: KyselyCloudStoreOptions): CloudStore {
  const transaction = <T>(work: (tx: Transaction<CloudDatabase>) => Promise<T>): Promise<T> =>
    db.transaction().execute(work);
  const lockLog = async (tx: Executor, logKey: string): Promise<void> => {
    if (options.dialect !== 'postgres') return;
    // Transaction-scoped: released by the commit or rollback, never left behind by a crash.
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`fieldproof-log:${logKey}`}, 0))`.execute(tx);
  };
  const lockEdge = async (tx: Executor, edgeId: string) => {
    const query = tx.selectFrom('edge').selectAll().where('edge_id', '=', edgeId);
    // SQLite has no row locks (nor FOR UPDATE): its one connection runs one transaction at a time.
    return (await (options.dialect === 'postgres' ? query.forUpdate() : query).executeTakeFirst()) as
      | EdgeRow
      | undefined;
  };
  let closed = false;
  const statements = new Map<string, Statement>();
  return {
    dialect: options.dialect,
    ...queriesOn(db, options.dialect, (work) => transaction(work), options.sqliteDatabase, statements),
    transaction(work) {
      return transaction(async (tx) => {
        const queries = queriesOn(tx, options.dialect, (inner) => inner(tx), options.sqliteDatabase, statements);
        const handle: CloudStoreTransaction = {
          ...queries,
          lockLog: (logKey: string) => lockLog(tx, logKey),
          lockEdge: (edgeId: string) => lockEdge(tx, edgeId),
        };
        registerTransactionKysely(handle, tx as never);
        const sqlite = options.sqliteDatabase;
        if (sqlite === undefined) return work(handle);
        const writer = openSqliteLogWriter({ db: tx, dialect: options.dialect, sqlite, statements });
        sqliteLogWriters.set(handle, writer);
        try {
          const value = await work(handle);
          writer.flush();
          return value;
        } finally {
          // The writer is only valid while the transaction holds the connection.
          writer.close();
          sqliteLogWriters.delete(handle);
        }
      });
    },
    async checkpointWal() {
      if (options.dialect === 'sqlite') await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
      await options.onClose?.();
    },
  };
}
