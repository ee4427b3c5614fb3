import { bytesEqual, fromBase64, type SignatureAlgorithm, utf8, utf8ByteLength, verify } from '@fieldproof/protocol';
import { CheckpointError } from '../errors.ts';
import { isValidNoteKeyName, noteKeyId } from './note-key-id.ts';
import { isValidNoteCharacters, noteBytesMax, noteSignaturesMax } from './note-text.ts';

/** The public key a verifier trusts for a note. */
export interface NoteVerifierKey {
  /** Key name expected on the signature line. */
  keyName: string;
  /** Signature algorithm of the key. */
  alg: SignatureAlgorithm;
  /** Raw public key bytes. */
  publicKey: Uint8Array;
}

/** One signature line of a note. */
export interface NoteSignature {
  /** Key name on the line. */
  keyName: string;
  /** The 4-byte key id. */
  keyId: Uint8Array;
  /** The signature bytes after the key id. */
  signature: Uint8Array;
}

/** A note split into its body and signature lines; not yet verified. */
export interface ParsedNote {
  /** The signed text, final newline included. */
  body: string;
  /** Every signature line, in order. */
  signatures: NoteSignature[];
}

/** A note whose trusted signature verified. */
export interface OpenNoteResult {
  /** The signed text, final newline included. */
  body: string;
  /** The signature lines, the verified one and any others (cosignatures, other keys) alike. */
  signatures: NoteSignature[];
}

function malformed(message: string, details?: Record<string, unknown>): CheckpointError {
  return new CheckpointError('checkpoint_malformed', message, details);
}

/**
 * Split a signed note (c2sp.org/signed-note) into body and signature lines without verifying
 * anything. The body ends at the last blank line. Throws CheckpointError `checkpoint_malformed`
 * for text that is not a signed note: control characters, no blank line, no signature, a bad
 * signature line, more than noteSignaturesMax signatures or more than noteBytesMax bytes.
 */
export function parseNote(noteText: string): ParsedNote {
  if (typeof noteText !== 'string' || utf8ByteLength(noteText) > noteBytesMax) {
    throw malformed(`a note must be text of at most ${noteBytesMax} bytes`);
  }
  if (!isValidNoteCharacters(noteText)) throw malformed('a note must not hold control characters other than newline');
  if (!noteText.endsWith('\n')) throw malformed('a note must end with a newline');
  const split = noteText.lastIndexOf('\n\n');
  if (split < 0) throw malformed('a note needs a blank line before its signatures');
  const body = noteText.slice(0, split + 1);
  const lines = noteText.slice(split + 2, -1).split('\n');
  if (lines.length > noteSignaturesMax) throw malformed(`a note may carry at most ${noteSignaturesMax} signatures`);
  const signatures = lines.map((line, i): NoteSignature => {
    if (!line.startsWith('— ')) throw malformed('a signature line must start with an em dash and a space', { line: i });
    const rest = line.slice(2);
    const space = rest.indexOf(' ');
    const keyName = rest.slice(0, space);
    const decoded = space > 0 ? fromBase64(rest.slice(space + 1)) : undefined;
    if (!isValidNoteKeyName(keyName) || decoded === undefined || decoded.length < 5) {
      throw malformed('a signature line must be "— <key name> <base64 key id and signature>"', { line: i });
    }
    return { keyName, keyId: decoded.slice(0, 4), signature: decoded.slice(4) };
  });
  return { body, signatures };
}

/**
 * Parse a signed note and verify it with one trusted key. Every signature line with the key's
 * name and key id must verify (`checkpoint_signature_invalid` otherwise) and there must be at
 * least one (`checkpoint_key_unknown` otherwise). Lines of other keys are ignored, as the spec
 * requires. Throws CheckpointError `checkpoint_malformed` as parseNote does.
 */
export function openNote(noteText: string, key: NoteVerifierKey): OpenNoteResult {
  const parsed = parseNote(noteText);
  const keyId = noteKeyId(key.keyName, key.alg, key.publicKey);
  const message = utf8(parsed.body);
  let verified = 0;
  for (const line of parsed.signatures) {
    if (line.keyName !== key.keyName || !bytesEqual(line.keyId, keyId)) continue;
    if (!verify(key.alg, key.publicKey, message, line.signature)) {
      throw new CheckpointError('checkpoint_signature_invalid', `the signature of key ${key.keyName} does not verify`, {
        keyName: key.keyName,
      });
    }
    verified++;
  }
  if (verified === 0) {
    throw new CheckpointError('checkpoint_key_unknown', `the note carries no signature of key ${key.keyName}`, {
      keyName: key.keyName,
    });
  }
  return parsed;
}
