import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { postgresBackend, type StoreBackend, sqliteBackend } from '../../_test/store-backends.ts';
import type { CloudStore } from '../storage/cloud-store.ts';
import { createKyselyEventStore, type EventStore, type StoredEventRow } from './kysely-event-store.ts';

const row = (index: number, overrides: Partial<StoredEventRow> = {}): StoredEventRow => ({
  event_id: index.toString(16).padStart(64, '0'),
  edge_id: 'edge-1',
  device_id: index % 2 === 0 ? 'cell-1' : 'line-1',
  type: index % 2 === 0 ? 'stock.movement' : 'production.run',
  function_name: 'derive-stock-movements',
  function_version: 1,
  start_time_ms: 1_000 + index,
  end_time_ms: 2_000 + index,
  received_at_ms: 10_000 + Math.floor(index / 2),
  body: `{"i":${index}}`,
  check_status: 'pending',
  check_attempts: 0,
  next_check_at_ms: 10_000 + index,
  checked_at_ms: null,
  check_detail: null,
  alert_id: null,
  ...overrides,
});

describe.each([sqliteBackend(), postgresBackend()])('event store contract on $name', (backend: StoreBackend) => {
  let store: CloudStore;
  let events: EventStore;
  let available = true;

  beforeAll(async () => {
    available = await backend.available();
  });
  beforeEach(async (context) => {
    if (!available) context.skip();
    store = await backend.open();
    events = createKyselyEventStore(store);
  });
  afterAll(async () => {
    await backend.cleanUp();
  });

  it('inserts once by event id, lists with filters in pages, and counts by status', async () => {
    for (let index = 0; index < 7; index++) expect(await events.insert(row(index))).toBe(true);
    expect(await events.insert(row(0, { body: '{"other":1}' }))).toBe(false);
    expect((await events.get(row(0).event_id))?.body).toBe('{"i":0}');
    expect(await events.get('ff'.repeat(32))).toBeUndefined();
    const ids = (page: { events: StoredEventRow[] }) => page.events.map((event) => event.body);
    expect(ids(await events.list({ limit: 100, deviceId: 'cell-1' }))).toEqual([
      '{"i":6}',
      '{"i":4}',
      '{"i":2}',
      '{"i":0}',
    ]);
    expect(ids(await events.list({ limit: 100, type: 'production.run' }))).toEqual(['{"i":5}', '{"i":3}', '{"i":1}']);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await events.list({ limit: 2, ...(cursor === undefined ? {} : { cursor }) });
      seen.push(...ids(page));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    expect(seen).toEqual(ids(await events.list({ limit: 100 })));
    expect(seen).toHaveLength(7);
    expect(await events.counts()).toMatchObject({ received: 7, pending: 7, matched: 0 });
  });

  it('hands out due events and records checks', async () => {
    for (let index = 0; index < 4; index++) await events.insert(row(index));
    expect((await events.due(10_001, 10)).map((event) => event.body)).toEqual(['{"i":0}', '{"i":1}']);
    await events.recordCheck(row(0).event_id, {
      status: 'mismatch',
      attempts: 1,
      nextCheckAtMs: 10_001,
      checkedAtMs: 10_001,
      detail: '{"code":"event_mismatch"}',
      alertId: 'alert-1',
    });
    await events.recordCheck(row(1).event_id, {
      status: 'pending',
      attempts: 1,
      nextCheckAtMs: 20_000,
      checkedAtMs: 10_001,
      detail: null,
      alertId: null,
    });
    expect((await events.due(10_003, 10)).map((event) => event.body)).toEqual(['{"i":2}', '{"i":3}']);
    expect(await events.get(row(0).event_id)).toMatchObject({
      check_status: 'mismatch',
      check_attempts: 1,
      alert_id: 'alert-1',
      check_detail: '{"code":"event_mismatch"}',
    });
    expect((await events.list({ limit: 10, checkStatus: 'mismatch' })).events).toHaveLength(1);
    expect(await events.counts()).toMatchObject({ received: 4, pending: 3, mismatch: 1 });
  });

  it('reads logged frames by id and by a device seq range', async () => {
    await store.insertEdge('edge-1', 'ed25519', new Uint8Array([1]), 0);
    await store.insertDevice('cell-1', 'ed25519', new Uint8Array([1]), 'edge-1', 0);
    const frames = Array.from({ length: 5 }, (_, seq) => ({
      id: seq.toString(16).padStart(64, 'a'),
      deviceId: 'cell-1',
      seq,
      deviceTimeMs: seq,
      leafIndex: seq,
      body: `{"seq":${seq}}`,
    }));
    await store.transaction((tx) =>
      tx.insertBatch(
        {
          edgeId: 'edge-1',
          batchSeq: 0,
          batchHash: 'h',
          header: '{}',
          logIndex: 0,
          leafHashes: frames.map(() => new Uint8Array(32)),
        },
        frames,
        1,
      ),
    );
    const byId = await events.framesById([frames[3]?.id as string, 'ff'.repeat(32), frames[1]?.id as string]);
    expect(byId.map((frame) => frame.seq).sort()).toEqual([1, 3]);
    expect((await events.deviceFrames('cell-1', 1, 3, 100)).map((frame) => frame.body)).toEqual([
      '{"seq":1}',
      '{"seq":2}',
      '{"seq":3}',
    ]);
    expect(await events.deviceFrames('cell-1', 1, 3, 2)).toHaveLength(2);
  });
});
