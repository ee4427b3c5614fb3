import {
  type Attestation,
  canonicalBytes,
  FrameProofBundleSchema,
  frameAttestation,
  fromBase64,
  type TrustFile,
  toHex,
  verify,
} from '@fieldproof/protocol';
import { ProofError } from '../errors.ts';
import { hashLeaf } from '../hash/rfc9162.ts';
import {
  type BundleStepResult,
  checkAnchor,
  checkCheckpointSignature,
  checkCosignatures,
  checkEntryInLog,
  checkSuite,
  createStepRunner,
  decodeProof,
  StepFailure,
  trustedKey,
  type VerifiedCheckpoint,
} from './bundle-checks.ts';
import { verifyInclusion } from './verify-inclusion.ts';

/** The checks of a frame proof bundle, in the order they run. */
export const frameBundleSteps = [
  'schema',
  'frame_signature',
  'frame_id',
  'batch_signature',
  'frame_in_batch',
  'checkpoint_signature',
  'checkpoint_cosignatures',
  'batch_in_log',
  'anchor',
] as const;

/** One check of a frame proof bundle. */
export type FrameBundleStep = (typeof frameBundleSteps)[number];

/** The outcome of one check. */
export type FrameBundleStepResult = BundleStepResult<FrameBundleStep>;

/** The outcome of verifyFrameBundle. */
export interface VerifyFrameBundleResult {
  /** True only when every check passed. */
  ok: boolean;
  /** Every check, in order: the passed ones, the first failure, then the ones not run. */
  steps: FrameBundleStepResult[];
  /** Who signed the frame, as the bundle claims it (checked by `frame_signature`); absent when the schema failed. */
  attestation?: Attestation;
}

/**
 * Check a frame proof bundle offline against a trust file, in order, stopping at the first
 * failure: `schema` (bundle_malformed), `frame_signature` (device-signed: device key from
 * trust.devices, or after a rotation the trust.deviceKeys entry valid at the frame's deviceTimeMs,
 * which the bundle's deviceKey, when present, must name; same alg, over the canonical frame; edge-attested: the frame's edgeId is the
 * batch's, the device has no key in trust.devices, and the edge key from trust.edges verifies the
 * envelope {attestation, edgeId, frame}: key_untrusted, frame_attestation_invalid,
 * frame_signature_invalid), `frame_id` (hex leaf
 * hash of the canonical signed frame: frame_id_mismatch), `batch_signature` (edge key from
 * trust.edges over the canonical header: key_untrusted, batch_signature_invalid),
 * `frame_in_batch` (header suite = bundle suite, RFC 9162 inclusion at batch.leafIndex under the
 * header's root and count: suite_mismatch, frame_not_in_batch), `checkpoint_signature` (log key
 * from trust.logs[log.origin]; the checkpoint's origin and suite must be the bundle's:
 * key_untrusted, checkpoint_malformed, checkpoint_key_unknown, checkpoint_signature_invalid,
 * checkpoint_origin_mismatch, suite_mismatch), `checkpoint_cosignatures` (when trust.witnesses
 * lists witnesses, at least trust.witnessThreshold of them cosigned the checkpoint:
 * checkpoint_not_final, witness_policy_invalid; passes when no policy is set), `batch_in_log`
 * (log.treeSize = checkpoint size, inclusion of the canonical `{kind: 'batch', batch}` entry under
 * the checkpoint root: batch_not_in_log) and `anchor` (when the bundle has one, its size is the
 * checkpoint's: anchor_size_mismatch; the chain is not read here). Never throws for any input. Precondition: `trust` matches TrustFileSchema.
 */
