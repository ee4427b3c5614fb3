import pg from 'pg';

/** Where and for which log to take the lease. */
export interface AcquireSequencerLeaseParameters {
  /** The PostgreSQL store's URL. */
  url: string;
  /** The store's schema (the lease is per schema and log: advisory locks are per database). */
  schema: string | undefined;
  /** The log's key (its checkpoint origin). */
  logKey: string;
  /** Pause between tries while another sequencer holds the lease. */
  retryMs: number;
  /** Called once per wait, so the operator sees why this sequencer is idle. */
  onWait?: () => void;
  /** Stops the waiting (the process is shutting down); resolves `undefined` then. */
  signal?: AbortSignal;
}

/** A held lease: released by `release()` or by the death of this process (its session ends). */
export interface SequencerLease {
  /** Whether the session holding the lock is still open (a lost connection loses the lease). */
  readonly held: boolean;
  /** Give the lease up (the next waiting sequencer takes over). */
  release(): Promise<void>;
}

/**
 * Take the lease of the one sequencer of a log: a session-level PostgreSQL advisory lock on a
 * dedicated connection. A second sequencer waits here until the first releases it or dies (its
 * connection closes and the server drops the lock), then takes over; so exactly one process
 * consumes the log's bus subject and signs its checkpoints at a time. The per-transaction log
 * lock (`lockLog`) still guards every append, so even two holders could not interleave a write.
 * Resolves `undefined` only when `signal` aborts while waiting.
 */
export async function acquireSequencerLease(
  parameters: AcquireSequencerLeaseParameters,
): Promise<SequencerLease | undefined> {
  const key = `fieldproof-sequencer:${parameters.schema ?? ''}:${parameters.logKey}`;
  let waited = false;
  for (;;) {
    if (parameters.signal?.aborted) return undefined;
    const client = new pg.Client({ connectionString: parameters.url, application_name: 'fieldproof-sequencer' });
    let lost = false;
    // An idle client whose server goes away emits 'error'; without a listener it would crash us.
    client.on('error', () => {
      lost = true;
    });
    client.on('end', () => {
      lost = true;
    });
    try {
      await client.connect();
      for (;;) {
        const result = await client.query<{ locked: boolean }>(
          'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked',
          [key],
        );
        if (result.rows[0]?.locked === true) {
          return {
            get held() {
              return !lost;
            },
            async release() {
              if (lost) return;
              await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]).catch(() => {});
              await client.end().catch(() => {});
            },
          };
        }
        if (!waited) parameters.onWait?.();
        waited = true;
        if (parameters.signal?.aborted) {
          await client.end().catch(() => {});
          return undefined;
        }
        await new Promise((resolve) => setTimeout(resolve, parameters.retryMs));
        if (lost) throw new Error('connection lost while waiting for the sequencer lease');
      }
    } catch {
      await client.end().catch(() => {});
      // The store is unreachable: keep trying, as the other roles do.
      await new Promise((resolve) => setTimeout(resolve, parameters.retryMs));
    }
  }
}
