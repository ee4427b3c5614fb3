// Entry of the browser verifier (dist/fieldproof-verifier.js, built by
// scripts/build-browser-verifier.ts). It is the ledger's own verifyFrameBundle: the bundle step
// swaps @fieldproof/protocol for its browser build (portable crypto, no Node modules), so the
// checks, their order, codes and messages are the ones `fieldproof verify` runs.
import { FrameProofBundleSchema, TrustFileSchema } from '@fieldproof/protocol';
import { frameBundleSteps, verifyFrameBundle } from '../proof/verify-frame-bundle.ts';

export type { FrameProofBundle, TrustFile } from '@fieldproof/protocol';
export type {
  FrameBundleStep,
  FrameBundleStepResult,
  VerifyFrameBundleResult,
} from '../proof/verify-frame-bundle.ts';
export { FrameProofBundleSchema, frameBundleSteps, TrustFileSchema, verifyFrameBundle };

/** What the verifier bundle puts on `globalThis.fieldproof`, for pages that do not import it. */
export interface FieldproofVerifierGlobal {
  /** Check a frame proof bundle against a trust file; see verifyFrameBundle. */
  verifyFrameBundle: typeof verifyFrameBundle;
  /** The names of the checks, in the order they run. */
  frameBundleSteps: typeof frameBundleSteps;
  /** Schema of a trust file: parse one with it before verifyFrameBundle, whose precondition it is. */
  TrustFileSchema: typeof TrustFileSchema;
}

const verifierGlobal: FieldproofVerifierGlobal = { verifyFrameBundle, frameBundleSteps, TrustFileSchema };
(globalThis as { fieldproof?: FieldproofVerifierGlobal }).fieldproof = verifierGlobal;
