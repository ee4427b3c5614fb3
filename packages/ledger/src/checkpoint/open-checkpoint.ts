import { type CryptoSuiteName, fromBase64 } from '@fieldproof/protocol';
import { CheckpointError } from '../errors.ts';
import { hashSizeBytes } from '../hash/rfc9162.ts';
import { suiteExtensionKeyword } from './format-checkpoint.ts';
import { type NoteVerifierKey, openNote } from './open-note.ts';

/** What a verified checkpoint says. */
export interface OpenCheckpointResult {
  /** The log's origin line. */
  origin: string;
  /** Number of leaves in the tree. */
  size: number;
  /** RFC 9162 root of the tree at `size` (32 bytes). */
  rootHash: Uint8Array;
  /** The log's hash suite, from the `fieldproof-suite` extension line. */
  suite: CryptoSuiteName;
  /** The other extension lines, in order. */
  extensions: string[];
}

function malformed(message: string): CheckpointError {
  return new CheckpointError('checkpoint_malformed', message);
}

const decimalPattern = /^(?:0|[1-9][0-9]*)$/;

/** Read a checkpoint body whose signature has already verified. */
function readCheckpointBody(body: string): OpenCheckpointResult {
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3 || lines.some((line) => line.length === 0)) {
    throw malformed('a checkpoint has at least three lines, none of them empty');
  }
  const [origin, sizeLine, rootLine, ...extensionLines] = lines as [string, string, string, ...string[]];
  const size = Number(sizeLine);
  if (!decimalPattern.test(sizeLine) || !Number.isSafeInteger(size)) {
    throw malformed('the checkpoint size must be a decimal safe integer without leading zeros');
  }
  const rootHash = fromBase64(rootLine);
  if (rootHash === undefined || rootHash.length !== hashSizeBytes) {
    throw malformed(`the checkpoint root must be ${hashSizeBytes} bytes of standard base64`);
  }
  const suiteLines = extensionLines.filter(
    (line) => line === suiteExtensionKeyword || line.startsWith(`${suiteExtensionKeyword} `),
  );
  if (suiteLines.length !== 1) throw malformed(`a checkpoint needs exactly one ${suiteExtensionKeyword} line`);
  const suite = (suiteLines[0] as string).slice(suiteExtensionKeyword.length + 1);
  if (suite !== 'intl' && suite !== 'sm') throw malformed(`${suiteExtensionKeyword} must be intl or sm`);
  const extensions = extensionLines.filter((line) => line !== suiteLines[0]);
  return { origin, size, rootHash, suite, extensions };
}

/**
 * Verify a C2SP checkpoint (a signed note) with the log's trusted key, then read it. Signatures
 * of other keys (witness cosignatures, a rotated key) are ignored. Throws CheckpointError:
 * `checkpoint_key_unknown` when no line carries the key's name and id,
 * `checkpoint_signature_invalid` when such a line does not verify, and `checkpoint_malformed`
 * for a note or body that does not follow tlog-checkpoint or lacks its `fieldproof-suite` line.
 * The body is read only after its signature verified, as the signed-note spec requires.
 */
export function openCheckpoint(noteText: string, key: NoteVerifierKey): OpenCheckpointResult {
  const { body } = openNote(noteText, key);
  return readCheckpointBody(body);
}
