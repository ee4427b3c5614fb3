import {
  createTlsFetch,
  createWakeableSleep,
  type DerivedEvent,
  eventsPerUploadMax,
  type FetchLike,
  readTlsFiles,
  signEventUpload,
} from '@fieldproof/protocol';
import type { EdgeContext, EdgeExtension } from '../context.ts';
import { retryDelayMs } from '../uplink-pacing.ts';

/** What the events uplink sent since start. */
export interface EventUplinkStats {
  /** Uploads the cloud answered 200. */
  uploadsSent: number;
  /** Events the cloud stored now. */
  eventsAccepted: number;
  /** Events the cloud had already (a resend). */
  eventsDuplicate: number;
  /** Events the cloud refused, by code (they are quarantined there and not sent again). */
  eventsRejected: Record<string, number>;
}

/**
 * The events uplink: sends the derived events the cloud has not accepted (store.unsentEvents), up
 * to eventsPerUploadMax at a time, oldest first, as `POST /v1/events` signed with the edge key
 * (signEventUpload: the cloud verifies it with the key it registered for this edge). On a 200 the
 * events are marked sent, including those the cloud refused with a per-event code (a resend would
 * be refused again; the cloud keeps them in quarantine). Any other answer backs off exponentially
 * with jitter up to `cloud.retryMaxMs` and resends the same events: the cloud is idempotent by event id.
 */
export function createEventUplinkExtension(
  context: EdgeContext,
): EdgeExtension & { idle(): Promise<void>; stats(): EventUplinkStats } {
  const { store, config, events, log, signer } = context;
  let stopped = false;
  const pacing = createWakeableSleep();
  let loop: Promise<void> | undefined;
  let failures = 0;
  const idleWaiters: (() => void)[] = [];
  const stats: EventUplinkStats = { uploadsSent: 0, eventsAccepted: 0, eventsDuplicate: 0, eventsRejected: {} };
  const send: FetchLike = config.cloud.tls ? createTlsFetch(readTlsFiles(config.cloud.tls)) : fetch;

  const { sleep } = pacing;

  async function sendOne(): Promise<boolean> {
    const rows = store.unsentEvents(eventsPerUploadMax);
    if (rows.length === 0) return false;
    const upload = signEventUpload(
      signer,
      config.edgeId,
      rows.map((row) => JSON.parse(row.body) as DerivedEvent),
    );
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), config.cloud.timeoutMs);
    try {
      const response = await send(new URL('/v1/events', config.cloud.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify(upload)),
        signal: controller.signal,
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`cloud answered ${response.status}: ${text.slice(0, 500)}`);
      const result = JSON.parse(text) as {
        accepted: number;
        duplicates: number;
        rejected: { eventId: string; code: string; message: string }[];
      };
      store.markEventsSent(
        rows.map((row) => row.id),
        context.clock(),
      );
      stats.uploadsSent++;
      stats.eventsAccepted += result.accepted;
      stats.eventsDuplicate += result.duplicates;
      for (const rejected of result.rejected) {
        stats.eventsRejected[rejected.code] = (stats.eventsRejected[rejected.code] ?? 0) + 1;
        log.warn({ eventId: rejected.eventId, code: rejected.code }, `cloud refused event: ${rejected.message}`);
      }
      failures = 0;
      return true;
    } finally {
      clearTimeout(timeout);
    }
  }

  async function run(): Promise<void> {
    while (!stopped) {
      let sent = false;
      try {
        sent = await sendOne();
      } catch (error) {
        failures++;
        const delayMs = retryDelayMs(config.cloud, failures);
        log.warn({ failures, retryInMs: delayMs }, `events uplink failed: ${(error as Error).message}`);
        await sleep(delayMs);
        continue;
      }
      if (!sent) {
        for (const resolve of idleWaiters.splice(0)) resolve();
        await sleep(1_000);
      }
    }
  }

  const onDerived = () => pacing.wake();

  return {
    name: 'event-uplink',
    /** Counts since start. */
    stats: () => ({ ...stats, eventsRejected: { ...stats.eventsRejected } }),
    /** Resolves when no derived event waits to be sent. */
    idle() {
      if (store.unsentEvents(1).length === 0) return Promise.resolve();
      return new Promise((resolve) => {
        idleWaiters.push(resolve);
        pacing.wake();
      });
    },
    async start() {
      events.on('derived', onDerived);
      loop = run();
    },
    async stop() {
      stopped = true;
      events.off('derived', onDerived);
      pacing.wake();
      await loop;
    },
  };
}
