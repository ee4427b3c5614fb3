import { readdirSync } from 'node:fs';
import { FieldproofError } from '@fieldproof/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectToSchema, dropSchema, freshSchemaName, postgresTestUrl } from '../../_test/postgres-fixture.ts';
import { postgresBackend, type StoreBackend, sqliteBackend } from '../../_test/store-backends.ts';
import type { CloudStore, FrameInsert } from './cloud-store.ts';
import { statementParametersMax } from './kysely-cloud-store.ts';
import { splitStatements } from './migrate-cloud-store.ts';
import { openPostgresCloudStore } from './postgres/open-postgres-cloud-store.ts';

const hash = (index: number) => {
  const bytes = new Uint8Array(32);
  new DataView(bytes.buffer).setFloat64(0, index);
  return bytes;
};

describe.each([sqliteBackend(), postgresBackend()])('cloud store contract on $name', (backend: StoreBackend) => {
  let store: CloudStore;
  let available = true;

  beforeAll(async () => {
    available = await backend.available();
  });
  beforeEach(async (context) => {
    if (!available) context.skip();
    store = await backend.open();
  });
  afterAll(async () => {
    await backend.cleanUp();
  });

  it('keeps meta values and replaces them', async () => {
    expect(await store.getMeta('origin')).toBeUndefined();
    await store.setMeta('origin', 'a');
    await store.setMeta('origin', 'b');
    expect(await store.getMeta('origin')).toBe('b');
  });

  it('registers an edge and a device once, and finds devices in one call', async () => {
    expect(await store.insertEdge('edge-1', 'ed25519', new Uint8Array([1, 2]), 5)).toBe(true);
    expect(await store.insertEdge('edge-1', 'ed25519', new Uint8Array([9]), 6)).toBe(false);
    expect(await store.insertDevice('dev-1', 'p256', new Uint8Array([3]), 'edge-1', 7)).toBe(true);
    expect(await store.insertDevice('dev-1', 'p256', new Uint8Array([4]), 'edge-1', 8)).toBe(false);
    const edge = await store.edge('edge-1');
    expect(edge).toMatchObject({ edge_id: 'edge-1', alg: 'ed25519', created_at_ms: 5, last_batch_seq: null });
    expect(new Uint8Array(edge?.public_key ?? [])).toEqual(new Uint8Array([1, 2]));
    await store.setEdgeHead('edge-1', 0, 'ab');
    expect(await store.edge('edge-1')).toMatchObject({ last_batch_seq: 0, last_batch_hash: 'ab' });
    await store.setDeviceSeq('dev-1', 41);
    const devices = await store.devicesById(['dev-1', 'dev-2', 'dev-1']);
    expect([...devices.keys()]).toEqual(['dev-1']);
    expect(devices.get('dev-1')).toMatchObject({ last_seq: 41, edge_id: 'edge-1' });
    expect((await store.edges()).map((row) => row.edge_id)).toEqual(['edge-1']);
    expect((await store.devices()).length).toBe(1);
    // A keyless device (Modbus, OPC UA) is registered as edge-attested; others default to device-signed.
    expect(devices.get('dev-1')?.attestation).toBe('device-signed');
    expect(await store.insertDevice('meter-1', 'ed25519', new Uint8Array(), 'edge-1', 9, 'edge-attested')).toBe(true);
    expect(await store.device('meter-1')).toMatchObject({ attestation: 'edge-attested', edge_id: 'edge-1' });
  });

  it('stores a batch with more frames than one statement may bind', async () => {
    await store.insertEdge('edge-1', 'ed25519', new Uint8Array([1]), 0);
    await store.insertDevice('dev-1', 'ed25519', new Uint8Array([1]), 'edge-1', 0);
    const count = Math.ceil(statementParametersMax / 8) + 10;
    const frames: FrameInsert[] = Array.from({ length: count }, (_, i) => ({
      id: `frame-${i}`,
      deviceId: 'dev-1',
      seq: i,
      deviceTimeMs: 1_000 + i,
      leafIndex: i,
      body: `{"seq":${i}}`,
    }));
    const leafHashes = frames.map((_, i) => hash(i));
    const id = await store.transaction((tx) =>
      tx.insertBatch(
        { edgeId: 'edge-1', batchSeq: 0, batchHash: 'h0', header: '{}', logIndex: 0, leafHashes },
        frames,
        99,
      ),
    );
    const batch = await store.batchBySeq('edge-1', 0);
    expect(batch).toMatchObject({ id, frame_count: count, log_index: 0, received_at_ms: 99 });
    expect(batch?.leaf_hashes.length).toBe(32 * count);
    expect(await store.batchById(id)).toEqual(batch);
    expect(await store.batchFrameCount(id)).toBe(count);
    expect(await store.frame(`frame-${count - 1}`)).toMatchObject({ seq: count - 1, batch_id: id });
    expect((await store.recentFrames(2, 'dev-1')).map((row) => row.seq)).toEqual([count - 1, count - 2]);
    expect(await store.totals()).toEqual({ frames: count, batches: 1, quarantined: 0, devices: 1, edges: 1 });
  });

  it('stores log entries and hashes in bulk and reads them back in the order asked', async () => {
    expect(await store.logSize()).toBe(0);
    const size = 20_000;
    await store.transaction(async (tx) => {
      await tx.insertLogEntries(
        Array.from({ length: size }, (_, i) => ({ leafIndex: i, kind: 'bench', data: hash(i), createdAtMs: 1 })),
      );
      await tx.insertHashes(Array.from({ length: size }, (_, i) => ({ index: i, hash: hash(i) })));
    });
    expect(await store.logSize()).toBe(size);
    expect(await store.readLogEntries(256, 3)).toEqual([hash(256), hash(257), hash(258)]);
    await expect(store.readLogEntries(size - 1, 2)).rejects.toThrow(/not all stored/);
    const wanted = [19_999, 0, 77, 16_000];
    expect(await store.readHashes(wanted)).toEqual(wanted.map(hash));
    await expect(store.readHashes([size])).rejects.toThrow(/missing/);
  });

  it('keeps the first checkpoint of a size and finds the latest', async () => {
    await store.insertCheckpoint(3, hash(3), 'note 3', 1);
    await store.insertCheckpoint(3, hash(4), 'other', 2);
    await store.insertCheckpoint(7, hash(7), 'note 7', 3);
    expect(await store.latestCheckpoint()).toMatchObject({ size: 7, note: 'note 7' });
    const three = await store.checkpointAt(3);
    expect(three?.note).toBe('note 3');
    expect(new Uint8Array(three?.root ?? [])).toEqual(hash(3));
    expect(
      await store.anchors({ chainId: 1, contractAddress: '0xAB', originHash: '0xCD' }).checkpointsAfter(3, 5),
    ).toEqual([{ size: 7, rootHash: hash(7), note: 'note 7' }]);
  });

  it('quarantines and counts rejects', async () => {
    const item = {
      receivedAtMs: 5,
      source: 'http',
      code: 'batch_malformed' as const,
      message: 'bad',
      edgeId: null,
      payload: new Uint8Array([1, 2, 3]),
      payloadBytes: 3,
    };
    await store.quarantine(item);
    await store.quarantine({ ...item, code: 'edge_unknown' });
    await store.transaction((tx) => tx.quarantine(item));
    expect(await store.rejectCounts()).toEqual({ batch_malformed: 2, edge_unknown: 1 });
    const rows = await store.quarantineList(0, 10);
    expect(rows.map((row) => row.code)).toEqual(['batch_malformed', 'edge_unknown', 'batch_malformed']);
    expect(new Uint8Array(rows[0]?.payload ?? [])).toEqual(new Uint8Array([1, 2, 3]));
    expect(await store.quarantineList(rows[1]?.id ?? 0, 10)).toHaveLength(1);
  });

  it('rolls a failed transaction back', async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.setMeta('k', 'v');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.getMeta('k')).toBeUndefined();
  });

  it('never shows a transaction its rows to another reader before the commit', async () => {
    let committed = false;
    let seen: string | undefined | null = null;
    let read: Promise<void> | undefined;
    await store.transaction(async (tx) => {
      await tx.setMeta('k', 'v');
      read = store.getMeta('k').then((value) => {
        // Either the read waited for the commit (SQLite) or it saw the state before it (PostgreSQL).
        seen = value;
        if (value !== undefined) expect(committed).toBe(true);
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      committed = true;
    });
    await read;
    expect(seen === undefined || seen === 'v').toBe(true);
  });

  it('runs two writers of one log one after the other', async () => {
    const order: string[] = [];
    const writer = (name: string, pauseMs: number) =>
      store.transaction(async (tx) => {
        await tx.lockLog('log-a');
        order.push(`${name} start`);
        const size = await tx.logSize();
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
        await tx.insertLogEntries([{ leafIndex: size, kind: 'k', data: hash(size), createdAtMs: 0 }]);
        order.push(`${name} end`);
      });
    await Promise.all([writer('a', 100), writer('b', 0)]);
    expect(order).toEqual(['a start', 'a end', 'b start', 'b end']);
    expect(await store.logSize()).toBe(2);
  });

  it('records cosignatures and each witness its last size', async () => {
    await store.recordCosignature(5, 'w1', 'line w1 5', 1);
    await store.recordCosignature(5, 'w1', 'line again', 2);
    await store.recordCosignature(5, 'w2', 'line w2 5', 3);
    await store.recordCosignature(9, 'w1', 'line w1 9', 4);
    expect(await store.witnessSize('w1')).toBe(9);
    expect(await store.witnessSize('nobody')).toBe(0);
    await store.setWitnessSize('w2', 12);
    expect(await store.witnessSize('w2')).toBe(12);
    expect(await store.hasCosignature(5, 'w2')).toBe(true);
    expect(await store.hasCosignature(9, 'w2')).toBe(false);
    expect(await store.cosignaturesAt(5)).toEqual([
      { witness: 'w1', line: 'line w1 5' },
      { witness: 'w2', line: 'line w2 5' },
    ]);
    expect(await store.sizesCosignedBy(1)).toEqual([9, 5]);
    expect(await store.sizesCosignedBy(2)).toEqual([5]);
    expect(await store.sizesCosignedBy(1, 8)).toEqual([5]);
  });

  it('records decisions', async () => {
    const row = {
      decision_id: 'd1',
      type: 'consent',
      organisation_id: 'org',
      subject_id: 's1',
      decided_at_ms: 10,
      log_index: 4,
      body: '{}',
    };
    await store.insertDecision(row, 11);
    await expect(store.insertDecision({ ...row, decision_id: 'd2' }, 12)).rejects.toThrow();
    expect(await store.decisionById('d1')).toEqual({ ...row, created_at_ms: 11 });
    expect(await store.decisionsBySubject('s1', 10)).toHaveLength(1);
  });

  it('keeps anchors: one pending per log, then final or superseded', async () => {
    const anchors = store.anchors({ chainId: 31337, contractAddress: '0xABC', originHash: '0xDEF' });
    const other = store.anchors({ chainId: 31337, contractAddress: '0xabc', originHash: '0x123' });
    expect(await anchors.lastSettledSize()).toBe(0);
    await anchors.insertPending({
      size: 4,
      rootHash: '0x01',
      checkpointHash: '0x02',
      txHash: '0x03',
      nonce: 0,
      rawTransaction: '0x04',
      nowMs: 1,
    });
    await expect(
      anchors.insertPending({
        size: 5,
        rootHash: '0x01',
        checkpointHash: '0x02',
        txHash: '0x05',
        nonce: 1,
        rawTransaction: undefined,
        nowMs: 1,
      }),
    ).rejects.toThrow();
    expect(await other.pending()).toBeUndefined();
    expect(await anchors.pending()).toMatchObject({ size: 4, state: 'pending', nonce: 0, rawTransaction: '0x04' });
    await anchors.markFinal(4, 100, 2);
    await expect(anchors.markFinal(4, 100, 2)).rejects.toThrow(/no pending anchor/);
    await anchors.insertSuperseded(6, '0x06', '0x07', 3);
    expect(await anchors.lastSettledSize()).toBe(6);
    expect(await anchors.anchorAt(4)).toMatchObject({ state: 'final', blockNumber: 100, rawTransaction: undefined });
    expect((await anchors.anchors()).map((row) => [row.size, row.state])).toEqual([
      [4, 'final'],
      [6, 'superseded'],
    ]);
    await anchors.insertPending({
      size: 8,
      rootHash: '0x01',
      checkpointHash: '0x02',
      txHash: '0x08',
      nonce: 2,
      rawTransaction: undefined,
      nowMs: 4,
    });
    await anchors.deletePending(8);
    expect(await anchors.pending()).toBeUndefined();
  });
});

