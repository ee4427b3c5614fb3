import { bytesEqual, toBase64 } from '@fieldproof/protocol';
import { noteKeyId } from '../checkpoint/note-key-id.ts';
import { type OpenCheckpointResult, openCheckpoint } from '../checkpoint/open-checkpoint.ts';
import { type NoteSignature, type NoteVerifierKey, parseNote } from '../checkpoint/open-note.ts';
import { type CosignatureRejection, type CosignerKey, verifyCosignature } from './verify-cosignature.ts';
import { WitnessError } from './witness-error.ts';

/** A checkpoint, the cosignatures gathered for it, and the k-of-n policy to judge them by. */
export interface CollectCosignaturesParameters {
  /** The checkpoint note signed by the log; it may already carry cosignature lines. */
  checkpointNote: string;
  /** Further cosignature lines, e.g. the bodies that witnesses answered to add-checkpoint. */
  cosignatures?: readonly string[];
  /** The log's trusted key: a checkpoint the log did not sign is never final. */
  logKey: NoteVerifierKey;
  /** The n witnesses of the policy, each with a distinct name and a distinct public key. */
  witnesses: readonly CosignerKey[];
  /** k: how many distinct witnesses must have cosigned; 1 ≤ k ≤ n. */
  threshold: number;
}

/** One witness's valid cosignature. */
export interface CollectedCosignature {
  /** The witness's key name. */
  keyName: string;
  /** The cosignature's timestamp, POSIX seconds. */
  timeSeconds: number;
  /** The signature line, final newline included. */
  line: string;
}

/** Whether the checkpoint is final under the policy, and on which cosignatures. */
export interface CollectCosignaturesResult {
  /** At least `threshold` distinct witnesses of the policy cosigned the checkpoint. */
  final: boolean;
  /** k of the policy. */
  threshold: number;
  /** n of the policy. */
  witnessCount: number;
  /** The checkpoint, as verified under the log key. */
  checkpoint: OpenCheckpointResult;
  /** One valid cosignature per witness that gave one, in the policy's witness order. */
  cosigned: CollectedCosignature[];
  /** Lines that carry a policy witness's name and key id but do not verify. */
  rejected: { keyName: string; reason: CosignatureRejection }[];
  /** The log's note with the collected cosignatures appended (the form to publish or anchor). */
  note: string;
}

function formatSignatureLine(signature: NoteSignature): string {
  const bytes = new Uint8Array(signature.keyId.length + signature.signature.length);
  bytes.set(signature.keyId, 0);
  bytes.set(signature.signature, signature.keyId.length);
  return `— ${signature.keyName} ${toBase64(bytes)}\n`;
}

/** Parse one extra signature line; a line that is not one is ignored, like a line of an unknown key. */
function parseExtraLine(body: string, line: string): NoteSignature[] {
  try {
    return parseNote(`${body}\n${line.endsWith('\n') ? line : `${line}\n`}`).signatures;
  } catch {
    return [];
  }
}

function checkPolicy(witnesses: readonly CosignerKey[], threshold: number): void {
  if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > witnesses.length) {
    throw new WitnessError(
      'witness_policy_invalid',
      `k must be an integer in [1, ${witnesses.length}], got ${threshold}`,
    );
  }
  // cosignature/v1 does not sign the cosigner's name, so one key under two names would count twice.
  witnesses.forEach((witness, i) => {
    for (const other of witnesses.slice(i + 1)) {
      if (witness.keyName === other.keyName || bytesEqual(witness.publicKey, other.publicKey)) {
        throw new WitnessError(
          'witness_policy_invalid',
          `witnesses ${witness.keyName} and ${other.keyName} are not distinct`,
        );
      }
    }
  });
}

/**
 * Decide whether a checkpoint is final under a k-of-n witness policy: it must verify under the
 * log's key (else CheckpointError as openCheckpoint throws) and carry valid Ed25519
 * cosignature/v1 lines from at least k distinct witnesses of the policy. Lines of keys outside
 * the policy, and extra lines that are not signature lines, are ignored, as c2sp.org/tlog-witness requires; a second line of one witness counts
 * once. Throws WitnessError `witness_policy_invalid` when k is not in [1, n] or two witnesses
 * share a name or a public key.
 */
export function collectCosignatures(parameters: CollectCosignaturesParameters): CollectCosignaturesResult {
  const { checkpointNote, cosignatures = [], logKey, witnesses, threshold } = parameters;
  checkPolicy(witnesses, threshold);
  const checkpoint = openCheckpoint(checkpointNote, logKey);
  // openCheckpoint verified the log's signature; parsing again only splits the lines.
  const { body, signatures: noteLines } = parseNote(checkpointNote);
  const extraLines = cosignatures.flatMap((line) => parseExtraLine(body, line));
  const cosigned: CollectedCosignature[] = [];
  const rejected: { keyName: string; reason: CosignatureRejection }[] = [];
  for (const witness of witnesses) {
    let found: CollectedCosignature | undefined;
    for (const signature of [...noteLines, ...extraLines]) {
      const verdict = verifyCosignature({ checkpointBody: body, signature, key: witness });
      if (verdict.ok) {
        found ??= { keyName: witness.keyName, timeSeconds: verdict.timeSeconds, line: formatSignatureLine(signature) };
      } else if (verdict.reason !== 'key_mismatch') {
        rejected.push({ keyName: witness.keyName, reason: verdict.reason });
      }
    }
    if (found) cosigned.push(found);
  }
  const logKeyId = noteKeyId(logKey.keyName, logKey.alg, logKey.publicKey);
  const logLines = noteLines
    .filter((line) => line.keyName === logKey.keyName && bytesEqual(line.keyId, logKeyId))
    .map(formatSignatureLine);
  return {
    final: cosigned.length >= threshold,
    threshold,
    witnessCount: witnesses.length,
    checkpoint,
    cosigned,
    rejected,
    note: `${body}\n${logLines.join('')}${cosigned.map((entry) => entry.line).join('')}`,
  };
}