export function verifyFrameBundle(bundle: unknown, trust: TrustFile): VerifyFrameBundleResult {
  const runner = createStepRunner<FrameBundleStep>(frameBundleSteps);
  const { run } = runner;
  let attestation: Attestation | undefined;
  const finish = (passed: boolean): VerifyFrameBundleResult => ({
    ...runner.finish(passed),
    ...(attestation ? { attestation } : {}),
  });

  const parsed = FrameProofBundleSchema.safeParse(bundle);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'the top level';
    runner.record({
      step: 'schema',
      ok: false,
      code: 'bundle_malformed',
      message: `the bundle does not match the frame proof bundle schema at ${where}: ${issue?.message}`,
    });
    return finish(false);
  }
  runner.record({ step: 'schema', ok: true, message: 'the bundle matches the frame proof bundle schema' });
  const proof = parsed.data;
  attestation = frameAttestation(proof.frame);
  const { suite } = proof;
  const frameLeafHash = hashLeaf(suite, canonicalBytes(proof.frame));
  let checkpoint: VerifiedCheckpoint | undefined;

  const passed =
    run('frame_signature', () => {
      const { deviceId } = proof.frame.frame;
      const signature = fromBase64(proof.frame.sig) ?? new Uint8Array();
      if (proof.frame.attestation === 'edge-attested') {
        // A keyless device's frame, signed by the edge that sampled it over {attestation, edgeId, frame}.
        const edgeId = proof.frame.edgeId as string;
        if (edgeId !== proof.batch.header.header.edgeId) {
          throw new StepFailure(
            'frame_attestation_invalid',
            `the frame is attested by edge ${edgeId} but batched by edge ${proof.batch.header.header.edgeId}`,
          );
        }
        if (Object.hasOwn(trust.devices, deviceId)) {
          throw new StepFailure(
            'frame_attestation_invalid',
            `the frame is edge-attested but device ${deviceId} has its own key in the trust file: an edge cannot speak for it`,
          );
        }
        const message = canonicalBytes({ attestation: proof.frame.attestation, edgeId, frame: proof.frame.frame });
        // After a key rotation a frame sampled just before the switch may sit in the first batch
        // of the new key: its attestation may be by the batch's key or the one that key replaced.
        const keys = edgeKeysForBatch(trust, edgeId, proof.batch.header.header.batchSeq);
        const attested = keys.some(
          (key) => proof.frame.alg === key.alg && verify(key.alg, key.publicKey, message, signature),
        );
        if (!attested) {
          throw new StepFailure(
            'frame_signature_invalid',
            `the edge attestation of the frame does not verify with the key of edge ${edgeId}`,
          );
        }
        return `edge-attested: the frame of keyless device ${deviceId} is signed by edge ${edgeId} on its behalf`;
      }
      const key = deviceKeyForTime(trust, deviceId, proof.frame.frame.deviceTimeMs);
      if (proof.deviceKey) {
        // The bundle names the key the cloud used; it must be the one the trust file holds for that time.
        const named = fromBase64(proof.deviceKey.publicKey) ?? new Uint8Array();
        if (proof.deviceKey.alg !== key.alg || toHex(named) !== toHex(key.publicKey)) {
          throw new StepFailure(
            'key_untrusted',
            `the bundle names a key of device ${deviceId} that the trust file does not hold for device time ${proof.frame.frame.deviceTimeMs}`,
          );
        }
      }
      if (proof.frame.alg !== key.alg) {
        throw new StepFailure(
          'frame_signature_invalid',
          `the frame is signed with ${proof.frame.alg} but device ${deviceId} has an ${key.alg} key`,
        );
      }
      if (!verify(key.alg, key.publicKey, canonicalBytes(proof.frame.frame), signature)) {
        throw new StepFailure(
          'frame_signature_invalid',
          `the frame signature does not verify with the key of device ${deviceId}`,
        );
      }
      return `device-signed: the frame is signed by device ${deviceId}`;
    }) &&
    run('frame_id', () => {
      const frameId = toHex(frameLeafHash);
      if (frameId !== proof.frameId) {
        throw new StepFailure(
          'frame_id_mismatch',
          `the frame id is ${proof.frameId} but the frame hashes to ${frameId}`,
        );
      }
      return `the frame id ${frameId} is the frame's leaf hash`;
    }) &&
    run('batch_signature', () => {
      const { header, alg, sig } = proof.batch.header;
      const key = edgeKeysForBatch(trust, header.edgeId, header.batchSeq)[0] as TrustedEdgeKey;
      if (alg !== key.alg) {
        throw new StepFailure(
          'batch_signature_invalid',
          `the batch is signed with ${alg} but edge ${header.edgeId} has an ${key.alg} key`,
        );
      }
      if (!verify(key.alg, key.publicKey, canonicalBytes(header), fromBase64(sig) ?? new Uint8Array())) {
        throw new StepFailure(
          'batch_signature_invalid',
          `the batch header signature does not verify with the key of edge ${header.edgeId}`,
        );
      }
      return `batch ${header.batchSeq} is signed by edge ${header.edgeId}`;
    }) &&
    run('frame_in_batch', () => {
      const { header } = proof.batch.header;
      checkSuite(suite, header.suite, 'the batch header');
      try {
        verifyInclusion(suite, {
          leafIndex: proof.batch.leafIndex,
          treeSize: header.count,
          leafHash: frameLeafHash,
          proof: decodeProof(proof.batch.inclusionProof),
          rootHash: fromBase64(header.root) ?? new Uint8Array(),
        });
      } catch (error) {
        if (error instanceof ProofError) {
          throw new StepFailure(
            'frame_not_in_batch',
            `the frame is not at leaf ${proof.batch.leafIndex} of the batch (${error.code}: ${error.message})`,
          );
        }
        throw error;
      }
      return `the frame is leaf ${proof.batch.leafIndex} of the batch's ${header.count}`;
    }) &&
    run('checkpoint_signature', () => {
      checkpoint = checkCheckpointSignature(proof, trust);
      return checkpoint.message;
    }) &&
    run('checkpoint_cosignatures', () => checkCosignatures(proof.checkpoint, checkpoint, trust)) &&
    run('batch_in_log', () =>
      checkEntryInLog(
        suite,
        proof.log,
        checkpoint,
        canonicalBytes({ kind: 'batch', batch: proof.batch.header }),
        'batch',
      ),
    ) &&
    run('anchor', () => checkAnchor(proof.anchor, checkpoint));
  return finish(passed);
}

