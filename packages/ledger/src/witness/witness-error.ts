import { CodedError } from '@fieldproof/protocol';
/**
 * Stable codes of witness refusals (c2sp.org/tlog-witness) and cosignature policy failures.
 * A code never changes meaning once released.
 */
export type WitnessErrorCode =
  /** The add-checkpoint request is not well formed (old size line, proof lines, checkpoint text). */
  | 'witness_request_invalid'
  /** The checkpoint names an origin this witness does not follow. */
  | 'witness_origin_unknown'
  /** No signature of the trusted log key verifies on the checkpoint. */
  | 'witness_signature_invalid'
  /** The old size is not the size this witness last cosigned (the client should retry from that size). */
  | 'witness_conflict'
  /** The log signed two different roots for one size: a split view. */
  | 'witness_split_view'
  /** The log signed a checkpoint smaller than one this witness already cosigned. */
  | 'witness_log_shrank'
  /** The consistency proof from the last cosigned checkpoint to the new one does not verify. */
  | 'witness_inconsistent'
  /** A k-of-n policy is not usable: k out of range, or two witnesses share a name or a key. */
  | 'witness_policy_invalid';

/** HTTP status of each code, as c2sp.org/tlog-witness assigns them where it does. */
export const witnessErrorStatus: Readonly<Record<WitnessErrorCode, number>> = {
  witness_request_invalid: 400,
  witness_origin_unknown: 404,
  witness_signature_invalid: 403,
  witness_conflict: 409,
  witness_split_view: 409,
  witness_log_shrank: 409,
  witness_inconsistent: 422,
  witness_policy_invalid: 400,
};

/** A witness request or policy was rejected (an operating error). */
export class WitnessError extends CodedError<WitnessErrorCode> {
  override name = 'WitnessError';
  /** HTTP status that this error maps to. */
  get status(): number {
    return witnessErrorStatus[this.code];
  }
}
