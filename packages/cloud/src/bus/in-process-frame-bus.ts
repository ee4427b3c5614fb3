import { assert, FieldproofError } from '@fieldproof/protocol';
import type { BusDelivery, BusFrame, FrameBus, FrameBusConsumeOptions, FrameBusConsumer } from './frame-bus.ts';

/** Settings of the in-process bus. */
export interface InProcessFrameBusOptions {
  /** Most frames accepted and not yet acked (ready, in flight or waiting out a nak); publish refuses past it. */
  busFramesMax: number;
  /**
   * Longest a publish waits for its frame to be acked (in the log or quarantined) before it gives
   * up with `bus_unavailable`; the frame stays on the bus and is logged when the consumer gets to
   * it, so a sender that sends it again gets it logged once. Default 30 000.
   */
  publishWaitMs?: number;
}

/** Counters of the in-process bus, for /metrics and tests. */
export interface InProcessFrameBusStats {
  /** Frames accepted by publish. */
  published: number;
  /** Publishes of a frame whose id was still on the bus: accepted without a second copy. */
  duplicates: number;
  /** Publishes refused with `bus_full`. */
  refusedFull: number;
  /** Deliveries handed out again after a nak, a handler that threw or a consumer that stopped. */
  redelivered: number;
  /** Frames acked (in the log or quarantined). */
  acked: number;
}

/** The in-process bus with its counters. */
export interface InProcessFrameBus extends FrameBus {
  /** The counters so far. */
  stats(): InProcessFrameBusStats;
}

interface Entry {
  frame: BusFrame;
  /** `ready` to deliver, `flight` with a consumer, `delayed` after a nak with a delay. */
  state: 'ready' | 'flight' | 'delayed';
  /** How many times it was handed out. */
  deliveries: number;
  timer?: NodeJS.Timeout;
  /** The publishes waiting for this frame to be acked (the first one and any duplicate). */
  waiting: { resolve(): void; reject(error: FieldproofError): void }[];
}

/**
 * The embedded frame bus: a bounded in-memory queue with at-least-once delivery. A frame stays on
 * the bus from publish until a consumer acks it; a nak, a handler that throws or returns without
 * settling a delivery, and a consumer that stops all put the frame back for redelivery (in its
 * original order ahead of newer frames). Publishing an id that is still on the bus adds no second
 * copy, like JetStream's duplicate window.
 * The memory dies with the process, so a publish resolves only once a consumer acked the frame,
 * that is once it is committed to the store (in the log, or quarantined with its code): what a
 * sender was told is taken survives a crash (docs/direct-ingest.md). A publish of an id already on
 * the bus waits for that same ack. A full bus refuses at once with `bus_full`; a publish not acked
 * within `publishWaitMs`, or pending when the bus closes, fails with `bus_unavailable` (the frame
 * may still be logged; sending it again is harmless).
 * Precondition: `busFramesMax` ≥ 1, `publishWaitMs` ≥ 1.
 */
