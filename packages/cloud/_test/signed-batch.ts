/**
 * Signed frames and edge batches for tests that need real data in the cloud: what a device and an
 * edge would send, signed with keys the test makes (the cloud may not import the device or edge
 * packages, so the few lines of signing live here).
 */
import { hashLeaf, merkleRoot } from '@fieldproof/ledger';
import {
  type BatchUpload,
  type CryptoSuiteName,
  canonicalize,
  canonicalizeFrame,
  canonicalizeSignedFrame,
  type Frame,
  type KeyPair,
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

/** A batch upload of `frames` signed by edge `edgeId`, and the hash the next batch chains to. */
export function signBatch(
  edgeKey: KeyPair,
  edgeId: string,
  batchSeq: number,
  previousBatchHash: string,
  frames: SignedFrame[],
  suite: CryptoSuiteName = 'intl',
): { upload: BatchUpload; batchHash: string } {
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
  const batch = { header, alg: edgeKey.alg, sig: toBase64(sign(edgeKey, utf8(canonicalize(header)))) };
  return {
    upload: { batch, frames } as BatchUpload,
    batchHash: toHex(suiteHash(suite, utf8(canonicalize(batch)))),
  };
}
