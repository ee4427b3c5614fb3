import { CodedError } from '@fieldproof/protocol';
/** Stable codes of proof failures. A code never changes meaning once released. */
export type ProofErrorCode =
  /** A size, index or hash is not acceptable input (not a safe non-negative integer, wrong hash length, size1 > size2). */
  | 'proof_input_invalid'
  /** The leaf index is not inside the tree or subtree. */
  | 'proof_index_out_of_range'
  /** The subtree range [start, end) is not a subtree of the Merkle Tree Certificates draft. */
  | 'proof_subtree_invalid'
  /** The proof has the wrong number of hashes for the sizes given. */
  | 'proof_size_wrong'
  /** The proof is well formed but leads to a different root. */
  | 'proof_root_mismatch';

/**
 * A Merkle proof was rejected (an operating error: bad input or a proof that does not verify).
 * Programmer errors (a store that returns the wrong number of hashes) are assertions instead.
 */
export class ProofError extends CodedError<ProofErrorCode> {
  override name = 'ProofError';
}

/** Stable codes of checkpoint and signed-note failures. */
export type CheckpointErrorCode =
  /** The text is not a well-formed signed note or checkpoint body. */
  | 'checkpoint_malformed'
  /** A signature line for the trusted key is present but does not verify. */
  | 'checkpoint_signature_invalid'
  /** No signature line carries the trusted key's name and key id. */
  | 'checkpoint_key_unknown';

/** A checkpoint or signed note was rejected (an operating error). */
export class CheckpointError extends CodedError<CheckpointErrorCode> {
  override name = 'CheckpointError';
}
