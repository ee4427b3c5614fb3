import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { assert, IdSchema } from '@fieldproof/protocol';

/**
 * Hands out each device's frame `seq`, strictly rising across calls and, for a persistent store,
 * across restarts. Gaps are allowed (a verifier sees them); a repeat never happens.
 */
export interface SeqStore {
  /**
   * The next seq for `deviceId`, greater than every seq this store (or an earlier instance on the
   * same folder) returned for it. Precondition: `deviceId` is a valid frame device id.
   */
  next(deviceId: string): number;
}

/** Options of the file-backed store. */
export interface FileSeqStoreOptions {
  /** Seqs reserved per write of the high mark: one file write per `reserveBlock` frames [100]. */
  reserveBlock?: number;
}

/** Largest `reserveBlock`: a restart skips at most this many seqs. */
export const reserveBlockMax = 1_000_000;

/**
 * A seq store that survives restarts with hi-lo reservation: before handing out a seq at or above
 * the reserved high mark it reserves the next `reserveBlock` seqs by writing the new high mark
 * (the first seq not yet reserved) to `<folder>/<deviceId>.seq`, atomically (temporary file,
 * fsync, rename). A new instance on the same folder starts from the stored high mark, so a crash
 * leaves a gap of at most `reserveBlock` but never a repeat. Preconditions: only one process uses
 * `folder` at a time; `reserveBlock` is an integer in [1, reserveBlockMax]. The folder is created
 * if missing.
 */
export function createFileSeqStore(folder: string, options: FileSeqStoreOptions = {}): SeqStore {
  const reserveBlock = options.reserveBlock ?? 100;
  if (!(Number.isInteger(reserveBlock) && reserveBlock >= 1 && reserveBlock <= reserveBlockMax)) {
    throw new RangeError(`reserveBlock must be an integer in [1, ${reserveBlockMax}]`);
  }
  mkdirSync(folder, { recursive: true });
  const devices = new Map<string, { nextSeq: number; reservedHigh: number }>();

  const readHighMark = (path: string): number => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
    const highMark = Number(text.trim());
    if (!Number.isSafeInteger(highMark) || highMark < 0 || text.trim() === '') {
      throw new Error(`seq file ${path} does not hold a non-negative integer; refusing to guess a seq`);
    }
    return highMark;
  };

  const writeHighMark = (path: string, highMark: number): void => {
    const temporary = `${path}.${process.pid}.tmp`;
    const descriptor = openSync(temporary, 'w', 0o600);
    try {
      writeSync(descriptor, `${highMark}\n`);
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
    renameSync(temporary, path);
  };

  return {
    next(deviceId) {
      const parsed = IdSchema.safeParse(deviceId);
      if (!parsed.success) throw new RangeError(`deviceId ${JSON.stringify(deviceId)} is not a valid device id`);
      const path = join(folder, `${deviceId}.seq`);
      let state = devices.get(deviceId);
      if (state === undefined) {
        const highMark = readHighMark(path);
        state = { nextSeq: highMark, reservedHigh: highMark };
        devices.set(deviceId, state);
      }
      if (state.nextSeq >= state.reservedHigh) {
        const reservedHigh = state.nextSeq + reserveBlock;
        assert(Number.isSafeInteger(reservedHigh), 'seq stays a safe integer');
        // The reservation is durable before any seq in it is handed out.
        writeHighMark(path, reservedHigh);
        state.reservedHigh = reservedHigh;
      }
      const seq = state.nextSeq;
      state.nextSeq = seq + 1;
      assert(seq < state.reservedHigh, 'a seq handed out lies below the durable high mark');
      return seq;
    },
  };
}

/**
 * A seq store in memory, for tests and throwaway simulations: every device starts at `start`.
 * Precondition: `start` is a non-negative safe integer. Seqs repeat after a restart, so an edge
 * that remembers the device will reject its frames as replays; use createFileSeqStore for anything
 * that restarts.
 */
export function createMemorySeqStore(start = 0): SeqStore {
  if (!(Number.isSafeInteger(start) && start >= 0)) throw new RangeError('start must be a non-negative safe integer');
  const nextSeqs = new Map<string, number>();
  return {
    next(deviceId) {
      const seq = nextSeqs.get(deviceId) ?? start;
      assert(Number.isSafeInteger(seq + 1), 'seq stays a safe integer');
      nextSeqs.set(deviceId, seq + 1);
      return seq;
    },
  };
}
