import { assert, type Signer, suiteHash, toBase64, utf8 } from '@fieldproof/protocol';
import { isValidNoteKeyName } from '../checkpoint/note-key-id.ts';
import { isValidNoteCharacters, noteBytesMax } from '../checkpoint/note-text.ts';
import { CheckpointError } from '../errors.ts';

/** The header line of a c2sp.org/tlog-cosignature v1 signed message (domain separation). */
export const cosignatureHeaderLine = 'cosignature/v1';

/** The signed-note signature type of Ed25519 cosignature/v1 key ids. */
export const cosignatureSignatureType = 0x04;

/** Largest cosignature timestamp, in POSIX seconds: the largest exact JavaScript integer (the spec allows 2^63 − 1). */
export const cosignatureTimeSecondsMax = Number.MAX_SAFE_INTEGER;

/** Who cosigns, and when. */
export interface CosignCheckpointParameters {
  /** The cosigner's key name on the signature line, e.g. `witness.bank.example/w1`. */
  keyName: string;
  /** The cosigner's Ed25519 signer (a key file, a KMS or an HSM). */
  signer: Signer;
  /** Time of the cosignature in POSIX seconds; a non-negative integer. */
  timeSeconds: number;
}

/**
 * The 4-byte key id of an Ed25519 cosigner: SHA-256(name ‖ 0x0A ‖ 0x04 ‖ 32-byte public key)[:4]
 * (c2sp.org/tlog-cosignature). Precondition: `publicKey` is a raw 32-byte Ed25519 key.
 */
export function cosignatureKeyId(keyName: string, publicKey: Uint8Array): Uint8Array {
  return suiteHash('intl', utf8(keyName), new Uint8Array([0x0a, cosignatureSignatureType]), publicKey).slice(0, 4);
}

/**
 * The message a cosignature/v1 signs: `cosignature/v1\ntime <seconds>\n` and then the whole
 * checkpoint body, final newline included. Precondition: `timeSeconds` is a safe non-negative integer.
 */
export function cosignatureMessage(checkpointBody: string, timeSeconds: number): Uint8Array {
  return utf8(`${cosignatureHeaderLine}\ntime ${timeSeconds}\n${checkpointBody}`);
}

/**
 * Cosign a checkpoint body (c2sp.org/tlog-cosignature, Ed25519 cosignature/v1): returns the note
 * signature line `— <keyName> base64(keyId ‖ timestamp (8 bytes, big-endian) ‖ signature)` with
 * its final newline, ready to append to the checkpoint note.
 * Preconditions: the caller has verified the body under the log's key and its consistency with
 * what it cosigned before (witnessCheckpoint does both); `signer.alg` is `ed25519` (asserted).
 * Throws CheckpointError `checkpoint_malformed` for a body that is not note text ending in a
 * newline, a bad key name, or a time that is not an integer in [0, cosignatureTimeSecondsMax].
 */
export function cosignCheckpoint(checkpointBody: string, parameters: CosignCheckpointParameters): string {
  const { keyName, signer, timeSeconds } = parameters;
  assert(signer.alg === 'ed25519', `a cosignature/v1 signer must be Ed25519, got ${signer.alg}`);
  if (
    typeof checkpointBody !== 'string' ||
    checkpointBody.length < 2 ||
    !checkpointBody.endsWith('\n') ||
    checkpointBody.includes('\n\n') ||
    !isValidNoteCharacters(checkpointBody) ||
    new TextEncoder().encode(checkpointBody).length > noteBytesMax
  ) {
    throw new CheckpointError('checkpoint_malformed', 'a checkpoint body must be note text ending in one newline');
  }
  if (!isValidNoteKeyName(keyName)) {
    throw new CheckpointError('checkpoint_malformed', 'a cosigner key name must be non-empty, without spaces or "+"', {
      keyName,
    });
  }
  if (!Number.isSafeInteger(timeSeconds) || timeSeconds < 0) {
    throw new CheckpointError('checkpoint_malformed', 'a cosignature time must be a non-negative integer of seconds', {
      timeSeconds,
    });
  }
  const signature = signer.sign(cosignatureMessage(checkpointBody, timeSeconds));
  const bytes = new Uint8Array(4 + 8 + signature.length);
  bytes.set(cosignatureKeyId(keyName, signer.publicKey), 0);
  new DataView(bytes.buffer).setBigUint64(4, BigInt(timeSeconds), false);
  bytes.set(signature, 12);
  return `— ${keyName} ${toBase64(bytes)}\n`;
}
