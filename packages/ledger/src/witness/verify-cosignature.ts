import { bytesEqual, verify } from '@fieldproof/protocol';
import { type NoteSignature, parseNote } from '../checkpoint/open-note.ts';
import { cosignatureKeyId, cosignatureMessage, cosignatureTimeSecondsMax } from './cosign-checkpoint.ts';

/** A cosigner a verifier trusts: its name and Ed25519 public key (cosignature/v1). */
export interface CosignerKey {
  /** The cosigner's key name, as on its signature lines. */
  keyName: string;
  /** Raw 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
}

/** A signature line to check against one cosigner key. */
export interface VerifyCosignatureParameters {
  /** The checkpoint body the cosignature should cover, final newline included, no signature lines. */
  checkpointBody: string;
  /** The signature line `— <name> <base64>` (final newline optional) or an already parsed line. */
  signature: string | NoteSignature;
  /** The trusted cosigner. */
  key: CosignerKey;
}

/** Why a cosignature was not accepted. */
export type CosignatureRejection =
  /** The line is not a note signature line, or too short for a key id, a timestamp and 64 signature bytes. */
  | 'malformed'
  /** The line carries another key's name or key id: it is not this cosigner's (ignore it). */
  | 'key_mismatch'
  /** The line is this cosigner's, but the timestamp is out of range or the signature does not verify. */
  | 'signature_invalid';

/** The outcome of verifyCosignature. */
export type VerifyCosignatureResult =
  | {
      /** The cosignature verifies. */
      ok: true;
      /** Its timestamp, POSIX seconds. */
      timeSeconds: number;
    }
  | {
      /** The cosignature does not verify. */
      ok: false;
      /** Why. */
      reason: CosignatureRejection;
    };

function parseSignatureLine(checkpointBody: string, line: string): NoteSignature | undefined {
  const text = line.endsWith('\n') ? line : `${line}\n`;
  try {
    const parsed = parseNote(`${checkpointBody}\n${text}`);
    return parsed.signatures.length === 1 ? parsed.signatures[0] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Check an Ed25519 cosignature/v1 line (c2sp.org/tlog-cosignature) on a checkpoint body: the
 * name and key id must be the cosigner's, and the signature over `cosignature/v1\ntime <t>\n`
 * plus the body must verify. Never throws; a line of another key is `key_mismatch`, which a
 * client must ignore rather than treat as an attack. Precondition: the body was verified under
 * the log's key (openCheckpoint), since a cosignature says nothing about who wrote the body.
 */
export function verifyCosignature(parameters: VerifyCosignatureParameters): VerifyCosignatureResult {
  const { checkpointBody, key } = parameters;
  const line =
    typeof parameters.signature === 'string'
      ? parseSignatureLine(checkpointBody, parameters.signature)
      : parameters.signature;
  if (!line) return { ok: false, reason: 'malformed' };
  if (line.keyName !== key.keyName || !bytesEqual(line.keyId, cosignatureKeyId(key.keyName, key.publicKey))) {
    return { ok: false, reason: 'key_mismatch' };
  }
  if (line.signature.length !== 8 + 64) return { ok: false, reason: 'signature_invalid' };
  const time = new DataView(line.signature.buffer, line.signature.byteOffset, 8).getBigUint64(0, false);
  if (time > BigInt(cosignatureTimeSecondsMax)) return { ok: false, reason: 'signature_invalid' };
  const timeSeconds = Number(time);
  const signed = verify(
    'ed25519',
    key.publicKey,
    cosignatureMessage(checkpointBody, timeSeconds),
    line.signature.slice(8),
  );
  return signed ? { ok: true, timeSeconds } : { ok: false, reason: 'signature_invalid' };
}
