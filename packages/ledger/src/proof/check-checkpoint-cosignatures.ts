import { fromBase64, type TrustFile } from '@fieldproof/protocol';
import type { NoteVerifierKey } from '../checkpoint/open-note.ts';
import { CheckpointError } from '../errors.ts';
import { collectCosignatures } from '../witness/collect-cosignatures.ts';
import type { CosignerKey } from '../witness/verify-cosignature.ts';
import { WitnessError } from '../witness/witness-error.ts';

/** A checkpoint and the trust file whose witness policy it must meet. */
export interface CheckCheckpointCosignaturesParameters {
  /** The checkpoint note, the log's signature and any cosignature lines included. */
  checkpointNote: string;
  /** The log's trusted key (the checkpoint's log signature was verified under it). */
  logKey: NoteVerifierKey;
  /** The trust file; its optional `witnesses` and `witnessThreshold` are the policy. */
  trust: TrustFile;
}

/** Whether the checkpoint meets the trust file's witness policy, and why. */
export type CheckCheckpointCosignaturesResult =
  | {
      /** The policy is met, or the trust file sets none. */
      ok: true;
      /** What was found, for a person. */
      message: string;
    }
  | {
      /** The policy is not met or cannot be applied. */
      ok: false;
      /** `witness_policy_invalid` (bad key or threshold in the trust file) or `checkpoint_not_final`. */
      code: 'witness_policy_invalid' | 'checkpoint_not_final';
      /** What is missing, for a person. */
      message: string;
    };

/**
 * Check a checkpoint against the witness policy of a trust file: with `witnesses` listed, at
 * least `witnessThreshold` (all of them when absent) distinct listed witnesses must have a valid
 * cosignature/v1 line on the checkpoint (collectCosignatures); a forged line or one of an unlisted
 * key does not count. Without listed witnesses the check passes and says no policy is set.
 * Never throws for a checkpoint whose log signature verifies under `logKey` (the precondition).
 */
export function checkCheckpointCosignatures(
  parameters: CheckCheckpointCosignaturesParameters,
): CheckCheckpointCosignaturesResult {
  const { checkpointNote, logKey, trust } = parameters;
  const entries = Object.entries(trust.witnesses ?? {});
  if (entries.length === 0) {
    return { ok: true, message: 'the trust file sets no witness policy, so no cosignatures are required' };
  }
  const witnesses: CosignerKey[] = [];
  for (const [keyName, entry] of entries) {
    const publicKey = fromBase64(entry.publicKey);
    if (publicKey?.length !== 32) {
      return {
        ok: false,
        code: 'witness_policy_invalid',
        message: `the trust file's key of witness ${keyName} is not a 32-byte Ed25519 key`,
      };
    }
    witnesses.push({ keyName, publicKey });
  }
  const threshold = trust.witnessThreshold ?? witnesses.length;
  try {
    const collected = collectCosignatures({ checkpointNote, logKey, witnesses, threshold });
    const names = collected.cosigned.map((entry) => entry.keyName);
    if (!collected.final) {
      return {
        ok: false,
        code: 'checkpoint_not_final',
        message: `the checkpoint has ${names.length} valid cosignatures of the ${witnesses.length} trusted witnesses (${names.join(', ') || 'none'}); ${threshold} are required`,
      };
    }
    return {
      ok: true,
      message: `the checkpoint is cosigned by ${names.length} of ${witnesses.length} trusted witnesses (${names.join(', ')}); ${threshold} are required`,
    };
  } catch (error) {
    if (error instanceof WitnessError && error.code === 'witness_policy_invalid') {
      return {
        ok: false,
        code: 'witness_policy_invalid',
        message: `the trust file's witness policy: ${error.message}`,
      };
    }
    if (error instanceof CheckpointError) {
      return { ok: false, code: 'checkpoint_not_final', message: `the checkpoint does not open: ${error.message}` };
    }
    throw error;
  }
}
