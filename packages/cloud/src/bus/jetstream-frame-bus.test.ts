import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureNatsRunning, natsAvailable, natsTestUrl, restartNats } from '../../_test/nats-fixture.ts';
import type { BusDelivery, BusFrame, FrameBus } from './frame-bus.ts';
import { type JetStreamFrameBusOptions, openJetStreamFrameBus } from './jetstream-frame-bus.ts';

const available = await natsAvailable();
const runId = randomBytes(4).toString('hex');
const streams: string[] = [];

function busOptions(name: string, overrides: Partial<JetStreamFrameBusOptions> = {}): JetStreamFrameBusOptions {
  const stream = `FP_TEST_${runId}_${name}`.toUpperCase();
  streams.push(stream);
  return {
    servers: natsTestUrl,
    stream,
    subjectPrefix: `fptest_${runId}_${name}`,
    logId: 'main',
    duplicateWindowMs: 60_000,
    ackWaitMs: 1_000,
    busFramesMax: 10_000,
    ackPendingMax: 1_000,
    publishTimeoutMs: 2_000,
    ...overrides,
  };
}

function frame(deviceId: string, seq: number): BusFrame {
  return {
    id: `${deviceId}:${seq}`,
    bytes: new TextEncoder().encode(JSON.stringify({ deviceId, seq })),
    receivedAtMs: 1_700_000_000_000 + seq,
    source: 'test/mqtt',
  };
}

/** Consume until `count` distinct ids were acked (or the time runs out); returns every delivery seen. */
async function collect(bus: FrameBus, count: number, options: { ack: boolean; timeoutMs?: number }) {
  const seen: BusFrame[] = [];
  const acked = new Set<string>();
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const consumer = bus.consume(
    async (deliveries: BusDelivery[]) => {
      for (const delivery of deliveries) {
        seen.push(delivery.frame);
        if (options.ack) {
          await delivery.ack();
          acked.add(delivery.frame.id);
        }
      }
      if (seen.length >= count && (!options.ack || acked.size >= count)) done();
    },
    { max: 100, waitMs: 100 },
  );
  const timer = setTimeout(done, options.timeoutMs ?? 20_000);
  await finished;
  clearTimeout(timer);
  await consumer.stop();
  return seen;
}

afterAll(async () => {
  if (!available) return;
  await ensureNatsRunning();
  const connection = await connect({ servers: natsTestUrl });
  const manager = await jetstreamManager(connection);
  for (const stream of streams) await manager.streams.delete(stream).catch(() => false);
  await connection.close();
}, 30_000);

