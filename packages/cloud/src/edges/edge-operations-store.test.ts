import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { postgresBackend, type StoreBackend, sqliteBackend } from '../../_test/store-backends.ts';
import type { CloudStore } from '../storage/cloud-store.ts';
import { createEdgeOperationsStore, type EdgeOperationsStore, heartbeatHistoryMax } from './edge-operations-store.ts';

describe.each([sqliteBackend(), postgresBackend()])('edge operations store on $name', (backend: StoreBackend) => {
  let store: CloudStore;
  let operations: EdgeOperationsStore;
  let available = true;

  beforeAll(async () => {
    available = await backend.available();
  });
  beforeEach(async (context) => {
    if (!available) context.skip();
    store = await backend.open();
    operations = createEdgeOperationsStore(store);
    await store.insertEdge('edge-1', 'ed25519', new Uint8Array([1]), 1);
  });
  afterAll(async () => {
    await backend.cleanUp();
  });

  it('stores config versions only as they rise', async () => {
    expect(await operations.latestConfig('edge-1')).toBeUndefined();
    expect(await operations.putConfig('edge-1', 2, '{"v":2}', 10)).toEqual({ stored: true, previous: 0 });
    expect(await operations.putConfig('edge-1', 2, '{"v":2b}', 11)).toEqual({ stored: false, previous: 2 });
    expect(await operations.putConfig('edge-1', 1, '{"v":1}', 12)).toEqual({ stored: false, previous: 2 });
    expect(await operations.putConfig('edge-1', 3, '{"v":3}', 13)).toEqual({ stored: true, previous: 2 });
    expect(await operations.latestConfig('edge-1')).toEqual({ version: 3, body: '{"v":3}', created_at_ms: 13 });
  });

  it('keeps the latest heartbeats per edge, bounded', async () => {
    for (let n = 0; n < heartbeatHistoryMax + 5; n++) await operations.insertHeartbeat('edge-1', `{"n":${n}}`, 100 + n);
    const rows = await operations.heartbeats('edge-1', 1_000);
    expect(rows.length).toBe(heartbeatHistoryMax);
    expect(rows[0]?.body).toBe(`{"n":${heartbeatHistoryMax + 4}}`);
    const latest = await operations.latestHeartbeats();
    expect(latest.get('edge-1')?.received_at_ms).toBe(100 + heartbeatHistoryMax + 4);
  });

  it('records a pending key, approves it above the accepted batches only, once', async () => {
    await store.setEdgeHead('edge-1', 4, 'ab'.repeat(32));
    expect(await operations.insertPendingKey('edge-1', 'k1', 'ed25519', new Uint8Array([2]), 20)).toBe(true);
    expect(await operations.insertPendingKey('edge-1', 'k1', 'ed25519', new Uint8Array([2]), 21)).toBe(false);
    expect(await operations.approveKey('edge-1', 'k1', 4, 22)).toEqual({ refused: expect.stringMatching(/taken/) });
    expect(await operations.approveKey('edge-1', 'k1', undefined, 23)).toEqual({ fromBatchSeq: 5 });
    expect(await operations.approveKey('edge-1', 'k1', undefined, 24)).toEqual({
      refused: expect.stringMatching(/approved/),
    });
    const [key] = await operations.keys('edge-1');
    expect(key).toMatchObject({ key_id: 'k1', state: 'approved', from_batch_seq: 5, decided_at_ms: 23 });
    expect(key?.public_key).toEqual(Buffer.from([2]));
    // A second rotation must start after the first.
    expect(await operations.insertPendingKey('edge-1', 'k2', 'ed25519', new Uint8Array([3]), 25)).toBe(true);
    expect(await operations.approveKey('edge-1', 'k2', 5, 26)).toEqual({ refused: expect.stringMatching(/taken/) });
    expect(await operations.approveKey('edge-1', 'k2', 9, 27)).toEqual({ fromBatchSeq: 9 });
    expect((await operations.approvedKeys()).map((row) => row.key_id).sort()).toEqual(['k1', 'k2']);
  });

  it('approves after a transaction holding the edge row (an ingest) commits, from the seq after its batch', async () => {
    await store.setEdgeHead('edge-1', 4, 'ab'.repeat(32));
    expect(await operations.insertPendingKey('edge-1', 'k1', 'ed25519', new Uint8Array([2]), 20)).toBe(true);
    let approval: Promise<unknown> | undefined;
    let approvedEarly = false;
    let committed = false;
    await store.transaction(async (tx) => {
      // As ingest does inside the log's write: lock the edge, read its key history, append batch 5.
      expect((await tx.lockEdge('edge-1'))?.last_batch_seq).toBe(4);
      approval = operations.approveKey('edge-1', 'k1', undefined, 21).then((outcome) => {
        approvedEarly = !committed;
        return outcome;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await operations.inTransaction(tx).keys('edge-1')).map((key) => key.state)).toEqual(['pending']);
      await tx.setEdgeHead('edge-1', 5, 'cd'.repeat(32));
      committed = true;
    });
    // The approval waited for the batch, so it gives the new key the seq after it, not batch 5.
    expect(await approval).toEqual({ fromBatchSeq: 6 });
    expect(approvedEarly).toBe(false);
  });

  it('spends a nonce once and forgets old ones', async () => {
    expect(await operations.rememberNonce('edge-1', 'n-1', 1_000, 0)).toBe(true);
    expect(await operations.rememberNonce('edge-1', 'n-1', 1_001, 0)).toBe(false);
    expect(await operations.rememberNonce('edge-2', 'n-1', 1_002, 0)).toBe(true);
    expect(await operations.rememberNonce('edge-1', 'n-1', 5_000, 2_000)).toBe(true);
  });
});
