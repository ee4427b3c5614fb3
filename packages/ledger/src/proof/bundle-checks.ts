import { type CryptoSuiteName, fromBase64, type SignatureAlgorithm, type TrustFile } from '@fieldproof/protocol';
import { openCheckpoint } from '../checkpoint/open-checkpoint.ts';
import { CheckpointError, ProofError } from '../errors.ts';
import { hashLeaf } from '../hash/rfc9162.ts';
import { checkCheckpointCosignatures } from './check-checkpoint-cosignatures.ts';
import { verifyInclusion } from './verify-inclusion.ts';

// The checks that every kind of proof bundle (frame, decision) shares: the log's checkpoint
// signature and cosignatures, the entry's inclusion in the log, and the anchor's size.

/** A failed check: the step stops the run with this code and message. */
export class StepFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The outcome of one check of a bundle. */
export interface BundleStepResult<Step extends string> {
  /** Which check. */
  step: Step;
  /** Whether it passed; false for a check that did not run. */
  ok: boolean;
  /** Stable code of the failure (`not_run` for a check after a failure); absent on success. */
  code?: string;
  /** What was checked or what went wrong, for a person. */
  message: string;
}

/** Runs a bundle's checks in order; a check throws StepFailure (or CheckpointError) to fail. */
export function createStepRunner<Step extends string>(allSteps: readonly Step[]) {
  const steps: BundleStepResult<Step>[] = [];
  return {
    steps,
    /** Record a passed or failed step; other errors are programmer errors and propagate. */
    run(step: Step, check: () => string): boolean {
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
    },
    /** Record a step's result directly. */
    record(result: BundleStepResult<Step>): void {
      steps.push(result);
    },
    /** Mark the steps that did not run, and say whether everything passed. */
    finish(passed: boolean): { ok: boolean; steps: BundleStepResult<Step>[] } {
      for (const step of allSteps.slice(steps.length)) {
        steps.push({ step, ok: false, code: 'not_run', message: 'not run: an earlier check failed' });
      }
      return { ok: passed && steps.every((result) => result.ok), steps };
    },
  };
}

/** A trusted key from a trust-file table (own properties only: "constructor" finds nothing). */
export function trustedKey(
  keys: Record<string, { alg: SignatureAlgorithm; publicKey: string }>,
  id: string,
  what: string,
): { alg: SignatureAlgorithm; publicKey: Uint8Array } {
  const entry = Object.hasOwn(keys, id) ? keys[id] : undefined;
  const publicKey = entry ? fromBase64(entry.publicKey) : undefined;
  if (!entry || !publicKey) throw new StepFailure('key_untrusted', `the trust file has no key for ${what} ${id}`);
  return { alg: entry.alg, publicKey };
}

/** Base64 proof hashes to bytes (the schema checked the base64; a bad length fails in the verifier). */
export function decodeProof(proof: readonly string[]): Uint8Array[] {
  return proof.map((hash) => fromBase64(hash) ?? new Uint8Array());
}

/** Fail with suite_mismatch unless `found` is the bundle's suite. */
export function checkSuite(expected: CryptoSuiteName, found: CryptoSuiteName, where: string): void {
  if (found !== expected) {
    throw new StepFailure('suite_mismatch', `the bundle says suite ${expected} but ${where} says ${found}`);
  }
}

/** A checkpoint whose log signature verified. */
export interface VerifiedCheckpoint {
  size: number;
  rootHash: Uint8Array;
  logKey: { keyName: string; alg: SignatureAlgorithm; publicKey: Uint8Array };
  message: string;
}

/** `checkpoint_signature`: the log key from trust.logs[origin] signed the note, of this origin and suite. */
export function checkCheckpointSignature(
  bundle: { suite: CryptoSuiteName; log: { origin: string }; checkpoint: string },
  trust: TrustFile,
): VerifiedCheckpoint {
  const origin = bundle.log.origin;
  const entry = Object.hasOwn(trust.logs, origin) ? trust.logs[origin] : undefined;
  const publicKey = entry ? fromBase64(entry.publicKey) : undefined;
  if (!entry || !publicKey) throw new StepFailure('key_untrusted', `the trust file has no key for log ${origin}`);
  const opened = openCheckpoint(bundle.checkpoint, { keyName: entry.keyName, alg: entry.alg, publicKey });
  if (opened.origin !== origin) {
    throw new StepFailure('checkpoint_origin_mismatch', `the checkpoint is of log ${opened.origin}, not ${origin}`);
  }
  checkSuite(bundle.suite, opened.suite, 'the checkpoint');
  return {
    size: opened.size,
    rootHash: opened.rootHash,
    logKey: { keyName: entry.keyName, alg: entry.alg, publicKey },
    message: `the checkpoint of log ${origin} at size ${opened.size} is signed by ${entry.keyName}`,
  };
}

/** `checkpoint_cosignatures`: with a witness policy in the trust file, k of n witnesses cosigned. */
export function checkCosignatures(
  checkpointNote: string,
  checkpoint: VerifiedCheckpoint | undefined,
  trust: TrustFile,
): string {
  if (!checkpoint) throw new StepFailure('checkpoint_not_final', 'no verified checkpoint');
  const verdict = checkCheckpointCosignatures({ checkpointNote, logKey: checkpoint.logKey, trust });
  if (!verdict.ok) throw new StepFailure(verdict.code, verdict.message);
  return verdict.message;
}

/** `<what>_in_log`: the entry's leaf is at log.leafIndex of the checkpointed tree. */
export function checkEntryInLog(
  suite: CryptoSuiteName,
  log: { leafIndex: number; treeSize: number; inclusionProof: readonly string[] },
  checkpoint: VerifiedCheckpoint | undefined,
  entry: Uint8Array,
  what: 'batch' | 'decision',
): string {
  const code = `${what}_not_in_log`;
  if (!checkpoint) throw new StepFailure(code, 'no verified checkpoint');
  if (log.treeSize !== checkpoint.size) {
    throw new StepFailure(code, `the proof is for tree size ${log.treeSize} but the checkpoint has ${checkpoint.size}`);
  }
  try {
    verifyInclusion(suite, {
      leafIndex: log.leafIndex,
      treeSize: checkpoint.size,
      leafHash: hashLeaf(suite, entry),
      proof: decodeProof(log.inclusionProof),
      rootHash: checkpoint.rootHash,
    });
  } catch (error) {
    if (error instanceof ProofError) {
      throw new StepFailure(
        code,
        `the ${what} is not at leaf ${log.leafIndex} of the log (${error.code}: ${error.message})`,
      );
    }
    throw error;
  }
  return `the ${what} is leaf ${log.leafIndex} of the log at size ${checkpoint.size}`;
}

/** `anchor`: a named anchor is for the checkpoint's size (the chain is not read offline). */
export function checkAnchor(
  anchor: { chainId: number; contract: string; txHash: string; blockNumber: number; size: number } | undefined,
  checkpoint: VerifiedCheckpoint | undefined,
): string {
  if (!anchor) return 'the bundle names no chain anchor';
  if (!checkpoint || anchor.size !== checkpoint.size) {
    throw new StepFailure(
      'anchor_size_mismatch',
      `the anchor is for size ${anchor.size} but the checkpoint has size ${checkpoint?.size ?? 0}`,
    );
  }
  return `the anchor (chain ${anchor.chainId}, contract ${anchor.contract}, tx ${anchor.txHash}, block ${anchor.blockNumber}) names the checkpoint's size ${anchor.size}; the chain itself is not read offline (fieldproof verify --rpc <URL> reads it)`;
}
