import { bytesEqual, type CryptoSuiteName, type Signer, toBase64 } from '@fieldproof/protocol';
import { type OpenCheckpointResult, openCheckpoint } from '../checkpoint/open-checkpoint.ts';
import { type NoteVerifierKey, parseNote } from '../checkpoint/open-note.ts';
import { CheckpointError, ProofError } from '../errors.ts';
import { type Hash, hashSizeBytes } from '../hash/rfc9162.ts';
import { verifyConsistency } from '../proof/verify-consistency.ts';
import { cosignCheckpoint } from './cosign-checkpoint.ts';
import { type WitnessErrorCode, witnessErrorStatus } from './witness-error.ts';

/** Most consistency proof lines in one request (c2sp.org/tlog-witness). */
export const consistencyProofLinesMax = 63;

/** The log a witness follows: its origin and the key its checkpoints must verify under. */
export interface WitnessLogKey extends NoteVerifierKey {
  /** The log's origin line. */
  origin: string;
}

/** What a witness remembers of one log: the latest checkpoint it cosigned. */
export interface WitnessState {
  /** The log's origin line. */
  origin: string;
  /** Size of the latest cosigned checkpoint. */
  size: number;
  /** Its root hash. */
  rootHash: Hash;
  /** Its hash suite. */
  suite: CryptoSuiteName;
  /** The checkpoint note as received (kept as evidence if the log later contradicts it). */
  checkpointNote: string;
}

/** An add-checkpoint request (c2sp.org/tlog-witness), parsed. */
export interface WitnessCheckpointRequest {
  /** The log-signed checkpoint note. */
  checkpointNote: string;
  /** RFC 9162 consistency proof from `oldSize` to the checkpoint's size. */
  consistencyProof: readonly Hash[];
  /** The size the client believes this witness last cosigned (0 if none). */
  oldSize: number;
}

/** The witness's keys and clock. */
export interface WitnessCheckpointDependencies {
  /** The log this witness follows. */
  logKey: WitnessLogKey;
  /** The witness's own Ed25519 key and the name on its cosignature lines. */
  witnessSigner: { keyName: string; signer: Signer };
  /** Clock, UTC milliseconds. */
  clock: () => number;
}

/** What a witness keeps when the log contradicts itself: enough for anyone to check the claim. */
export interface WitnessEvidence {
  /** Which contradiction. */
  code: 'witness_split_view' | 'witness_log_shrank' | 'witness_inconsistent';
  /** Why, in a sentence. */
  message: string;
  /** The log's origin. */
  origin: string;
  /** The note the witness had cosigned before. */
  previousCheckpointNote: string;
  /** The note that contradicts it. */
  checkpointNote: string;
  /** The old size of the request. */
  oldSize: number;
  /** The consistency proof of the request, base64 hashes. */
  consistencyProof: string[];
}

/** A cosigned checkpoint. */
export interface WitnessCheckpointAccepted {
  /** The checkpoint is consistent with everything this witness cosigned before. */
  ok: true;
  /** The cosignature line, final newline included. */
  cosignature: string;
  /** The state to persist, atomically with the check, before answering. */
  newState: WitnessState;
  /** The checkpoint as verified. */
  checkpoint: OpenCheckpointResult;
}

/** A refused checkpoint. */
export interface WitnessCheckpointRefused {
  /** Nothing was cosigned; the state is unchanged. */
  ok: false;
  /** Stable code. */
  code: Exclude<WitnessErrorCode, 'witness_policy_invalid'>;
  /** HTTP status for c2sp.org/tlog-witness. */
  status: number;
  /** A sentence a log operator can act on. */
  message: string;
  /** The size this witness last cosigned (the body of a 409 answer). */
  size: number;
  /** Present when the log contradicted itself: keep it and raise an alert. */
  evidence?: WitnessEvidence;
}

/** The outcome of witnessCheckpoint. */
export type WitnessCheckpointResult = WitnessCheckpointAccepted | WitnessCheckpointRefused;

/**
 * Decide one add-checkpoint request as a witness (c2sp.org/tlog-witness) and cosign it
 * (c2sp.org/tlog-cosignature). Pure: the caller loads `state`, and persists `newState` before
 * answering, in one atomic step. In order, it refuses:
 * a malformed request (`witness_request_invalid`, 400); another origin (`witness_origin_unknown`,
 * 404); a checkpoint without a valid signature of the log key (`witness_signature_invalid`, 403);
 * a checkpoint smaller than the one cosigned (`witness_log_shrank`, 409) or of the same size with
 * another root (`witness_split_view`, 409), both whatever the old size says, since two signed
 * checkpoints prove them; an old size above the checkpoint's (400) or other than the size last
 * cosigned (`witness_conflict`, 409); a non-empty proof from size 0 (400); and a proof that does
 * not lead from the cosigned root to the new one, or a change of suite (`witness_inconsistent`, 422).
 * The three contradictions carry evidence. Precondition: `state`, if any, is for `logKey.origin`.
 */
