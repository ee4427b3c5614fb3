import { readFileSync } from 'node:fs';
import { verifyFrameBundle } from '@fieldproof/ledger';
import { TrustFileSchema } from '@fieldproof/protocol';

/**
 * `fieldproof verify <bundle.json> --trust <keys.json>`: check a proof bundle offline. Prints each
 * step; exit code 0 if every step passes, 1 if one fails (naming it), 2 for unreadable input.
 */
export function runVerify(bundlePath: string, trustPath: string, write: (line: string) => void): number {
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
  const report = verifyFrameBundle(bundle, trust.data);
  for (const step of report.steps) {
    write(
      `${step.ok ? 'ok  ' : 'FAIL'} ${step.step.padEnd(22)} ${step.ok ? step.message : `${step.code ?? ''}: ${step.message}`}`,
    );
  }
  const failed = report.steps.find((step) => !step.ok);
  write(report.ok ? 'verified: every step passed' : `NOT verified: failed at step ${failed?.step ?? '?'}`);
  return report.ok ? 0 : 1;
}