type TrustedEdgeKey = ReturnType<typeof trustedKey>;

/**
 * The trusted key of a device for a frame of device time `deviceTimeMs`: with trust.deviceKeys for
 * the device (after a key rotation), the entry with the largest fromDeviceTimeMs at or below it;
 * otherwise its one key in trust.devices. Throws key_untrusted when the trust file has none.
 */
function deviceKeyForTime(trust: TrustFile, deviceId: string, deviceTimeMs: number): TrustedEdgeKey {
  const history =
    trust.deviceKeys && Object.hasOwn(trust.deviceKeys, deviceId) ? trust.deviceKeys[deviceId] : undefined;
  if (!history) return trustedKey(trust.devices, deviceId, 'device');
  let chosen: (typeof history)[number] | undefined;
  for (const entry of history) {
    if (entry.fromDeviceTimeMs <= deviceTimeMs && (!chosen || entry.fromDeviceTimeMs > chosen.fromDeviceTimeMs)) {
      chosen = entry;
    }
  }
  if (!chosen) {
    throw new StepFailure(
      'key_untrusted',
      `the trust file has no key of device ${deviceId} for device time ${deviceTimeMs}`,
    );
  }
  return { alg: chosen.alg, publicKey: fromBase64(chosen.publicKey) ?? new Uint8Array() };
}

/**
 * The trusted keys of an edge for batch `batchSeq`: first the key that signs it, then (after a
 * rotation) the key it replaced. Without trust.edgeKeys for the edge, its one key in trust.edges.
 * Throws key_untrusted when the trust file has none.
 */
function edgeKeysForBatch(trust: TrustFile, edgeId: string, batchSeq: number): TrustedEdgeKey[] {
  const history = trust.edgeKeys && Object.hasOwn(trust.edgeKeys, edgeId) ? trust.edgeKeys[edgeId] : undefined;
  if (!history) return [trustedKey(trust.edges, edgeId, 'edge')];
  const ordered = [...history].sort((a, b) => b.fromBatchSeq - a.fromBatchSeq);
  const index = ordered.findIndex((entry) => entry.fromBatchSeq <= batchSeq);
  if (index < 0)
    throw new StepFailure('key_untrusted', `the trust file has no key of edge ${edgeId} for batch ${batchSeq}`);
  return ordered.slice(index, index + 2).map((entry) => ({
    alg: entry.alg,
    publicKey: fromBase64(entry.publicKey) ?? new Uint8Array(),
  }));
}
