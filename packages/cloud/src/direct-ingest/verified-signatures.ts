import { createHash } from 'node:crypto';
import { assert, type VerifyItem } from '@fieldproof/protocol';

/** Counters of the memo, for tests and logs. */
export interface VerifiedSignaturesStats {
  /** Signatures remembered as verified. */
  remembered: number;
  /** Signatures the sequencer did not verify again because the verify step just had. */
  reused: number;
  /** Remembered signatures dropped, oldest first, to stay within `entriesMax`. */
  evicted: number;
}

/** Signatures the direct-ingest verify step found good in this process, until the sequencer uses them. */
export interface VerifiedSignatures {
  /** Remember that `item` verified (call only with a true verdict). */
  remember(item: VerifyItem): void;
  /** True, once, if this exact item (alg, key, message, signature) was remembered; it is then forgotten. */
  take(item: VerifyItem): boolean;
  stats(): VerifiedSignaturesStats;
}

/**
 * A bounded memo of verified signatures, so a direct frame is not verified twice in one process
 * (the verify step, then `ingestBatch` in the sequencer). It is keyed by a SHA-256 of the whole
 * item — algorithm, public key, message and signature — so it can only vouch for the very check
 * `ingestBatch` is about to make: a frame that reached the bus some other way (a JetStream subject,
 * another ingest node), or whose device key changed in between, is simply not found and is
 * verified as usual. Oldest entries go first past `entriesMax` (then they are verified again).
 * Precondition: `entriesMax` ≥ 1.
 */
export function createVerifiedSignatures(options: { entriesMax: number }): VerifiedSignatures {
  assert(Number.isInteger(options.entriesMax) && options.entriesMax >= 1, 'entriesMax is a positive integer');
  const keys = new Set<string>();
  const stats: VerifiedSignaturesStats = { remembered: 0, reused: 0, evicted: 0 };
  const keyOf = (item: VerifyItem): string => {
    const hash = createHash('sha256');
    // Length-prefixed fields: no two different items share an encoding.
    for (const part of [Buffer.from(item.alg), item.publicKey, item.message, item.signature]) {
      const length = Buffer.alloc(4);
      length.writeUInt32BE(part.length);
      hash.update(length).update(part);
    }
    return hash.digest('base64');
  };
  return {
    remember(item) {
      const key = keyOf(item);
      keys.delete(key);
      keys.add(key);
      stats.remembered++;
      while (keys.size > options.entriesMax) {
        const oldest = keys.values().next().value as string;
        keys.delete(oldest);
        stats.evicted++;
      }
    },
    take(item) {
      const found = keys.delete(keyOf(item));
      if (found) stats.reused++;
      return found;
    },
    stats: () => ({ ...stats }),
  };
}
