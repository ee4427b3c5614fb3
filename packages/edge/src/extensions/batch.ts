import { hashLeaf, merkleRoot } from '@fieldproof/ledger';
import {
  type BatchHeader,
  canonicalize,
  GENESIS_BATCH_HASH,
  type SignedBatchHeader,
  suiteHash,
  toBase64,
  toHex,
  utf8,
} from '@fieldproof/protocol';
import type { EdgeContext, EdgeExtension } from '../context.ts';

/**
 * The batch extension: groups verified frames under an RFC 9162 Merkle root, signs a header
 * chained to the previous batch and commits it to the outbox with its frames in one transaction.
 * A batch closes when `batch.framesMax` frames wait or the oldest has waited `batch.intervalMs`;
 * while the uplink is behind, only when full or after `batch.backlogIntervalMs`.
 */
export function createBatchExtension(context: EdgeContext): EdgeExtension & { flush(): number } {
  const { store, config, events, log, signer } = context;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  /** Close batches from everything waiting (or only full ones); returns how many were made. */
  function cut(onlyFull: boolean): number {
    let made = 0;
    for (;;) {
      const waiting = store.unbatchedStats();
      if (waiting.n === 0) return made;
      if (onlyFull && waiting.n < config.batch.framesMax) return made;
      const rows = store.unbatched(config.batch.framesMax);
      const first = rows[0];
      const last = rows[rows.length - 1];
      if (!first || !last) return made;
      const leafHashes = rows.map((row) => hashLeaf(config.suite, utf8(row.body)));
      const previous = store.lastBatch();
      let firstTimeMs = Number.MAX_SAFE_INTEGER;
      let lastTimeMs = 0;
      for (const row of rows) {
        firstTimeMs = Math.min(firstTimeMs, row.device_time_ms);
        lastTimeMs = Math.max(lastTimeMs, row.device_time_ms);
      }
      const header: BatchHeader = {
        edgeId: config.edgeId,
        batchSeq: previous ? previous.batch_seq + 1 : 0,
        previousBatchHash: previous ? previous.batch_hash : GENESIS_BATCH_HASH,
        root: toBase64(merkleRoot(config.suite, leafHashes)),
        count: rows.length,
        firstTimeMs,
        lastTimeMs,
        suite: config.suite,
      };
      // After a key rotation, the key approved for this batch seq (docs/edge-operations.md).
      const batchSigner = context.keys?.signerFor(header.batchSeq) ?? signer;
      const signed: SignedBatchHeader = {
        header,
        alg: batchSigner.alg,
        sig: toBase64(batchSigner.sign(utf8(canonicalize(header)))),
      };
      const text = canonicalize(signed);
      const batchHash = toHex(suiteHash(config.suite, utf8(text)));
      store.commitBatch(header.batchSeq, text, batchHash, first.id, last.id, rows.length, context.clock());
      log.debug({ batchSeq: header.batchSeq, count: rows.length }, 'batch signed');
      events.emit('batched', header.batchSeq);
      made++;
    }
  }

  const onAccepted = () => {
    if (cut(true) > 0) arm();
  };

  function arm(): void {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    const waiting = store.unbatchedStats();
    // Behind, a due batch may be held back: look again an interval later, not in a tight loop.
    const delayMs =
      waiting.oldest === null || store.nextUnsent() !== undefined
        ? config.batch.intervalMs
        : Math.max(0, waiting.oldest + config.batch.intervalMs - context.clock());
    timer = setTimeout(
      () => {
        timer = undefined;
        try {
          const waitingNow = store.unbatchedStats();
          const waitedMs = waitingNow.oldest === null ? -1 : context.clock() - waitingNow.oldest;
          // While unsent batches wait, a small batch would only add a round trip to the drain.
          const behind = store.nextUnsent() !== undefined;
          if (waitedMs >= config.batch.intervalMs && (!behind || waitedMs >= config.batch.backlogIntervalMs)) {
            cut(false);
          }
        } catch (error) {
          log.error({ err: error }, 'batching failed');
        }
        arm();
      },
      Math.min(delayMs, config.batch.intervalMs),
    );
  }

  return {
    name: 'batch',
    flush: () => cut(false),
    async start() {
      events.on('accepted', onAccepted);
      arm();
    },
    async stop() {
      stopped = true;
      events.off('accepted', onAccepted);
      if (timer) clearTimeout(timer);
      // Seal what is waiting so the next start uplinks it without waiting for a timer.
      cut(false);
    },
  };
}