describe('cloud store on PostgreSQL only', () => {
  const backend = postgresBackend();
  let available = true;
  beforeAll(async () => {
    available = await backend.available();
  });
  afterAll(async () => {
    await backend.cleanUp();
  });

  it('refuses an int8 above Number.MAX_SAFE_INTEGER', async (context) => {
    if (!available) context.skip();
    const store = await backend.open();
    await store.insertCheckpoint(2 ** 53 + 2, new Uint8Array(32), 'too big', 0);
    await expect(store.latestCheckpoint()).rejects.toThrow(/MAX_SAFE_INTEGER/);
  });

  it('records its migrations and opens a migrated schema again unchanged', async (context) => {
    if (!available) context.skip();
    const schema = freshSchemaName();
    try {
      const first = await openPostgresCloudStore({ url: postgresTestUrl, schema });
      await first.setMeta('k', 'v');
      await first.close();
      const again = await openPostgresCloudStore({ url: postgresTestUrl, schema });
      expect(again.dialect).toBe('postgres');
      expect(await again.getMeta('k')).toBe('v');
      await again.close();
      const client = await connectToSchema(schema);
      const rows = await client.query('SELECT name FROM kysely_migration ORDER BY name');
      await client.end();
      // Every migration file of the dialect, in name order, recorded once.
      const files = readdirSync(new URL('./postgres/migrations/', import.meta.url))
        .filter((name) => name.endsWith('.sql'))
        .sort()
        .map((name) => name.replace(/\.sql$/, ''));
      expect(files).toContain('0001-cloud');
      expect(rows.rows.map((row) => row.name)).toEqual(files);
    } finally {
      await dropSchema(schema);
    }
  });
});

describe('cloud store that is down', () => {
  it('is a store_unavailable error naming the redacted URL', async () => {
    const error = await openPostgresCloudStore({ url: 'postgres://fp:secret@127.0.0.1:1/test' }).catch((e) => e);
    expect(error).toBeInstanceOf(FieldproofError);
    expect(error.code).toBe('store_unavailable');
    expect(error.message).toContain('127.0.0.1:1');
    expect(error.message).not.toContain('secret');
    expect(postgresTestUrl).toMatch(/^postgres:/);
  });
});

describe('migration files', () => {
  it('split at a semicolon that ends a line, without comment lines', () => {
    expect(splitStatements('-- a comment; still\nCREATE TABLE a (x INT);\n\nCREATE INDEX b ON a (x);\n')).toEqual([
      'CREATE TABLE a (x INT)',
      'CREATE INDEX b ON a (x)',
    ]);
  });
});
