import { hashLeaf, merkleRoot } from '@fieldproof/ledger';
import {
  type CryptoSuiteName,
  canonicalize,
  canonicalizeSignedFrame,
  type KeyPair,
  type SignedBatchHeader,
  type SignedFrame,
  sign,
  suiteHash,
  toBase64,
  toHex,
  utf8,
} from '@fieldproof/protocol';

/** A signed batch upload as an edge posts it, with the hash the next batch chains to. */
export interface BuiltBatch {
  /** The edge-signed header. */
  batch: SignedBatchHeader;
  /** The frames under its root, in leaf order. */
  frames: SignedFrame[];
  /** Leaf hashes of the frames. */
  leafHashes: Uint8Array[];
  /** Hex hash of the canonical signed header (the next batch's previousBatchHash). */
  batchHash: string;
}

/** Sign a batch of frames as edge `edgeId` would. */
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

/** POST JSON to the cloud (with the admin token when given); throws with the status and body on a non-2xx answer. */
export async function postJson(url: string, body: unknown, adminToken?: string): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(adminToken ? { authorization: `Bearer ${adminToken}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
}
