import { randomInt } from 'node:crypto';
import { createTlsFetch, type FetchLike, readTlsFiles } from '@fieldproof/protocol';
import type { EdgeContext, EdgeExtension } from '../context.ts';

/**
 * The uplink extension: sends outbox batches to the cloud strictly in order. A batch leaves the
 * outbox only when the cloud answered 200 (accepted now, or already accepted: batch ids are
 * idempotent). Failures back off exponentially with jitter, up to `cloud.retryMaxMs`.
 */
export function createUplinkExtension(context: EdgeContext): EdgeExtension & { idle(): Promise<void> } {
  const { store, config, events, log } = context;
  let stopped = false;
  let wake: (() => void) | undefined;
  let loop: Promise<void> | undefined;
  let failures = 0;
  const idleWaiters: (() => void)[] = [];
  // With cloud.tls the uplink trusts that CA (and presents this edge's certificate if given).
  const send: FetchLike = config.cloud.tls ? createTlsFetch(readTlsFiles(config.cloud.tls)) : fetch;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
    });

  async function sendOne(): Promise<boolean> {
    const batch = store.nextUnsent();
    if (!batch) return false;
    const frames = store.batchFrames(batch.batch_seq);
    // The stored texts are already canonical JSON: splice them without re-serialising.
    const body = `{"batch":${batch.header},"frames":[${frames.join(',')}]}`;
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), config.cloud.timeoutMs);
    try {
      const response = await send(new URL('/v1/ingest/batches', config.cloud.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': `${config.edgeId}/${batch.batch_seq}` },
        body,
        signal: controller.signal,
      });
      const text = await response.text();
      if (response.ok) {
        store.markSent(batch.batch_seq, context.clock());
        failures = 0;
        events.emit('sent', batch.batch_seq);
        return true;
      }
      throw new Error(`cloud answered ${response.status}: ${text.slice(0, 500)}`);
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
        const batch = store.nextUnsent();
        const message = (error as Error).message;
        if (batch) store.markFailed(batch.batch_seq, message);
        const ceiling = Math.min(config.cloud.retryMaxMs, config.cloud.retryBaseMs * 2 ** Math.min(failures - 1, 20));
        const delayMs = Math.floor(ceiling / 2 + randomInt(Math.max(1, Math.floor(ceiling / 2))));
        log.warn({ batchSeq: batch?.batch_seq, failures, retryInMs: delayMs }, `uplink failed: ${message}`);
        await sleep(delayMs);
        continue;
      }
      if (!sent) {
        for (const resolve of idleWaiters.splice(0)) resolve();
        await sleep(1_000);
      }
    }
  }

  const onBatched = () => wake?.();

  return {
    name: 'uplink',
    /** Resolves when the outbox is empty. */
    idle() {
      if (!store.nextUnsent()) return Promise.resolve();
      return new Promise((resolve) => {
        idleWaiters.push(resolve);
        wake?.();
      });
    },
    async start() {
      events.on('batched', onBatched);
      loop = run();
    },
    async stop() {
      stopped = true;
      events.off('batched', onBatched);
      wake?.();
      await loop;
    },
  };
}
