import { canonicalBytes, DecisionProofBundleSchema, type TrustFile, toHex } from '@fieldproof/protocol';
import { hashLeaf } from '../hash/rfc9162.ts';
import {
  type BundleStepResult,
  checkAnchor,
  checkCheckpointSignature,
  checkCosignatures,
  checkEntryInLog,
  createStepRunner,
  StepFailure,
  type VerifiedCheckpoint,
} from './bundle-checks.ts';

/** The checks of a decision proof bundle, in the order they run. */
export const decisionBundleSteps = [
  'schema',
  'decision_leaf',
  'checkpoint_signature',
  'checkpoint_cosignatures',
  'decision_in_log',
  'anchor',
] as const;

/** One check of a decision proof bundle. */
export type DecisionBundleStep = (typeof decisionBundleSteps)[number];

/** The outcome of verifyDecisionBundle. */
export interface VerifyDecisionBundleResult {
  /** True only when every check passed. */
  ok: boolean;
  /** Every check, in order: the passed ones, the first failure, then the ones not run. */
  steps: BundleStepResult<DecisionBundleStep>[];
}

/**
 * Check a decision proof bundle offline against a trust file, in order, stopping at the first
 * failure: `schema` (bundle_malformed), `decision_leaf` (leafHash is the RFC 9162 leaf hash of the
 * canonical `{kind: 'decision', decision}` entry: decision_leaf_mismatch), `checkpoint_signature`,
 * `checkpoint_cosignatures` and `anchor` as for frame bundles, and `decision_in_log` (inclusion
 * under the checkpoint root: decision_not_in_log). Never throws for any input.
 * Precondition: `trust` matches TrustFileSchema.
 */
export function verifyDecisionBundle(bundle: unknown, trust: TrustFile): VerifyDecisionBundleResult {
  const runner = createStepRunner<DecisionBundleStep>(decisionBundleSteps);
  const parsed = DecisionProofBundleSchema.safeParse(bundle);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'the top level';
    runner.record({
      step: 'schema',
      ok: false,
      code: 'bundle_malformed',
      message: `the bundle does not match the decision proof bundle schema at ${where}: ${issue?.message}`,
    });
    return runner.finish(false);
  }
  runner.record({ step: 'schema', ok: true, message: 'the bundle matches the decision proof bundle schema' });
  const proof = parsed.data;
  const entry = canonicalBytes({ kind: 'decision', decision: proof.decision });
  let checkpoint: VerifiedCheckpoint | undefined;
  const passed =
    runner.run('decision_leaf', () => {
      const leafHash = toHex(hashLeaf(proof.suite, entry));
      if (leafHash !== proof.leafHash) {
        throw new StepFailure(
          'decision_leaf_mismatch',
          `the bundle names leaf ${proof.leafHash} but the decision hashes to ${leafHash}`,
        );
      }
      return `decision ${proof.decision.decisionId} (${proof.decision.type} by ${proof.decision.actorId} of ${proof.decision.organisationId}) hashes to its leaf`;
    }) &&
    runner.run('checkpoint_signature', () => {
      checkpoint = checkCheckpointSignature(proof, trust);
      return checkpoint.message;
    }) &&
    runner.run('checkpoint_cosignatures', () => checkCosignatures(proof.checkpoint, checkpoint, trust)) &&
    runner.run('decision_in_log', () => checkEntryInLog(proof.suite, proof.log, checkpoint, entry, 'decision')) &&
    runner.run('anchor', () => checkAnchor(proof.anchor, checkpoint));
  return runner.finish(passed);
}
