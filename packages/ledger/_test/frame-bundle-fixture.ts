// Builds a complete, valid frame proof bundle and its trust file from fresh keys, with the
// ledger's own tree and checkpoint code, for the bundle verifier's tests.
import {
  type BatchHeader,
  type CryptoSuiteName,
  canonicalBytes,
  type FrameProofBundle,
  GENESIS_BATCH_HASH,
  generateKeyPair,
  keyPairSigner,
  type SignatureAlgorithm,
  type SignedBatchHeader,
  type SignedFrame,
  sign,
  type TrustFile,
  toBase64,
  toHex,
  utf8,
} from '@fieldproof/protocol';
import { formatCheckpoint } from '../src/checkpoint/format-checkpoint.ts';
import { signNote } from '../src/checkpoint/sign-note.ts';
import { hashLeaf } from '../src/hash/rfc9162.ts';
import { proveInclusion } from '../src/proof/prove-inclusion.ts';
import {
  inclusionProofFromLeaves,
  memoryHashReader,
  merkleRoot,
  storedHashesFromLeaves,
} from '../src/tree/memory-tree.ts';

/** Keys of the three signers of a bundle. */
export interface FixtureAlgorithms {
  /** Device key algorithm. */
  device: SignatureAlgorithm;
  /** Edge key algorithm. */
  edge: SignatureAlgorithm;
  /** Log key algorithm. */
  log: SignatureAlgorithm;
}

/** A valid bundle, its trust file, and what is needed to forge variants of it. */
export interface FrameBundleFixture {
  /** A bundle that passes every check. */
  bundle: FrameProofBundle;
  /** The trust file with the three public keys. */
  trust: TrustFile;
  /** Sign a checkpoint body with the log's trusted key. */
  signCheckpoint: (body: string) => string;
  /** The checkpoint's tree size. */
  logSize: number;
  /** The checkpoint's root hash. */
  logRoot: Uint8Array;
}

/** Origin of the fixture's log; also its checkpoint key name. */
export const fixtureOrigin = 'log.fieldproof.example/tenant-7';

/**
 * Build a bundle for frame 2 of a 5-frame batch that is leaf 4 of a 7-leaf log. With
 * `attestation: 'edge-attested'` the frames are a keyless device's, signed by the edge over the
 * envelope {attestation, edgeId, frame} with the edge's key (`algs.edge`), and the trust file
 * lists no device key.
 */
export async function buildFrameBundle(
  suite: CryptoSuiteName,
  algs: FixtureAlgorithms,
  options: { attestation?: 'edge-attested' } = {},
): Promise<FrameBundleFixture> {
  const deviceKey = generateKeyPair(algs.device);
  const edgeKey = generateKeyPair(algs.edge);
  const logKey = generateKeyPair(algs.log);

  const frames: SignedFrame[] = Array.from({ length: 5 }, (_, i) => {
    const frame = {
      deviceId: 'scale-01',
      seq: 10 + i,
      deviceTimeMs: 1_700_000_000_000 + i * 1_000,
      readings: [{ kind: 'weight', value: 1250.5 + i, unit: 'kg' }],
    };
    if (options.attestation === 'edge-attested') {
      const edgeId = 'edge-warehouse-3';
      const envelope = { attestation: 'edge-attested' as const, edgeId, frame };
      return {
        frame,
        alg: algs.edge,
        sig: toBase64(sign(edgeKey, canonicalBytes(envelope))),
        attestation: 'edge-attested',
        edgeId,
      };
    }
    return { frame, alg: algs.device, sig: toBase64(sign(deviceKey, canonicalBytes(frame))) };
  });
  const frameLeaves = frames.map((frame) => hashLeaf(suite, canonicalBytes(frame)));
  const frameIndex = 2;

  const header: BatchHeader = {
    edgeId: 'edge-warehouse-3',
    batchSeq: 0,
    previousBatchHash: GENESIS_BATCH_HASH,
    root: toBase64(merkleRoot(suite, frameLeaves)),
    count: frames.length,
    firstTimeMs: 1_700_000_000_000,
    lastTimeMs: 1_700_000_004_000,
    suite,
  };
  const signedHeader: SignedBatchHeader = {
    header,
    alg: algs.edge,
    sig: toBase64(sign(edgeKey, canonicalBytes(header))),
  };

  // The log holds other entries around the batch.
  const logIndex = 4;
  const logLeaves = Array.from({ length: 7 }, (_, i) =>
    i === logIndex
      ? hashLeaf(suite, canonicalBytes({ kind: 'batch', batch: signedHeader }))
      : hashLeaf(suite, utf8(`other entry ${i}`)),
  );
  const logRoot = merkleRoot(suite, logLeaves);
  const logProof = await proveInclusion(
    suite,
    { leafIndex: logIndex, treeSize: logLeaves.length },
    memoryHashReader(storedHashesFromLeaves(suite, logLeaves)),
  );
  const signCheckpoint = (body: string): string =>
    signNote(body, { keyName: fixtureOrigin, signer: keyPairSigner(logKey) });
  const checkpoint = signCheckpoint(
    formatCheckpoint({ origin: fixtureOrigin, size: logLeaves.length, rootHash: logRoot, suite }),
  );

  const bundle: FrameProofBundle = {
    v: 1,
    type: 'frame',
    suite,
    frameId: toHex(frameLeaves[frameIndex] as Uint8Array),
    frame: frames[frameIndex] as SignedFrame,
    batch: {
      header: signedHeader,
      leafIndex: frameIndex,
      inclusionProof: inclusionProofFromLeaves(suite, frameLeaves, frameIndex).map(toBase64),
    },
    log: {
      origin: fixtureOrigin,
      leafIndex: logIndex,
      treeSize: logLeaves.length,
      inclusionProof: logProof.map(toBase64),
    },
    checkpoint,
  };
  const trust: TrustFile = {
    v: 1,
    logs: { [fixtureOrigin]: { keyName: fixtureOrigin, alg: algs.log, publicKey: toBase64(logKey.publicKey) } },
    edges: { [header.edgeId]: { alg: algs.edge, publicKey: toBase64(edgeKey.publicKey) } },
    devices:
      options.attestation === 'edge-attested'
        ? {}
        : { 'scale-01': { alg: algs.device, publicKey: toBase64(deviceKey.publicKey) } },
  };
  return { bundle, trust, signCheckpoint, logSize: logLeaves.length, logRoot };
}
