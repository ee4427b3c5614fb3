import { FieldproofError } from '@fieldproof/protocol';
import { describe, expect, it } from 'vitest';
import type { BusDelivery, BusFrame } from './frame-bus.ts';
import { createInProcessFrameBus } from './in-process-frame-bus.ts';

const frame = (seq: number): BusFrame => ({
  id: `dev-1:${seq}`,
  bytes: new TextEncoder().encode(`{"seq":${seq}}`),
  receivedAtMs: 1_700_000_000_000 + seq,
  source: 'test',
});

/** Collect deliveries until `count` have been handed out, settling each with `settle`. */
function collect(
  bus: ReturnType<typeof createInProcessFrameBus>,
  count: number,
  settle: (delivery: BusDelivery) => Promise<void>,
  max = 10,
) {
  const seen: string[] = [];
  let resolveDone: () => void;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const consumer = bus.consume(
    async (deliveries) => {
      for (const delivery of deliveries) {
        seen.push(delivery.frame.id);
        await settle(delivery);
      }
      if (seen.length >= count) resolveDone();
    },
    { max, waitMs: 20 },
  );
  return { seen, done, consumer };
}

describe('in-process frame bus', () => {
  it('delivers in order in pulls of up to max and forgets a frame once acked', async () => {
    const bus = createInProcessFrameBus({ busFramesMax: 100 });
    // A publish resolves only once its frame is acked: publish all, then consume.
    const published = Array.from({ length: 25 }, (_, seq) => bus.publish(frame(seq)));
    expect(await bus.depth()).toBe(25);
    const sizes: number[] = [];
    const seen: string[] = [];
    let resolveDone: () => void;
    const done = new Promise<void>((resolve) => {
      resolveDone = resolve;
    });
    const consumer = bus.consume(
      async (deliveries) => {
        sizes.push(deliveries.length);
        for (const delivery of deliveries) {
          seen.push(delivery.frame.id);
          await delivery.ack();
        }
        if (seen.length === 25) resolveDone();
      },
      { max: 10, waitMs: 20 },
    );
    await done;
    await Promise.all(published);
    await consumer.stop();
    expect(sizes).toEqual([10, 10, 5]);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, seq) => `dev-1:${seq}`));
    expect(await bus.depth()).toBe(0);
    expect(bus.stats()).toMatchObject({ published: 25, acked: 25, redelivered: 0 });
    await bus.close();
  });

  it('redelivers un-acked frames to the next consumer after a consumer stops', async () => {
    const bus = createInProcessFrameBus({ busFramesMax: 100 });
    const answered: string[] = [];
    const published = Array.from({ length: 4 }, (_, seq) =>
      bus.publish(frame(seq)).then(() => answered.push(`dev-1:${seq}`)),
    );
    // The first consumer acks only the even seqs, then "dies" with the rest in flight.
    let release: () => void = () => {};
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    let handed = 0;
    const first = bus.consume(
      async (deliveries) => {
        handed += deliveries.length;
        for (const delivery of deliveries) {
          if (Number(delivery.frame.id.split(':')[1]) % 2 === 0) await delivery.ack();
        }
        await blocked;
      },
      { max: 10, waitMs: 20 },
    );
    while (handed < 4) await new Promise((resolve) => setTimeout(resolve, 5));
    const stopped = first.stop();
    release();
    await stopped;
    expect(await bus.depth()).toBe(2);
    // Only the acked frames were answered; the others wait for the next consumer.
    expect(answered.sort()).toEqual(['dev-1:0', 'dev-1:2']);
    const second = collect(bus, 2, (delivery) => delivery.ack());
    await second.done;
    await second.consumer.stop();
    expect(second.seen).toEqual(['dev-1:1', 'dev-1:3']);
    await Promise.all(published);
    expect(answered).toHaveLength(4);
    expect(await bus.depth()).toBe(0);
    expect(bus.stats().redelivered).toBe(2);
    await bus.close();
  });

  it('redelivers after a nak (with its delay) and after a handler that throws', async () => {
    const bus = createInProcessFrameBus({ busFramesMax: 100 });
    const published = [bus.publish(frame(0)), bus.publish(frame(1))];
    const attempts = new Map<string, number>();
    const started = Date.now();
    let nakedAgainAtMs = 0;
    const run = collect(bus, 5, async (delivery) => {
      const n = (attempts.get(delivery.frame.id) ?? 0) + 1;
      attempts.set(delivery.frame.id, n);
      if (delivery.frame.id === 'dev-1:0' && n === 1) return delivery.nak(50);
      if (delivery.frame.id === 'dev-1:0' && n === 2) nakedAgainAtMs = Date.now();
      if (delivery.frame.id === 'dev-1:1' && n < 3) throw new Error('store hiccup');
      return delivery.ack();
    });
    await run.done;
    await Promise.all(published);
    await run.consumer.stop();
    expect(attempts.get('dev-1:0')).toBe(2);
    expect(attempts.get('dev-1:1')).toBe(3);
    expect(nakedAgainAtMs - started).toBeGreaterThanOrEqual(45);
    expect(await bus.depth()).toBe(0);
    await bus.close();
  });

  it('refuses with bus_full at busFramesMax, counts it, and takes frames again once acked', async () => {
    const bus = createInProcessFrameBus({ busFramesMax: 3 });
    const published = Array.from({ length: 3 }, (_, seq) => bus.publish(frame(seq)));
    const refused = await bus.publish(frame(3)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(FieldproofError);
    expect((refused as FieldproofError).code).toBe('bus_full');
    expect((refused as FieldproofError).status).toBe(503);
    expect(bus.stats().refusedFull).toBe(1);
    // An id still on the bus gets no second copy, even when full: that publish waits for the same ack.
    const again = bus.publish(frame(2));
    expect(bus.stats().duplicates).toBe(1);
    const run = collect(bus, 3, (delivery) => delivery.ack());
    await run.done;
    await Promise.all([...published, again]);
    await run.consumer.stop();
    const later = bus.publish(frame(3));
    expect(await bus.depth()).toBe(1);
    await bus.close();
    // Closing answers the publish still waiting: the frame is not in the log.
    expect(((await later.catch((error: unknown) => error)) as FieldproofError).code).toBe('bus_unavailable');
    const closed = await bus.publish(frame(4)).catch((error: unknown) => error);
    expect((closed as FieldproofError).code).toBe('bus_unavailable');
  });

  it('answers a publish only once its frame is acked, and gives up after publishWaitMs without losing the frame', async () => {
    const bus = createInProcessFrameBus({ busFramesMax: 10, publishWaitMs: 300 });
    // No consumer: the publish gives up, and the frame stays on the bus.
    const timedOut = await bus.publish(frame(0)).catch((error: unknown) => error);
    expect((timedOut as FieldproofError).code).toBe('bus_unavailable');
    expect((timedOut as FieldproofError).message).toContain('publishWaitMs 300');
    expect(await bus.depth()).toBe(1);
    // Sent again: no second copy; this publish waits for the frame's ack.
    let answered = false;
    const again = bus.publish(frame(0)).then(() => {
      answered = true;
    });
    let ackNow: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      ackNow = resolve;
    });
    const run = collect(bus, 1, async (delivery) => {
      await gate;
      await delivery.ack();
    });
    // Delivered but not yet acked: still no answer.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(answered).toBe(false);
    ackNow();
    await run.done;
    await again;
    expect(answered).toBe(true);
    expect(await bus.depth()).toBe(0);
    expect(bus.stats()).toMatchObject({ published: 1, duplicates: 1, acked: 1 });
    await run.consumer.stop();
    await bus.close();
  });
});
