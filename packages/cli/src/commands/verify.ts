import { readFileSync } from 'node:fs';
import { verifyAnchorOnChain } from '@fieldproof/cloud';
import { openCheckpoint, verifyDecisionBundle, verifyFrameBundle } from '@fieldproof/ledger';
import {
  DecisionProofBundleSchema,
  FrameProofBundleSchema,
  fromBase64,
  type TrustFile,
  TrustFileSchema,
} from '@fieldproof/protocol';

/** Options of runVerify. */
export interface RunVerifyOptions {
  /** JSON-RPC address of a node of the anchor's chain: with it, the anchor is read from the chain. */
  rpcUrl?: string;
}

/** One printed step: an offline check of the bundle, or `anchor_on_chain`. */
interface StepResult {
  step: string;
  ok: boolean;
  code?: string;
  message: string;
}

/** The name of the step that reads the anchor from the chain (after the offline steps). */
export const anchorOnChainStep = 'anchor_on_chain';

function stepLine(step: StepResult): string {
  return `${step.ok ? 'ok  ' : 'FAIL'} ${step.step.padEnd(22)} ${step.ok ? step.message : `${step.code ?? ''}: ${step.message}`}`;
}

/** Verify a bundle offline, by its `type` (a decision bundle, else a frame bundle). */
function verifyOffline(bundle: unknown, trust: TrustFile): { ok: boolean; steps: StepResult[]; attestation?: string } {
  const type = typeof bundle === 'object' && bundle !== null ? (bundle as { type?: unknown }).type : undefined;
  return type === 'decision' ? verifyDecisionBundle(bundle, trust) : verifyFrameBundle(bundle, trust);
}

/** The `anchor_on_chain` step of a bundle whose offline steps all passed. */
async function checkAnchorOnChain(bundle: unknown, trust: TrustFile, rpcUrl: string): Promise<StepResult> {
  const step = anchorOnChainStep;
  const type = (bundle as { type?: unknown }).type;
  const parsed =
    type === 'decision' ? DecisionProofBundleSchema.safeParse(bundle) : FrameProofBundleSchema.safeParse(bundle);
  if (!parsed.success) throw new Error('invariant violated: a bundle that verified does not parse');
  const proof = parsed.data;
  if (!proof.anchor) {
    return { step, ok: false, code: 'anchor_missing', message: 'the bundle names no chain anchor to read with --rpc' };
  }
  const logKey = trust.logs[proof.log.origin];
  const publicKey = logKey ? fromBase64(logKey.publicKey) : undefined;
  if (!logKey || !publicKey) throw new Error('invariant violated: a bundle that verified has no trusted log key');
  const checkpoint = openCheckpoint(proof.checkpoint, { keyName: logKey.keyName, alg: logKey.alg, publicKey });
  const result = await verifyAnchorOnChain({
    rpcUrl,
    anchor: proof.anchor,
    suite: proof.suite,
    origin: proof.log.origin,
    checkpointNote: proof.checkpoint,
    rootHash: checkpoint.rootHash,
  });
  return result.ok
    ? { step, ok: true, message: result.message }
    : { step, ok: false, code: result.code, message: result.message };
}

/**
 * `fieldproof verify <bundle.json> --trust <keys.json> [--rpc <URL>]`: check a frame or decision
 * proof bundle (chosen by its `type`) offline, and with `rpcUrl`, once every offline step passed,
 * read its anchor from the chain (step `anchor_on_chain`: anchor_missing, anchor_rpc_unavailable,
 * anchor_chain_mismatch, anchor_not_found, anchor_root_mismatch, anchor_tx_mismatch; see
 * verifyAnchorOnChain). Without `rpcUrl` it says that the chain was not read. Prints each step;
 * resolves with the exit code: 0 if every step passes, 1 if one fails (naming it), 2 for
 * unreadable input.
 */
export async function runVerify(
  bundlePath: string,
  trustPath: string,
  write: (line: string) => void,
  options: RunVerifyOptions = {},
): Promise<number> {
  let bundle: unknown;
  let trustJson: unknown;
  try {
    bundle = JSON.parse(readFileSync(bundlePath, 'utf8'));
  } catch (error) {
    write(`cannot read bundle ${bundlePath}: ${(error as Error).message}`);
    return 2;
  }
  try {
    trustJson = JSON.parse(readFileSync(trustPath, 'utf8'));
  } catch (error) {
    write(`cannot read trust file ${trustPath}: ${(error as Error).message}`);
    return 2;
  }
  const trust = TrustFileSchema.safeParse(trustJson);
  if (!trust.success) {
    write(
      `trust file ${trustPath} is not valid: ${trust.error.issues[0]?.path.join('.')}: ${trust.error.issues[0]?.message}`,
    );
    return 2;
  }
  const report = verifyOffline(bundle, trust.data);
  const steps = [...report.steps];
  let ok = report.ok;
  if (options.rpcUrl !== undefined) {
    const onChain: StepResult = report.ok
      ? await checkAnchorOnChain(bundle, trust.data, options.rpcUrl)
      : { step: anchorOnChainStep, ok: false, code: 'not_run', message: 'not run: an earlier check failed' };
    steps.push(onChain);
    ok = ok && onChain.ok;
  }
  for (const step of steps) write(stepLine(step));
  // Who signed the frame: the device itself, or its edge on behalf of a keyless device.
  if (report.attestation) write(`attestation: ${report.attestation}`);
  if (options.rpcUrl === undefined) {
    write('the chain was not read: pass --rpc <URL> to check the anchor on chain');
  }
  const failed = steps.find((step) => !step.ok);
  write(ok ? 'verified: every step passed' : `NOT verified: failed at step ${failed?.step ?? '?'}`);
  return ok ? 0 : 1;
}
