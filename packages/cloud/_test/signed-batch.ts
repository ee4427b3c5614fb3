/**
 * Signed frames and edge batches for tests that need real data in a cloud, made the way a device
 * and an edge make them: RFC 8785 canonical bytes, RFC 9162 leaf hashes and root, a signed header
 * chained to the last. The cloud may not import the device or edge packages, so the few lines of
 * signing live here; the cli's tests use the same file through `cli/_test/signed-batch.ts`.
 */
import { hashLeaf, merkleRoot } from '@fieldproof/ledger';
import {
  type CryptoSuiteName,
  canonicalize,
  canonicalizeFrame,
  canonicalizeSignedFrame,
  type Frame,
  GENESIS_BATCH_HASH,
  type KeyPair,
  type SignedBatchHeader,
  type SignedFrame,
  sign,
  suiteHash,
  toBase64,
  toHex,
  utf8,
} from '@fieldproof/protocol';

/** A device-signed frame. */
export function signFrame(deviceKey: KeyPair, frame: Frame): SignedFrame {
  return { frame, alg: deviceKey.alg, sig: toBase64(sign(deviceKey, utf8(canonicalizeFrame(frame)))) } as SignedFrame;
}

/** A device-signed frame of one weight reading whose value is `seq` kilograms. */
export function signWeightFrame(deviceKey: KeyPair, deviceId: string, seq: number, deviceTimeMs: number): SignedFrame {
  return signFrame(deviceKey, { deviceId, seq, deviceTimeMs, readings: [{ kind: 'weight', value: seq, unit: 'kg' }] });
}

/** A signed batch as an edge makes it, with the hash the next batch chains to. */
export interface BuiltBatch {
  /** The edge-signed header; post `{ batch, frames }` to `/v1/ingest/batches`. */
  batch: SignedBatchHeader;
  /** The frames under its root, in leaf order. */
  frames: SignedFrame[];
  /** Leaf hashes of the frames. */
  leafHashes: Uint8Array[];
  /** Hex hash of the canonical signed header (the next batch's previousBatchHash). */
  batchHash: string;
}

/** Sign a batch of `frames` as edge `edgeId` would, at `batchSeq` after `previousBatchHash`. */
export function buildBatch(
  edgeKey: KeyPair,
  edgeId: string,
  batchSeq: number,
  previousBatchHash: string,
  frames: SignedFrame[],
  suite: CryptoSuiteName = 'intl',
): BuiltBatch {
  const leafHashes = frames.map((frame) => hashLeaf(suite, utf8(canonicalizeSignedFrame(frame).signed)));
  const times = frames.map((frame) => frame.frame.deviceTimeMs);
  const header = {
    edgeId,
    batchSeq,
    previousBatchHash,
    root: toBase64(merkleRoot(suite, leafHashes)),
    count: frames.length,
    firstTimeMs: Math.min(...times),
    lastTimeMs: Math.max(...times),
    suite,
  };
  const batch: SignedBatchHeader = {
    header,
    alg: edgeKey.alg,
    sig: toBase64(sign(edgeKey, utf8(canonicalize(header)))),
  };
  return { batch, frames, leafHashes, batchHash: toHex(suiteHash(suite, utf8(canonicalize(batch)))) };
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

/** An edge that signs `intl` batches on its chain and posts them; the chain advances only on acceptance. */
export function createBatchPoster(cloudUrl: string, edgeKey: KeyPair, edgeId: string) {
  let batchSeq = 0;
  let previousBatchHash = GENESIS_BATCH_HASH;
  return {
    /** Sign and post one batch of `frames`. */
    async post(frames: SignedFrame[]): Promise<BatchAnswer> {
      const built = buildBatch(edgeKey, edgeId, batchSeq, previousBatchHash, frames);
      const response = await fetch(`${cloudUrl}/v1/ingest/batches`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ batch: built.batch, frames }),
      });
      const answer = { status: response.status, body: (await response.json()) as BatchAnswer['body'] };
      if (response.ok) {
        batchSeq++;
        previousBatchHash = built.batchHash;
      }
      return answer;
    },
  };
}
