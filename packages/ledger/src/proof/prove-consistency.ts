import type { CryptoSuiteName } from '@fieldproof/protocol';
import { ProofError } from '../errors.ts';
import type { Hash } from '../hash/rfc9162.ts';
import type { HashReader } from '../tree/stored-hash-index.ts';
import { assembleConsistencyProof, planConsistencyProof, readPlannedHashes } from '../tree/stored-hash-plan.ts';
import { checkStoredTreeNumber } from '../tree/tree-size-check.ts';

/** Which consistency proof to build. */
export interface ProveConsistencyParameters {
  /** Size of the older tree; at least 1 (a proof from the empty tree is meaningless). */
  size1: number;
  /** Size of the newer tree; at least size1, and the store must hold this many leaves. */
  size2: number;
}

/** RFC 9162 consistency proof hashes (empty when size1 = size2). */
export type ProveConsistencyResult = Hash[];

/**
 * Build the RFC 9162 consistency proof between two sizes of a stored tree with one readHashes call.
 * Preconditions: 0 < size1 ≤ size2 ≤ storedTreeSizeMax; throws ProofError `proof_input_invalid` otherwise.
 */
export async function proveConsistency(
  suite: CryptoSuiteName,
  parameters: ProveConsistencyParameters,
  reader: HashReader,
): Promise<ProveConsistencyResult> {
  const { size1, size2 } = parameters;
  checkStoredTreeNumber('size1', size1);
  checkStoredTreeNumber('size2', size2);
  if (size1 === 0 || size1 > size2) {
    throw new ProofError(
      'proof_input_invalid',
      `a consistency proof needs 0 < size1 ≤ size2, got ${size1} and ${size2}`,
      {
        size1,
        size2,
      },
    );
  }
  const indexes = planConsistencyProof(size1, size2);
  return assembleConsistencyProof(suite, size1, size2, await readPlannedHashes(reader, indexes));
}
