import {
  type CryptoSuiteName,
  canonicalBytes,
  FrameProofBundleSchema,
  fromBase64,
  type SignatureAlgorithm,
  type TrustFile,
  toHex,
  verify,
} from '@fieldproof/protocol';
import { openCheckpoint } from '../checkpoint/open-checkpoint.ts';
import { CheckpointError, ProofError } from '../errors.ts';
import { hashLeaf } from '../hash/rfc9162.ts';
import { checkCheckpointCosignatures } from './check-checkpoint-cosignatures.ts';
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
export interface FrameBundleStepResult {
  /** Which check. */
  step: FrameBundleStep;
  /** Whether it passed; false for a check that did not run. */
  ok: boolean;
  /** Stable code of the failure (`not_run` for a check after a failure); absent on success. */
  code?: string;
  /** What was checked or what went wrong, for a person. */
  message: string;
}

/** The outcome of verifyFrameBundle. */
export interface VerifyFrameBundleResult {
  /** True only when every check passed. */
  ok: boolean;
  /** Every check, in order: the passed ones, the first failure, then the ones not run. */
  steps: FrameBundleStepResult[];
}

/** A failed check: the step stops the run with this code and message. */
class StepFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function trustedKey(
  keys: Record<string, { alg: SignatureAlgorithm; publicKey: string }>,
  id: string,
  what: string,
): { alg: SignatureAlgorithm; publicKey: Uint8Array } {
  // Own properties only: an id such as "constructor" must not find Object.prototype members.
  const entry = Object.hasOwn(keys, id) ? keys[id] : undefined;
  const publicKey = entry ? fromBase64(entry.publicKey) : undefined;
  if (!entry || !publicKey) throw new StepFailure('key_untrusted', `the trust file has no key for ${what} ${id}`);
  return { alg: entry.alg, publicKey };
}

function decodeProof(proof: readonly string[]): Uint8Array[] {
  // The schema has checked the base64 already; a hash of the wrong length fails in the verifier.
  return proof.map((hash) => fromBase64(hash) ?? new Uint8Array());
}

function checkSuite(expected: CryptoSuiteName, found: CryptoSuiteName, where: string): void {
  if (found !== expected) {
    throw new StepFailure('suite_mismatch', `the bundle says suite ${expected} but ${where} says ${found}`);
  }
}

/**
 * Check a frame proof bundle offline against a trust file, in order, stopping at the first
 * failure: `schema` (bundle_malformed), `frame_signature` (device key from trust.devices, same
 * alg, over the canonical frame: key_untrusted, frame_signature_invalid), `frame_id` (hex leaf
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
  const steps: FrameBundleStepResult[] = [];
  const run = (step: FrameBundleStep, check: () => string): boolean => {
    try {
      steps.push({ step, ok: true, message: check() });
      return true;
    } catch (error) {
      if (error instanceof StepFailure || error instanceof CheckpointError) {
        steps.push({ step, ok: false, code: error.code, message: error.message });
        return false;
      }
      throw error;
    }
  };
  const finish = (passed: boolean): VerifyFrameBundleResult => {
    for (const step of frameBundleSteps.slice(steps.length)) {
      steps.push({ step, ok: false, code: 'not_run', message: 'not run: an earlier check failed' });
    }
    return { ok: passed && steps.every((result) => result.ok), steps };
  };

  const parsed = FrameProofBundleSchema.safeParse(bundle);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'the top level';
    steps.push({
      step: 'schema',
      ok: false,
      code: 'bundle_malformed',
      message: `the bundle does not match the frame proof bundle schema at ${where}: ${issue?.message}`,
    });
    return finish(false);
  }
  steps.push({ step: 'schema', ok: true, message: 'the bundle matches the frame proof bundle schema' });
  const proof = parsed.data;
  const { suite } = proof;
  const frameLeafHash = hashLeaf(suite, canonicalBytes(proof.frame));
  let checkpoint: { size: number; rootHash: Uint8Array } | undefined;
  let logKey: { keyName: string; alg: SignatureAlgorithm; publicKey: Uint8Array } | undefined;

  const passed =
    run('frame_signature', () => {
      const { deviceId } = proof.frame.frame;
      const key = trustedKey(trust.devices, deviceId, 'device');
      const signature = fromBase64(proof.frame.sig) ?? new Uint8Array();
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
      return `the frame is signed by device ${deviceId}`;
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
      const key = trustedKey(trust.edges, header.edgeId, 'edge');
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
      const origin = proof.log.origin;
      const entry = Object.hasOwn(trust.logs, origin) ? trust.logs[origin] : undefined;
      const publicKey = entry ? fromBase64(entry.publicKey) : undefined;
      if (!entry || !publicKey) throw new StepFailure('key_untrusted', `the trust file has no key for log ${origin}`);
      const opened = openCheckpoint(proof.checkpoint, { keyName: entry.keyName, alg: entry.alg, publicKey });
      if (opened.origin !== origin) {
        throw new StepFailure('checkpoint_origin_mismatch', `the checkpoint is of log ${opened.origin}, not ${origin}`);
      }
      checkSuite(suite, opened.suite, 'the checkpoint');
      checkpoint = opened;
      logKey = { keyName: entry.keyName, alg: entry.alg, publicKey };
      return `the checkpoint of log ${origin} at size ${opened.size} is signed by ${entry.keyName}`;
    }) &&
    run('checkpoint_cosignatures', () => {
      if (!logKey) throw new StepFailure('checkpoint_not_final', 'no verified checkpoint');
      const verdict = checkCheckpointCosignatures({ checkpointNote: proof.checkpoint, logKey, trust });
      if (!verdict.ok) throw new StepFailure(verdict.code, verdict.message);
      return verdict.message;
    }) &&
    run('batch_in_log', () => {
      if (!checkpoint) throw new StepFailure('batch_not_in_log', 'no verified checkpoint');
      if (proof.log.treeSize !== checkpoint.size) {
        throw new StepFailure(
          'batch_not_in_log',
          `the proof is for tree size ${proof.log.treeSize} but the checkpoint has ${checkpoint.size}`,
        );
      }
      const entry = canonicalBytes({ kind: 'batch', batch: proof.batch.header });
      try {
        verifyInclusion(suite, {
          leafIndex: proof.log.leafIndex,
          treeSize: checkpoint.size,
          leafHash: hashLeaf(suite, entry),
          proof: decodeProof(proof.log.inclusionProof),
          rootHash: checkpoint.rootHash,
        });
      } catch (error) {
        if (error instanceof ProofError) {
          throw new StepFailure(
            'batch_not_in_log',
            `the batch is not at leaf ${proof.log.leafIndex} of the log (${error.code}: ${error.message})`,
          );
        }
        throw error;
      }
      return `the batch is leaf ${proof.log.leafIndex} of the log at size ${checkpoint.size}`;
    }) &&
    run('anchor', () => {
      const { anchor } = proof;
      if (!anchor) return 'the bundle names no chain anchor';
      if (!checkpoint || anchor.size !== checkpoint.size) {
        throw new StepFailure(
          'anchor_size_mismatch',
          `the anchor is for size ${anchor.size} but the checkpoint has size ${checkpoint?.size ?? 0}`,
        );
      }
      return `the anchor (chain ${anchor.chainId}, contract ${anchor.contract}, tx ${anchor.txHash}, block ${anchor.blockNumber}) names the checkpoint's size ${anchor.size}; the chain itself is not read offline (reading it with --rpc comes later)`;
    });
  return finish(passed);
}
