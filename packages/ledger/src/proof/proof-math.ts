// Shared pieces of the proof verifiers, ported from transparency-dev/merkle proof/verify.go.
// Sizes arrive as JavaScript numbers and are checked, then carried as bigint so that the bit
// arithmetic (xor, shifts, bit lengths) is exact up to 2^53 - 1. Internal to the package.
import { bytesEqual, type CryptoSuiteName, toHex } from '@fieldproof/protocol';
import { ProofError } from '../errors.ts';
import { type Hash, hashChildren, hashSizeBytes } from '../hash/rfc9162.ts';

/** A size or index as an exact bigint; `proof_input_invalid` unless it is a safe non-negative integer. */
export function toExactCount(name: string, value: number): bigint {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ProofError('proof_input_invalid', `${name} must be a non-negative safe integer`, { [name]: value });
  }
  return BigInt(value);
}

/** `proof_input_invalid` unless `hash` is a byte string of the suite's hash size. */
export function checkHashInput(name: string, hash: Hash): void {
  if (!(hash instanceof Uint8Array) || hash.length !== hashSizeBytes) {
    throw new ProofError('proof_input_invalid', `${name} must be a ${hashSizeBytes}-byte hash`, {
      [`${name}Bytes`]: hash instanceof Uint8Array ? hash.length : undefined,
    });
  }
}

/** `proof_size_wrong` unless the proof has `want` hashes; then `proof_input_invalid` for a hash of the wrong size. */
export function checkProofShape(proof: readonly Hash[], want: number): void {
  if (!Array.isArray(proof) || proof.length !== want) {
    throw new ProofError('proof_size_wrong', `the proof has ${proof?.length} hashes, want ${want}`, {
      got: proof?.length,
      want,
    });
  }
  for (const [i, hash] of proof.entries()) checkHashInput(`proof[${i}]`, hash);
}

/** Number of bits needed to write x (0 for 0), as Go's bits.Len64. */
export function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** Number of 1 bits of x, as Go's bits.OnesCount64. */
export function onesCount(x: bigint): number {
  let count = 0;
  for (const digit of x.toString(2)) if (digit === '1') count++;
  return count;
}

/** Number of trailing 0 bits of x > 0, as Go's bits.TrailingZeros64. */
export function trailingZeros(x: bigint): number {
  let count = 0;
  for (let rest = x; rest > 0n && (rest & 1n) === 0n; rest >>= 1n) count++;
  return count;
}

/**
 * Split an inclusion proof for `index` in a tree of `size` into its inner part (below the level
 * where the paths to `index` and `size - 1` diverge) and its border part (left siblings above).
 */
export function decomposeInclusionProof(index: bigint, size: bigint): { inner: number; border: number } {
  const inner = bitLength(index ^ (size - 1n));
  const border = onesCount(index >> BigInt(inner));
  return { inner, border };
}

/** Hash up from `seed` at position `index` with siblings on either side, lowest level first. */
export function chainInner(suite: CryptoSuiteName, seed: Hash, proof: readonly Hash[], index: bigint): Hash {
  let hash = seed;
  for (const [i, sibling] of proof.entries()) {
    hash = ((index >> BigInt(i)) & 1n) === 0n ? hashChildren(suite, hash, sibling) : hashChildren(suite, sibling, hash);
  }
  return hash;
}

/** Hash up from `seed` with left siblings only (the tree's right border). */
export function chainBorderRight(suite: CryptoSuiteName, seed: Hash, proof: readonly Hash[]): Hash {
  let hash = seed;
  for (const sibling of proof) hash = hashChildren(suite, sibling, hash);
  return hash;
}

/** `proof_root_mismatch` unless the computed root equals the expected one. */
export function checkRootMatch(computed: Hash, expected: Hash, what: string): void {
  if (!(expected instanceof Uint8Array) || !bytesEqual(computed, expected)) {
    throw new ProofError('proof_root_mismatch', `the proof leads to a different ${what}`, {
      computed: toHex(computed),
      expected: expected instanceof Uint8Array ? toHex(expected) : undefined,
    });
  }
}

/**
 * Whether [start, end) is a subtree in the sense of the Merkle Tree Certificates draft: not empty,
 * and start is a multiple of the smallest power of two ≥ end − start.
 */
export function isValidSubtree(start: bigint, end: bigint): boolean {
  if (start >= end) return false;
  if (start === 0n) return true;
  const length = end - start;
  const ceiling = length <= 1n ? 1n : 1n << BigInt(bitLength(length - 1n));
  return start % ceiling === 0n;
}

/**
 * RFC 9162 root from an inclusion proof, on exact sizes (see rootFromInclusionProof for the checks).
 * Go: RootFromInclusionProof.
 */
export function rootFromInclusionProofExact(
  suite: CryptoSuiteName,
  index: bigint,
  size: bigint,
  leafHash: Hash,
  proof: readonly Hash[],
): Hash {
  if (index >= size) {
    throw new ProofError('proof_index_out_of_range', `leaf index ${index} is not below tree size ${size}`, {
      leafIndex: Number(index),
      treeSize: Number(size),
    });
  }
  checkHashInput('leafHash', leafHash);
  const { inner, border } = decomposeInclusionProof(index, size);
  checkProofShape(proof, inner + border);
  const hash = chainInner(suite, leafHash, proof.slice(0, inner), index);
  return chainBorderRight(suite, hash, proof.slice(inner));
}
