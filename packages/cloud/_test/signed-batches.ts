/**
 * Signed frames and edge batches for cloud tests, made the way a device and an edge make them
 * (RFC 8785 canonical bytes, RFC 9162 leaf hashes and root, a signed header chained to the last),
 * and posted to a real cloud's POST /v1/ingest/batches.
 */
import { hashLeaf, merkleRoot } from '@fieldproof/ledger';
import {
  canonicalize,
  canonicalizeSignedFrame,
  GENESIS_BATCH_HASH,
  type KeyPair,
  type SignedFrame,
  sign,
  suiteHash,
  toBase64,
  toHex,
  utf8,
} from '@fieldproof/protocol';

/** A device-signed frame of one weight reading. */
export function signedFrame(key: KeyPair, deviceId: string, seq: number, deviceTimeMs: number): SignedFrame {
  const frame = { deviceId, seq, deviceTimeMs, readings: [{ kind: 'weight', value: seq, unit: 'kg' }] };
  return { frame, alg: key.alg, sig: toBase64(sign(key, utf8(canonicalize(frame)))) };
}

/** The frame id (hex leaf hash) of a signed frame in the `intl` suite. */
export function frameIdOf(frame: SignedFrame): string {
  return toHex(hashLeaf('intl', utf8(canonicalizeSignedFrame(frame).signed)));
}

/** What the ingest endpoint answered. */
export interface BatchAnswer {
  status: number;
  body: {
    status?: string;
    framesStored?: number;
    framesRejected?: { index: number; code: string; message: string }[];
    error?: { code: string; message: string };
  };
}

/** An edge that signs batches on its chain and posts them; the chain advances only on acceptance. */
export function createBatchPoster(cloudUrl: string, edgeKey: KeyPair, edgeId: string) {
  let batchSeq = 0;
  let previousBatchHash = GENESIS_BATCH_HASH;
  return {
    /** Sign and post one batch of `frames`. */
    async post(frames: SignedFrame[]): Promise<BatchAnswer> {
      const leafHashes = frames.map((frame) => hashLeaf('intl', utf8(canonicalizeSignedFrame(frame).signed)));
      const times = frames.map((frame) => frame.frame.deviceTimeMs);
      const header = {
        edgeId,
        batchSeq,
        previousBatchHash,
        root: toBase64(merkleRoot('intl', leafHashes)),
        count: frames.length,
        firstTimeMs: Math.min(...times),
        lastTimeMs: Math.max(...times),
        suite: 'intl' as const,
      };
      const batch = { header, alg: edgeKey.alg, sig: toBase64(sign(edgeKey, utf8(canonicalize(header)))) };
      const response = await fetch(`${cloudUrl}/v1/ingest/batches`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ batch, frames }),
      });
      const answer = { status: response.status, body: (await response.json()) as BatchAnswer['body'] };
      if (response.ok) {
        batchSeq++;
        previousBatchHash = toHex(suiteHash('intl', utf8(canonicalize(batch))));
      }
      return answer;
    },
  };
}
