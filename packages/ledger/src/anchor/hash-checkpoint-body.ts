import { type CryptoSuiteName, suiteHash, utf8 } from '@fieldproof/protocol';
import { parseNote } from '../checkpoint/open-note.ts';

/**
 * The checkpoint hash written on chain beside the root: the log suite's hash (SHA-256 for
 * `intl`, SM3 for `sm`) of the checkpoint body, i.e. the signed note without its signature
 * lines. Cosignatures added later do not change it. The note is split, not verified: the caller
 * anchors its own checkpoints or has verified the note already. Throws CheckpointError
 * `checkpoint_malformed` for text that is not a signed note.
 */
export function hashCheckpointBody(suite: CryptoSuiteName, noteText: string): Uint8Array {
  return suiteHash(suite, utf8(parseNote(noteText).body));
}
