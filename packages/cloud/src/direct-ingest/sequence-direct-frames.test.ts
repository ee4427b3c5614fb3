import { canonicalize, type SignedFrame, utf8 } from '@fieldproof/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DirectCloud,
  type DirectDevice,
  directDevice,
  eventually,
  startDirectCloud,
} from '../../_test/direct-ingest-fixture.ts';
import type { BusDelivery, BusFrame } from '../bus/frame-bus.ts';
import { createInProcessFrameBus } from '../bus/in-process-frame-bus.ts';
import { createDirectIngestMetrics } from './direct-ingest-metrics.ts';
import { loadDirectIngestEdge } from './load-direct-ingest-edge.ts';
import { sequenceDirectFrames } from './sequence-direct-frames.ts';

const busFrame = (signed: SignedFrame, bytes?: Uint8Array): BusFrame => ({
  id: `${signed.frame.deviceId}:${signed.frame.seq}`,
  bytes: bytes ?? utf8(canonicalize(signed)),
  receivedAtMs: Date.now(),
  source: 'test',
});

describe('direct-ingest sequencer step, on the running pipeline', () => {
  let direct: DirectCloud;
  let device: DirectDevice;
  beforeAll(async () => {
    direct = await startDirectCloud({ batchWaitMs: 20 });
    device = directDevice('direct-seq-1');
    await direct.register(device);
  });
  afterAll(async () => direct?.close());

  it('turns bus frames into direct-edge batches in the log, and the bus empties only once they are stored', async () => {
    const bus = direct.cloud.directIngest?.bus;
    if (!bus) throw new Error('direct ingest is not running');
    const frames = Array.from({ length: 30 }, (_, index) => device.frame(index));
    // Each publish resolves once its frame is committed; all 30 go out before any is awaited.
    await Promise.all(frames.map((frame) => bus.publish(busFrame(frame))));
    expect(await bus.depth()).toBe(0);
    const store = direct.cloud.context.store;
    expect((await store.device(device.deviceId))?.last_seq).toBe(30);
    const head = await store.edge('cloud-direct');
    expect(head?.last_batch_seq).toBeGreaterThanOrEqual(0);
    const batch = await store.batchBySeq('cloud-direct', 0);
    expect(batch?.frame_count).toBeGreaterThan(0);
    expect((await store.recentFrames(100, device.deviceId)).length).toBe(30);
    expect(direct.cloud.directIngest?.metrics.framesStored).toBe(30);
  });
});

