import { type Signer, toBase64, utf8 } from '@fieldproof/protocol';
import { CheckpointError } from '../errors.ts';
import { isValidNoteKeyName, noteKeyId } from './note-key-id.ts';
import { isValidNoteCharacters, noteBytesMax } from './note-text.ts';

/** Who signs a note. */
export interface SignNoteParameters {
  /** The key name on the signature line; for a log, its origin. No spaces, no plus sign. */
  keyName: string;
  /** The signing key (a key file, a KMS or an HSM). */
  signer: Signer;
}

/**
 * Sign a note body (c2sp.org/signed-note): returns the body, a blank line and the line
 * `— <keyName> base64(keyId ‖ signature)`. The signature is over the body's UTF-8 bytes; the key
 * id is noteKeyId(keyName, signer.alg, signer.publicKey).
 * Preconditions, else CheckpointError `checkpoint_malformed`: the body is non-empty, ends with a
 * newline, holds no control character but newline, and fits noteBytesMax; the key name is valid.
 */
export function signNote(body: string, parameters: SignNoteParameters): string {
  const { keyName, signer } = parameters;
  if (
    typeof body !== 'string' ||
    body.length < 2 ||
    !body.endsWith('\n') ||
    !isValidNoteCharacters(body) ||
    Buffer.byteLength(body, 'utf8') > noteBytesMax
  ) {
    throw new CheckpointError(
      'checkpoint_malformed',
      'a note body must be non-empty text ending in a newline, without control characters',
    );
  }
  if (!isValidNoteKeyName(keyName)) {
    throw new CheckpointError('checkpoint_malformed', 'a note key name must be non-empty, without spaces or "+"', {
      keyName,
    });
  }
  const keyId = noteKeyId(keyName, signer.alg, signer.publicKey);
  const signature = signer.sign(utf8(body));
  const signed = new Uint8Array(keyId.length + signature.length);
  signed.set(keyId, 0);
  signed.set(signature, keyId.length);
  return `${body}\n— ${keyName} ${toBase64(signed)}\n`;
}
