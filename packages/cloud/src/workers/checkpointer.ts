import { formatCheckpoint, signNote } from '@fieldproof/ledger';
import type { CloudContext } from '../context.ts';

/**
 * Sign and store a checkpoint of the log's current size if it grew since the last one.
 * Returns the size checkpointed, or undefined if nothing was new.
 */
export async function publishCheckpoint(context: CloudContext): Promise<number | undefined> {
  const { store, sequencer } = context;
  // Size and root from one snapshot: an append may commit while latestCheckpoint is awaited.
  const { size, rootHash } = sequencer.head();
  const latest = await store.latestCheckpoint();
  if (size === 0 || (latest && latest.size >= size)) return undefined;
  const body = formatCheckpoint({ origin: context.origin, size, rootHash, suite: context.suite });
  const note = signNote(body, { keyName: context.logKeyName, signer: context.logSigner });
  await store.insertCheckpoint(size, rootHash, note, context.clock());
  return size;
}

/** What to do when the checkpoint worker publishes. */
export interface CheckpointerOptions {
  /** Called with the size of each checkpoint the timer published (e.g. to send it to witnesses). */
  onPublished?: (size: number) => void;
}

/** The checkpoint worker: publishes a checkpoint every `checkpointIntervalMs` when the log grew. */
export function startCheckpointer(context: CloudContext, options: CheckpointerOptions = {}) {
  // One publish at a time: a slow store must not start a second one on the next tick.
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) return;
    running = publishCheckpoint(context)
      .then((size) => {
        if (size !== undefined) options.onPublished?.(size);
      })
      .catch((error) => context.log.error({ err: error }, 'checkpoint failed'))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, context.config.checkpointIntervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await publishCheckpoint(context);
    },
  };
}