describe('direct-ingest sequencer step, driven by hand', () => {
  let direct: DirectCloud;
  let device: DirectDevice;
  let edge: Awaited<ReturnType<typeof loadDirectIngestEdge>>;
  beforeAll(async () => {
    // No sequencer in the server: the test pulls from its own bus and calls the step itself.
    direct = await startDirectCloud({}, { directIngest: { sequencer: false } });
    device = directDevice('direct-seq-2');
    await direct.register(device);
    edge = await loadDirectIngestEdge(direct.cloud.context.store, {
      dataDir: direct.dataDir,
      edgeId: 'cloud-direct',
      nowMs: Date.now(),
    });
  });
  afterAll(async () => direct?.close());

  /** Pull once from `bus` and run the step on what came, optionally losing the acks (a crash after commit). */
  async function runOnce(
    bus: ReturnType<typeof createInProcessFrameBus>,
    options: { loseAcks?: boolean; onAck?: (delivery: BusDelivery) => Promise<void> } = {},
  ) {
    const metrics = createDirectIngestMetrics();
    let outcome: Awaited<ReturnType<typeof sequenceDirectFrames>> | undefined;
    const consumer = bus.consume(
      async (deliveries) => {
        // One run per call; what a later pull brings goes back to the bus unsettled.
        if (outcome) return;
        const wrapped = deliveries.map((delivery) => ({
          frame: delivery.frame,
          ack: async () => {
            await options.onAck?.(delivery);
            if (!options.loseAcks) await delivery.ack();
          },
          nak: (delayMs?: number) => delivery.nak(delayMs),
        }));
        outcome = await sequenceDirectFrames(direct.cloud.context, {
          deliveries: wrapped,
          edge,
          batchFramesMax: 100,
          retryDelayMs: 10,
          metrics,
        });
      },
      { max: 100, waitMs: 20 },
    );
    await eventually(() => outcome !== undefined);
    await consumer.stop();
    return { outcome: outcome as NonNullable<typeof outcome>, metrics };
  }

  it('acks a frame only once it is stored, and after a lost ack redelivers it and drops it as a duplicate', async () => {
    const store = direct.cloud.context.store;
    const bus = createInProcessFrameBus({ busFramesMax: 100 });
    const frames = [device.frame(1), device.frame(2), device.frame(3)];
    // A publish resolves only on its frame's ack, which this test's consumers give (or lose).
    let answered = 0;
    const published = frames.map((frame) => bus.publish(busFrame(frame)).then(() => answered++));
    const storedAtAck: boolean[] = [];
    const logSizeBefore = await store.logSize();
    // The consumer "dies" after the commit and before its acks: nothing acked.
    const first = await runOnce(bus, {
      loseAcks: true,
      onAck: async (delivery) => {
        const seq = Number(delivery.frame.id.split(':')[1]);
        const rows = await store.recentFrames(100, device.deviceId);
        storedAtAck.push(rows.some((row) => row.seq === seq));
      },
    });
    expect(storedAtAck).toEqual([true, true, true]);
    expect(first.outcome.framesStored).toBe(3);
    expect(await bus.depth()).toBe(3);
    expect(answered).toBe(0);
    expect(await store.logSize()).toBe(logSizeBefore + 1);
    // The next consumer gets the same three again: dropped as duplicates, acked, nothing logged twice.
    const second = await runOnce(bus);
    expect(second.outcome).toMatchObject({ batchSeqs: [], framesStored: 0, duplicates: 3 });
    expect(second.metrics.duplicates).toBe(3);
    await Promise.all(published);
    expect(answered).toBe(3);
    expect(await bus.depth()).toBe(0);
    expect(await store.logSize()).toBe(logSizeBefore + 1);
    expect((await store.recentFrames(100, device.deviceId)).length).toBe(3);
    expect(bus.stats().redelivered).toBeGreaterThanOrEqual(3);
  });

  it('drops a frame delivered twice in one pull and a device resending a logged frame', async () => {
    const store = direct.cloud.context.store;
    const bus = createInProcessFrameBus({ busFramesMax: 100 });
    const again = device.frame(4);
    const published = [
      bus.publish(busFrame(again)),
      // The same frame under another bus id (another ingest node took it too): still one leaf.
      bus.publish({ ...busFrame(again), id: `${again.frame.deviceId}:${again.frame.seq}:other-node` }),
    ];
    const first = await runOnce(bus);
    expect(first.outcome).toMatchObject({ framesStored: 1, duplicates: 1 });
    await Promise.all(published);
    const resent = bus.publish(busFrame(again));
    const second = await runOnce(bus);
    await resent;
    expect(second.outcome).toMatchObject({ framesStored: 0, duplicates: 1, batchSeqs: [] });
    expect((await store.recentFrames(100, device.deviceId)).filter((row) => row.seq === 4)).toHaveLength(1);
  });

  it('quarantines a bad frame with its code while the good frames around it land', async () => {
    const store = direct.cloud.context.store;
    const bus = createInProcessFrameBus({ busFramesMax: 100 });
    const before = await store.rejectCounts();
    const good1 = device.frame(5);
    const forged = device.frame(6);
    (forged.frame.readings[0] as { value: number }).value = 99; // signature no longer covers it
    const good2 = device.frame(7);
    const replay = device.frame(8, 2); // a different frame reusing the spent seq 2
    // Quarantined is settled too: every publish is answered once the batch is committed.
    const published = [
      bus.publish(busFrame(good1)),
      bus.publish(busFrame(forged)),
      bus.publish(busFrame(good2)),
      bus.publish(busFrame(replay)),
      bus.publish({ id: 'junk:0', bytes: utf8('{"not":"a frame"}'), receivedAtMs: Date.now(), source: 'test' }),
    ];
    const { outcome } = await runOnce(bus);
    await Promise.all(published);
    expect(outcome.framesStored).toBe(2);
    expect(outcome.framesQuarantined).toBe(3);
    expect(await bus.depth()).toBe(0);
    const after = await store.rejectCounts();
    const delta = (code: string) => (after[code] ?? 0) - (before[code] ?? 0);
    expect(delta('frame_signature_invalid')).toBe(1);
    expect(delta('frame_replayed')).toBe(1);
    expect(delta('frame_malformed')).toBe(1);
    const seqs = (await store.recentFrames(100, device.deviceId)).map((row) => row.seq).sort((a, b) => a - b);
    expect(seqs).toEqual([1, 2, 3, 4, 5, 7]);
  });
});
