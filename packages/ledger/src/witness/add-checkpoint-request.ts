import { fromBase64, toBase64 } from '@fieldproof/protocol';
import { noteBytesMax } from '../checkpoint/note-text.ts';
import { type Hash, hashSizeBytes } from '../hash/rfc9162.ts';
import { consistencyProofLinesMax, type WitnessCheckpointRequest } from './witness-checkpoint.ts';
import { WitnessError } from './witness-error.ts';

/** Largest add-checkpoint body accepted, in bytes: a note plus the old size and 63 proof lines. */
export const addCheckpointBytesMax = noteBytesMax + 4096;

const decimalPattern = /^(?:0|[1-9][0-9]*)$/;

function invalid(message: string, details?: Record<string, unknown>): WitnessError {
  return new WitnessError('witness_request_invalid', message, details);
}

/**
 * Parse the body of a c2sp.org/tlog-witness add-checkpoint request: `old <size>\n`, zero to 63
 * base64 consistency proof lines, an empty line, then the checkpoint note. The note is returned
 * as text, unverified. Throws WitnessError `witness_request_invalid` for anything else.
 */
export function parseAddCheckpointRequest(text: string): WitnessCheckpointRequest {
  if (typeof text !== 'string' || Buffer.byteLength(text, 'utf8') > addCheckpointBytesMax) {
    throw invalid(`an add-checkpoint body is text of at most ${addCheckpointBytesMax} bytes`);
  }
  const split = text.indexOf('\n\n');
  if (split < 0) throw invalid('an add-checkpoint body needs an empty line before the checkpoint');
  const [oldLine, ...proofLines] = text.slice(0, split).split('\n');
  const oldText = oldLine?.startsWith('old ') ? oldLine.slice(4) : '';
  const oldSize = Number(oldText);
  if (!decimalPattern.test(oldText) || !Number.isSafeInteger(oldSize)) {
    throw invalid('the first line must be "old <size>", the size in decimal without leading zeros');
  }
  if (proofLines.length > consistencyProofLinesMax) {
    throw invalid(`at most ${consistencyProofLinesMax} consistency proof lines are allowed`);
  }
  const consistencyProof = proofLines.map((line, index): Hash => {
    const hash = fromBase64(line);
    if (!hash || hash.length !== hashSizeBytes) {
      throw invalid(`consistency proof line ${index + 1} is not a base64 ${hashSizeBytes}-byte hash`, {
        line: index + 1,
      });
    }
    return hash;
  });
  return { oldSize, consistencyProof, checkpointNote: text.slice(split + 2) };
}

/** Write an add-checkpoint request body (c2sp.org/tlog-witness), the inverse of parseAddCheckpointRequest. */
export function formatAddCheckpointRequest(request: WitnessCheckpointRequest): string {
  const proof = request.consistencyProof.map((hash) => `${toBase64(hash)}\n`).join('');
  return `old ${request.oldSize}\n${proof}\n${request.checkpointNote}`;
}