describe.runIf(available)('JetStream frame bus (the machine NATS)', () => {
  it('delivers published frames with their metadata, and an acked frame is gone', async () => {
    const bus = await openJetStreamFrameBus(busOptions('basic'));
    try {
      for (let seq = 0; seq < 50; seq++) await bus.publish(frame('dev-a', seq));
      expect(await bus.depth()).toBe(50);
      const seen = await collect(bus, 50, { ack: true });
      expect(seen.map((item) => item.id)).toEqual(Array.from({ length: 50 }, (_, seq) => `dev-a:${seq}`));
      expect(seen[3]).toEqual(frame('dev-a', 3));
      await expect.poll(() => bus.depth(), { timeout: 5_000 }).toBe(0);
    } finally {
      await bus.close();
    }
  }, 30_000);

  it('stores a frame published twice under one id once (Nats-Msg-Id dedup)', async () => {
    const bus = await openJetStreamFrameBus(busOptions('dedup'));
    try {
      await bus.publish(frame('dev-b', 7));
      await bus.publish(frame('dev-b', 7));
      await bus.publish(frame('dev-b', 8));
      expect(await bus.depth()).toBe(2);
      const seen = await collect(bus, 2, { ack: true });
      expect(seen.map((item) => item.id).sort()).toEqual(['dev-b:7', 'dev-b:8']);
      // Still a duplicate after its first copy was acked and left the work queue.
      await bus.publish(frame('dev-b', 7));
      await expect.poll(() => bus.depth(), { timeout: 5_000 }).toBe(0);
    } finally {
      await bus.close();
    }
  }, 30_000);

  it('redelivers frames a stopped consumer never acked, to the next consumer of the durable', async () => {
    const options = busOptions('redeliver');
    const first = await openJetStreamFrameBus(options);
    for (let seq = 0; seq < 20; seq++) await first.publish(frame('dev-c', seq));
    const unacked = await collect(first, 20, { ack: false, timeoutMs: 5_000 });
    expect(unacked.length).toBeGreaterThanOrEqual(20);
    await first.close();
    // A new process (a restarted sequencer) on the same durable consumer gets them all again.
    const second = await openJetStreamFrameBus(options);
    try {
      const seen = await collect(second, 20, { ack: true });
      expect(new Set(seen.map((item) => item.id)).size).toBe(20);
      await expect.poll(() => second.depth(), { timeout: 5_000 }).toBe(0);
    } finally {
      await second.close();
    }
  }, 30_000);

  it('a nak comes back; a failing handler gets its frames again', async () => {
    const bus = await openJetStreamFrameBus(busOptions('nak'));
    try {
      await bus.publish(frame('dev-d', 1));
      let calls = 0;
      const acked: string[] = [];
      const consumer = bus.consume(
        async (deliveries) => {
          calls++;
          if (calls === 1) throw new Error('store down');
          for (const delivery of deliveries) {
            await delivery.ack();
            acked.push(delivery.frame.id);
          }
        },
        { max: 10, waitMs: 50 },
      );
      const deadline = Date.now() + 10_000;
      while (acked.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      await consumer.stop();
      expect(acked).toEqual(['dev-d:1']);
      expect(calls).toBeGreaterThanOrEqual(2);
    } finally {
      await bus.close();
    }
  }, 30_000);

  it('survives a NATS restart (kill -9): nothing accepted is lost, publisher and consumer reconnect', async () => {
    const bus = await openJetStreamFrameBus(busOptions('restart', { publishTimeoutMs: 1_000 }));
    try {
      for (let seq = 0; seq < 30; seq++) await bus.publish(frame('dev-e', seq));
      const seen = new Set<string>();
      const consumer = bus.consume(
        async (deliveries) => {
          for (const delivery of deliveries) {
            // Ack only the first half before the restart; the rest stay un-acked in the stream.
            if (Number(delivery.frame.id.split(':')[1]) < 15) {
              await delivery.ack();
              seen.add(delivery.frame.id);
            } else await delivery.nak(200);
          }
        },
        { max: 10, waitMs: 50 },
      );
      const until = async (check: () => boolean) => {
        const deadline = Date.now() + 20_000;
        while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      };
      await until(() => seen.size >= 15);
      await consumer.stop();
      await restartNats(300).catch(async (error) => {
        await ensureNatsRunning();
        throw error;
      });
      // Published after the restart, once the client has reconnected (publish retries until then).
      let published = false;
      const deadline = Date.now() + 15_000;
      while (!published && Date.now() < deadline) {
        published = await bus.publish(frame('dev-e', 30)).then(
          () => true,
          (error: { code?: string }) => {
            expect(error.code).toBe('bus_unavailable');
            return false;
          },
        );
      }
      expect(published).toBe(true);
      const after = new Set<string>();
      const again = bus.consume(
        async (deliveries) => {
          for (const delivery of deliveries) {
            after.add(delivery.frame.id);
            await delivery.ack();
          }
        },
        { max: 10, waitMs: 50 },
      );
      const expected = Array.from({ length: 16 }, (_, index) => `dev-e:${index + 15}`);
      await until(() => expected.every((id) => after.has(id)));
      await again.stop();
      // Every un-acked frame and the new one come back. Acks confirmed just before a kill -9 may
      // come back too (the server syncs its consumer state to disk periodically): at-least-once,
      // and the store's (device, seq) key drops them.
      expect(expected.filter((id) => !after.has(id))).toEqual([]);
      expect([...after].every((id) => /^dev-e:\d+$/.test(id))).toBe(true);
      await expect.poll(() => bus.depth(), { timeout: 5_000 }).toBe(0);
    } finally {
      await bus.close();
      await ensureNatsRunning();
    }
  }, 60_000);
});