export function witnessCheckpoint(
  state: WitnessState | undefined,
  request: WitnessCheckpointRequest,
  dependencies: WitnessCheckpointDependencies,
): WitnessCheckpointResult {
  const { logKey, witnessSigner, clock } = dependencies;
  const { checkpointNote, consistencyProof, oldSize } = request;
  const size = state?.size ?? 0;
  const refuse = (
    code: WitnessCheckpointRefused['code'],
    message: string,
    evidenceOf?: { previousCheckpointNote: string },
  ): WitnessCheckpointRefused => ({
    ok: false,
    code,
    status: witnessErrorStatus[code],
    message,
    size,
    ...(evidenceOf &&
    (code === 'witness_split_view' || code === 'witness_log_shrank' || code === 'witness_inconsistent')
      ? {
          evidence: {
            code,
            message,
            origin: logKey.origin,
            previousCheckpointNote: evidenceOf.previousCheckpointNote,
            checkpointNote,
            oldSize,
            consistencyProof: consistencyProof.map((hash) => toBase64(hash)),
          },
        }
      : {}),
  });

  if (!Number.isSafeInteger(oldSize) || oldSize < 0) {
    return refuse('witness_request_invalid', 'the old size must be a non-negative integer');
  }
  if (consistencyProof.length > consistencyProofLinesMax) {
    return refuse('witness_request_invalid', `a consistency proof has at most ${consistencyProofLinesMax} hashes`);
  }
  if (consistencyProof.some((hash) => !(hash instanceof Uint8Array) || hash.length !== hashSizeBytes)) {
    return refuse('witness_request_invalid', `each consistency proof hash must be ${hashSizeBytes} bytes`);
  }
  let checkpoint: OpenCheckpointResult;
  try {
    const origin = parseNote(checkpointNote).body.split('\n', 1)[0];
    if (origin !== logKey.origin) {
      return refuse('witness_origin_unknown', `this witness does not follow the log ${JSON.stringify(origin)}`);
    }
    checkpoint = openCheckpoint(checkpointNote, logKey);
  } catch (error) {
    if (!(error instanceof CheckpointError)) throw error;
    if (error.code === 'checkpoint_malformed') {
      return refuse('witness_request_invalid', `the checkpoint is malformed: ${error.message}`);
    }
    return refuse('witness_signature_invalid', `no valid signature of the log key ${logKey.keyName}: ${error.message}`);
  }

  if (state) {
    const previous = { previousCheckpointNote: state.checkpointNote };
    if (checkpoint.size < state.size) {
      return refuse(
        'witness_log_shrank',
        `the log signed size ${checkpoint.size} after this witness cosigned size ${state.size}`,
        previous,
      );
    }
    if (checkpoint.size === state.size && !bytesEqual(checkpoint.rootHash, state.rootHash)) {
      return refuse(
        'witness_split_view',
        `the log signed two different roots for size ${state.size}: a split view`,
        previous,
      );
    }
  }
  if (oldSize > checkpoint.size) {
    return refuse('witness_request_invalid', `the old size ${oldSize} is above the checkpoint size ${checkpoint.size}`);
  }
  if (oldSize !== size) {
    return refuse('witness_conflict', `this witness last cosigned size ${size}, not ${oldSize}`);
  }
  if (oldSize === 0) {
    if (consistencyProof.length !== 0) {
      return refuse('witness_request_invalid', 'the consistency proof must be empty when the old size is 0');
    }
  } else if (state) {
    const previous = { previousCheckpointNote: state.checkpointNote };
    if (checkpoint.suite !== state.suite) {
      return refuse(
        'witness_inconsistent',
        `the log changed its suite from ${state.suite} to ${checkpoint.suite}`,
        previous,
      );
    }
    try {
      verifyConsistency(checkpoint.suite, {
        size1: state.size,
        size2: checkpoint.size,
        proof: consistencyProof,
        root1: state.rootHash,
        root2: checkpoint.rootHash,
      });
    } catch (error) {
      if (!(error instanceof ProofError)) throw error;
      return refuse(
        'witness_inconsistent',
        `the consistency proof from size ${state.size} to ${checkpoint.size} does not verify (${error.code}): ${error.message}`,
        previous,
      );
    }
  }

  const cosignature = cosignCheckpoint(parseNote(checkpointNote).body, {
    keyName: witnessSigner.keyName,
    signer: witnessSigner.signer,
    timeSeconds: Math.floor(clock() / 1000),
  });
  return {
    ok: true,
    cosignature,
    newState: {
      origin: checkpoint.origin,
      size: checkpoint.size,
      rootHash: checkpoint.rootHash,
      suite: checkpoint.suite,
      checkpointNote,
    },
    checkpoint,
  };
}
