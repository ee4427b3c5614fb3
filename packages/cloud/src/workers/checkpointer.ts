import { formatCheckpoint, signNote } from '@fieldproof/ledger';
import type { CloudContext } from '../context.ts';

/**
 * Sign and store a checkpoint of the log's current size if it grew since the last one.
 * Returns the size checkpointed, or undefined if nothing was new.
 */
export function publishCheckpoint(context: CloudContext): number | undefined {
  const { store, sequencer } = context;
  const size = sequencer.size;
  const latest = store.latestCheckpoint();
  if (size === 0 || (latest && latest.size >= size)) return undefined;
  const rootHash = sequencer.root();
  const body = formatCheckpoint({ origin: context.origin, size, rootHash, suite: context.suite });
  const note = signNote(body, { keyName: context.logKeyName, signer: context.logSigner });
  store.insertCheckpoint(size, rootHash, note, context.clock());
  return size;
}

/** What to do when the checkpoint worker publishes. */
export interface CheckpointerOptions {
  /** Called with the size of each checkpoint the timer published (e.g. to send it to witnesses). */
  onPublished?: (size: number) => void;
}

/** The checkpoint worker: publishes a checkpoint every `checkpointIntervalMs` when the log grew. */
export function startCheckpointer(context: CloudContext, options: CheckpointerOptions = {}) {
  const timer = setInterval(() => {
    try {
      const size = publishCheckpoint(context);
      if (size !== undefined) options.onPublished?.(size);
    } catch (error) {
      context.log.error({ err: error }, 'checkpoint failed');
    }
  }, context.config.checkpointIntervalMs);
  return {
    async stop() {
      clearInterval(timer);
      publishCheckpoint(context);
    },
  };
}
