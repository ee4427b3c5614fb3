import { type SignatureAlgorithm, suiteHash, utf8 } from '@fieldproof/protocol';
import { isValidNoteCharacters } from './note-text.ts';

/**
 * Signature type identifiers of c2sp.org/signed-note, by key algorithm. Ed25519 uses the
 * assigned byte 0x01. ECDSA P-256 (64-byte r‖s over SHA-256) and SM2 (64-byte r‖s, SM3 with the
 * default signer ID) have no assigned byte in the form we sign, so they use the reserved 0xff
 * followed by a longer identifier, as the spec recommends. See docs/ledger-checkpoints.md.
 */
export const noteSignatureTypes: Readonly<Record<SignatureAlgorithm, Uint8Array>> = {
  ed25519: new Uint8Array([0x01]),
  'ecdsa-p256': new Uint8Array([0xff, ...utf8('fieldproof/ecdsa-p256-sha256-p1363')]),
  sm2: new Uint8Array([0xff, ...utf8('fieldproof/sm2-sm3')]),
};

/**
 * Whether `keyName` is a valid signed-note key name: non-empty, no Unicode space, no plus sign
 * (c2sp.org/signed-note), and no control character or lone surrogate (the note text rules).
 */
export function isValidNoteKeyName(keyName: string): boolean {
  return typeof keyName === 'string' && keyName.length > 0 && !/[\s+]/u.test(keyName) && isValidNoteCharacters(keyName);
}

/**
 * The 4-byte signed-note key id: SHA-256(key name ‖ 0x0A ‖ signature type ‖ public key)[:4],
 * always SHA-256 whatever the log's suite (it names a key; it is not a security hash).
 * Precondition: `publicKey` is the raw key of `alg` (32 bytes Ed25519, 65-byte SEC1 point otherwise).
 */
export function noteKeyId(keyName: string, alg: SignatureAlgorithm, publicKey: Uint8Array): Uint8Array {
  return suiteHash('intl', utf8(keyName), new Uint8Array([0x0a]), noteSignatureTypes[alg], publicKey).slice(0, 4);
}