export function createInProcessFrameBus(options: InProcessFrameBusOptions): InProcessFrameBus {
  assert(Number.isInteger(options.busFramesMax) && options.busFramesMax >= 1, 'busFramesMax is a positive integer');
  const publishWaitMs = options.publishWaitMs ?? 30_000;
  assert(Number.isInteger(publishWaitMs) && publishWaitMs >= 1, 'publishWaitMs is a positive integer');
  // Insertion order is delivery order; a redelivered frame goes back to its old place.
  const entries = new Map<string, Entry>();
  const waiters = new Set<() => void>();
  const consumers = new Set<{ stop(): Promise<void> }>();
  const stats: InProcessFrameBusStats = { published: 0, duplicates: 0, refusedFull: 0, redelivered: 0, acked: 0 };
  let closed = false;

  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };

  /** Put an entry back to ready (if it is still on the bus and not already ready). */
  const release = (id: string, entry: Entry) => {
    if (entries.get(id) !== entry || entry.state === 'ready') return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.state = 'ready';
    stats.redelivered++;
    wake();
  };

  const take = (max: number): [string, Entry][] => {
    const taken: [string, Entry][] = [];
    for (const [id, entry] of entries) {
      if (taken.length >= max) break;
      if (entry.state !== 'ready') continue;
      entry.state = 'flight';
      entry.deliveries++;
      taken.push([id, entry]);
    }
    return taken;
  };

  const waitForReady = (waitMs: number, stopped: () => boolean): Promise<void> =>
    new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      waiters.add(done);
      if (stopped()) done();
    });

  /** Wait for `entry`'s ack, at most publishWaitMs. */
  const waitForAck = (entry: Entry): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve() {
          clearTimeout(timer);
          resolve();
        },
        reject(error: FieldproofError) {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        const index = entry.waiting.indexOf(waiter);
        if (index >= 0) entry.waiting.splice(index, 1);
        reject(
          new FieldproofError(
            'bus_unavailable',
            `the frame ${entry.frame.id} is on the bus but not yet in the log after publishWaitMs ${publishWaitMs}; send it again later (it is logged once)`,
            { publishWaitMs },
          ),
        );
      }, publishWaitMs);
      entry.waiting.push(waiter);
    });

  return {
    async publish(frame) {
      if (closed) throw new FieldproofError('bus_unavailable', 'the frame bus is closed (the cloud is stopping)');
      const present = entries.get(frame.id);
      if (present) {
        stats.duplicates++;
        return waitForAck(present);
      }
      if (entries.size >= options.busFramesMax) {
        stats.refusedFull++;
        throw new FieldproofError(
          'bus_full',
          `the frame bus holds busFramesMax ${options.busFramesMax} frames not yet in the log; retry after a short pause`,
          { busFramesMax: options.busFramesMax },
        );
      }
      const entry: Entry = { frame, state: 'ready', deliveries: 0, waiting: [] };
      entries.set(frame.id, entry);
      stats.published++;
      const acked = waitForAck(entry);
      wake();
      return acked;
    },

    consume(handler, consumeOptions: FrameBusConsumeOptions): FrameBusConsumer {
      assert(consumeOptions.max >= 1 && consumeOptions.waitMs >= 0, 'consume needs max ≥ 1 and waitMs ≥ 0');
      let stopping = false;
      let inFlight: [string, Entry][] = [];
      const loop = (async () => {
        while (!stopping && !closed) {
          let taken = take(consumeOptions.max);
          if (taken.length === 0) {
            await waitForReady(consumeOptions.waitMs, () => stopping || closed);
            if (stopping || closed) break;
            taken = take(consumeOptions.max);
            if (taken.length === 0) continue;
          }
          inFlight = taken;
          const settled = new Set<string>();
          const deliveries: BusDelivery[] = taken.map(([id, entry]) => ({
            frame: entry.frame,
            async ack() {
              if (settled.has(id)) return;
              settled.add(id);
              if (entries.get(id) === entry) {
                entries.delete(id);
                stats.acked++;
                for (const waiter of entry.waiting.splice(0)) waiter.resolve();
              }
            },
            async nak(delayMs?: number) {
              if (settled.has(id)) return;
              settled.add(id);
              if (entries.get(id) !== entry) return;
              if (delayMs !== undefined && delayMs > 0) {
                entry.state = 'delayed';
                entry.timer = setTimeout(() => release(id, entry), delayMs);
                entry.timer.unref();
              } else release(id, entry);
            },
          }));
          try {
            await handler(deliveries);
          } catch {
            // The handler failed before settling: what it did not ack comes round again.
          }
          for (const [id, entry] of taken) {
            if (!settled.has(id)) release(id, entry);
          }
          inFlight = [];
          // A turn of the event loop between pulls: a handler whose store answers in microtasks
          // (SQLite) must not starve timers and sockets while frames keep coming round.
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      const consumer = {
        async stop() {
          stopping = true;
          wake();
          await loop;
          for (const [id, entry] of inFlight) release(id, entry);
          consumers.delete(consumer);
        },
      };
      consumers.add(consumer);
      return consumer;
    },

    async depth() {
      return entries.size;
    },

    async close() {
      closed = true;
      wake();
      await Promise.all([...consumers].map((consumer) => consumer.stop()));
      const stopped = new FieldproofError(
        'bus_unavailable',
        'the cloud stopped before the frame was in the log; send it again (it is logged once)',
      );
      for (const entry of entries.values()) {
        if (entry.timer) clearTimeout(entry.timer);
        for (const waiter of entry.waiting.splice(0)) waiter.reject(stopped);
      }
    },

    stats: () => ({ ...stats }),
  };
}
