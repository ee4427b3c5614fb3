import { type CryptoSuiteName, suiteHash } from '@fieldproof/protocol';

/** A Merkle tree hash: 32 bytes for both suites (SHA-256 for `intl`, SM3 for `sm`). */
export type Hash = Uint8Array;

/** Length in bytes of every hash of every suite (SHA-256 and SM3 both give 32 bytes). */
export const hashSizeBytes = 32;

const leafPrefix = new Uint8Array([0x00]);
const nodePrefix = new Uint8Array([0x01]);

/** RFC 9162 §2.1.1 leaf hash: H(0x00 ‖ data). Any data, including empty. */
export function hashLeaf(suite: CryptoSuiteName, data: Uint8Array): Hash {
  return suiteHash(suite, leafPrefix, data);
}

/**
 * RFC 9162 §2.1.1 interior node hash: H(0x01 ‖ left ‖ right). The inputs are not length-checked
 * here: verifiers check lengths where the hashes enter, so a short hash only yields a mismatch.
 */
export function hashChildren(suite: CryptoSuiteName, left: Hash, right: Hash): Hash {
  return suiteHash(suite, nodePrefix, left, right);
}

/** RFC 9162 root of the empty tree: H() of no bytes. */
export function emptyRoot(suite: CryptoSuiteName): Hash {
  return suiteHash(suite);
}
