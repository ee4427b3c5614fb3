import { promisify } from 'node:util';
import { brotliCompress, gzip, constants as zlibConstants } from 'node:zlib';
import { createTlsFetch, createWakeableSleep, type FetchLike, readTlsFiles } from '@fieldproof/protocol';
import type { EdgeContext, EdgeExtension } from '../context.ts';
import { retryDelayMs } from '../uplink-pacing.ts';

/**
 * The uplink extension: sends outbox batches to the cloud strictly in order. A batch leaves the
 * outbox only when the cloud answered 200 (accepted now, or already accepted: batch ids are
 * idempotent). Failures back off exponentially with jitter, up to `cloud.retryMaxMs`. Bodies are
 * compressed per `uplink.compression` (the low-bandwidth profile), off the event loop.
 */
export function createUplinkExtension(
  context: EdgeContext,
): EdgeExtension & { idle(): Promise<void>; stats(): UplinkStats } {
  const { store, config, events, log } = context;
  let stopped = false;
  const pacing = createWakeableSleep();
  let loop: Promise<void> | undefined;
  let failures = 0;
  const idleWaiters: (() => void)[] = [];
  const stats: UplinkStats = { batchesSent: 0, framesSent: 0, bodyBytesSent: 0, bodyBytesUncompressed: 0 };
  // With cloud.tls the uplink trusts that CA (and presents this edge's certificate if given).
  const send: FetchLike = config.cloud.tls ? createTlsFetch(readTlsFiles(config.cloud.tls)) : fetch;

  const { sleep } = pacing;

  async function sendOne(): Promise<boolean> {
    const batch = store.nextUnsent();
    if (!batch) return false;
    const frames = store.batchFrames(batch.batch_seq);
    // The stored texts are already canonical JSON: splice them without re-serialising.
    const json = Buffer.from(`{"batch":${batch.header},"frames":[${frames.join(',')}]}`);
    const body = await encode(json);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'idempotency-key': `${config.edgeId}/${batch.batch_seq}`,
    };
    if (config.uplink.compression !== 'none') headers['content-encoding'] = config.uplink.compression;
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), config.cloud.timeoutMs);
    try {
      const response = await send(new URL('/v1/ingest/batches', config.cloud.url), {
        method: 'POST',
        headers,
        body,
        signal: controller.signal,
      });
      const text = await response.text();
      if (response.ok) {
        store.markSent(batch.batch_seq, context.clock());
        stats.batchesSent++;
        stats.framesSent += frames.length;
        stats.bodyBytesSent += body.length;
        stats.bodyBytesUncompressed += json.length;
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
        const delayMs = retryDelayMs(config.cloud, failures);
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

  const onBatched = () => pacing.wake();

  function encode(json: Buffer): Promise<Buffer> {
    switch (config.uplink.compression) {
      case 'none':
        return Promise.resolve(json);
      case 'gzip':
        return gzipAsync(json, { level: 9 });
      case 'br':
        // Quality 9 of 11: most of brotli's gain at a fraction of the CPU of 11 on a small gateway.
        return brotliAsync(json, {
          params: {
            [zlibConstants.BROTLI_PARAM_QUALITY]: 9,
            [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT,
            [zlibConstants.BROTLI_PARAM_SIZE_HINT]: json.length,
          },
        });
    }
  }

  return {
    name: 'uplink',
    /** Counts since start, for operators and the bytes-per-frame figures. */
    stats: () => ({ ...stats }),
    /** Resolves when the outbox is empty. */
    idle() {
      if (!store.nextUnsent()) return Promise.resolve();
      return new Promise((resolve) => {
        idleWaiters.push(resolve);
        pacing.wake();
      });
    },
    async start() {
      events.on('batched', onBatched);
      loop = run();
    },
    async stop() {
      stopped = true;
      events.off('batched', onBatched);
      pacing.wake();
      await loop;
    },
  };
}

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** What the uplink sent since start (batches the cloud accepted; retries are not counted). */
export interface UplinkStats {
  /** Batches the cloud accepted. */
  batchesSent: number;
  /** Frames in those batches. */
  framesSent: number;
  /** Request body bytes of those batches as sent (compressed when configured). */
  bodyBytesSent: number;
  /** The same bodies before compression. */
  bodyBytesUncompressed: number;
}
