import { type CryptoSuiteName, toBase64 } from '@fieldproof/protocol';
import { CheckpointError } from '../errors.ts';
import { hashSizeBytes } from '../hash/rfc9162.ts';
import { isValidNoteCharacters } from './note-text.ts';

/** The extension line keyword that names a checkpoint's hash suite (see docs/ledger-checkpoints.md). */
export const suiteExtensionKeyword = 'fieldproof-suite';

/** What a checkpoint says. */
export interface FormatCheckpointParameters {
  /** The log's origin line: its unique name, e.g. `log.example.com/tenant-42`. */
  origin: string;
  /** Number of leaves in the tree. */
  size: number;
  /** RFC 9162 root of the tree at `size` (32 bytes). */
  rootHash: Uint8Array;
  /** Hash suite of the log; written as the extension line `fieldproof-suite <suite>`. */
  suite: CryptoSuiteName;
  /** Further extension lines after the suite line, each non-empty; none by default. */
  extensions?: readonly string[];
}

function malformed(message: string): CheckpointError {
  return new CheckpointError('checkpoint_malformed', message);
}

/**
 * The body of a C2SP tlog-checkpoint: origin, decimal size, base64 root hash, then the suite
 * line `fieldproof-suite intl|sm` and any other extension lines, each ending in a newline.
 * Sign it with signNote. Throws CheckpointError `checkpoint_malformed` for an empty origin or a
 * line with a newline or control character, a size that is not a safe non-negative integer, a
 * root that is not 32 bytes, an empty extension line or one that repeats the suite keyword.
 */
export function formatCheckpoint(parameters: FormatCheckpointParameters): string {
  const { origin, size, rootHash, suite, extensions = [] } = parameters;
  const isLine = (line: string): boolean =>
    typeof line === 'string' && line.length > 0 && !line.includes('\n') && isValidNoteCharacters(line);
  if (!isLine(origin)) throw malformed('the origin must be one non-empty line');
  if (!Number.isSafeInteger(size) || size < 0) throw malformed('the size must be a non-negative safe integer');
  if (!(rootHash instanceof Uint8Array) || rootHash.length !== hashSizeBytes) {
    throw malformed(`the root hash must be ${hashSizeBytes} bytes`);
  }
  if (suite !== 'intl' && suite !== 'sm') throw malformed('the suite must be intl or sm');
  for (const line of extensions) {
    if (!isLine(line)) throw malformed('an extension must be one non-empty line');
    if (line === suiteExtensionKeyword || line.startsWith(`${suiteExtensionKeyword} `)) {
      throw malformed(`the ${suiteExtensionKeyword} line is written from the suite parameter`);
    }
  }
  const lines = [origin, String(size), toBase64(rootHash), `${suiteExtensionKeyword} ${suite}`, ...extensions];
  return `${lines.join('\n')}\n`;
}
