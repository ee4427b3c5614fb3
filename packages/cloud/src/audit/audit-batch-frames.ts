import { hashLeaf } from '@fieldproof/ledger';
import {
  type BulkVerifier,
  type CryptoSuiteName,
  canonicalizeSignedFrame,
  fromBase64,
  type SignedFrame,
  SignedFrameSchema,
  toHex,
  utf8,
  type VerifyItem,
} from '@fieldproof/protocol';
import type Database from 'better-sqlite3';
import { type FrameOriginDevice, verifyFrameOrigin } from '../ingest/verify-frame-origin.ts';
import type { FrameRow } from '../storage/cloud-store.ts';
import type { AuditFinding } from './audit-finding.ts';

/** What auditBatchFrames needs to know about the batch whose frames it checks. */
export interface AuditBatchFramesParameters {
  /** Hash suite of the log. */
  suite: CryptoSuiteName;
  /** The batch row's id (frame.batch_id). */
  batchId: number;
  /** The batch entry's leaf index in the log. */
  logIndex: number;
  /** The edge and batch seq, to find quarantine records of this batch's leaves. */
  edgeId: string;
  /** The batch's seq in its edge's chain. */
  batchSeq: number;
  /** Hex leaf hashes under the batch root, in leaf order (from batch.leaf_hashes). */
  leafHashesHex: readonly string[];
  /** Quarantined leaves: `edge/seq/leaf` → hex leaf hash of the kept payload, or null when it was cut short. */
  quarantinedLeaves: ReadonlyMap<string, string | null>;
  /** Signature verifier (a worker pool for large logs). */
  verifier: BulkVerifier;
  /** Reads the frame rows of a batch in leaf order. */
  framesOfBatch: Database.Statement<[number]>;
  /** Reads a device's key. */
  deviceKey: Database.Statement<[string]>;
  /** Reads a device's rotated keys (alg, public_key, valid_from_ms); absent on a store from before migration 0009. */
  deviceRotatedKeys?: Database.Statement<[string]> | undefined;
}

/** What auditBatchFrames found. */
export interface AuditBatchFramesResult {
  /** Findings for this batch's frame rows and missing leaves, in leaf order (all but signatures). */
  findings: AuditFinding[];
  /** Frame rows read. */
  framesChecked: number;
  /**
   * The device signature findings, once the verifier has answered: the caller may go on with the
   * next batch meanwhile, so that reading rows and verifying signatures overlap.
   */
  signatureFindings: Promise<AuditFinding[]>;
}

interface PendingSignature {
  row: FrameRow;
  frameLeafIndex: number;
  item: VerifyItem;
}

/** Quarantine key of a batch leaf, as ingest writes it into quarantine.source. */
export function quarantineLeafKey(edgeId: string, batchSeq: number, leafIndex: number): string {
  return `${edgeId}/${batchSeq}/${leafIndex}`;
}

function parseSignedFrame(body: string): SignedFrame | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = SignedFrameSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Check every frame row of one batch against the leaf hashes its batch root covers: each row's id
 * is recomputed from its body (the RFC 9162 leaf hash of the canonical signed frame), must equal
 * the batch's leaf hash at the row's leaf index, must agree with its own columns, and must carry a
 * device signature that verifies with the registered device key. A leaf with no row is a deleted
 * frame unless a quarantine record of that leaf holds a payload hashing to it.
 * Precondition: `leafHashesHex` came from the batch row (whose root the caller checks).
 */
export function auditBatchFrames(parameters: AuditBatchFramesParameters): AuditBatchFramesResult {
  const { suite, batchId, logIndex, leafHashesHex } = parameters;
  const findings: AuditFinding[] = [];
  const leafIndexByHash = new Map<string, number>();
  leafHashesHex.forEach((hash, index) => {
    if (!leafIndexByHash.has(hash)) leafIndexByHash.set(hash, index);
  });
  const rowsByLeaf = new Array<boolean>(leafHashesHex.length).fill(false);
  const pending: PendingSignature[] = [];
  let framesChecked = 0;
  const frameFinding = (
    kind: 'frame_edited' | 'frame_inserted',
    row: FrameRow,
    frameLeafIndex: number,
    message: string,
  ) => findings.push({ kind, table: 'frame', row: row.id, logIndex, frameLeafIndex, message });

  for (const row of parameters.framesOfBatch.iterate(batchId) as IterableIterator<FrameRow>) {
    framesChecked++;
    const signed = parseSignedFrame(row.body);
    const texts = signed ? canonicalizeSignedFrame(signed) : undefined;
    const hashHex = toHex(hashLeaf(suite, utf8(texts?.signed ?? row.body)));
    const expectedHex = leafHashesHex[row.leaf_index];
    const claim = (leafIndex: number): boolean => {
      if (rowsByLeaf[leafIndex]) {
        frameFinding('frame_inserted', row, leafIndex, `a second frame row for leaf ${leafIndex} of batch ${batchId}`);
        return false;
      }
      rowsByLeaf[leafIndex] = true;
      return true;
    };
    if (expectedHex !== undefined && hashHex === expectedHex) {
      if (!claim(row.leaf_index)) continue;
      const problems: string[] = [];
      if (row.id !== hashHex) problems.push(`its id column is ${row.id.slice(0, 16)}…, its body hashes to ${hashHex}`);
      if (texts && texts.signed !== row.body) problems.push('its body is not in canonical form');
      if (signed) {
        const frame = signed.frame;
        if (frame.deviceId !== row.device_id || frame.seq !== row.seq || frame.deviceTimeMs !== row.device_time_ms) {
          problems.push('its device_id, seq or device_time_ms column differs from its signed body');
        }
        const device = parameters.deviceKey.get(frame.deviceId) as
          | (FrameOriginDevice & { public_key: Buffer; edge_alg: string; edge_public_key: Buffer })
          | undefined;
        // The same origin rule as ingest: a device's own key, or its edge's key for a keyless device.
        const origin = verifyFrameOrigin({
          frame: signed,
          message: (texts as { message: string }).message,
          device,
          edge: device
            ? { edge_id: device.edge_id, alg: device.edge_alg, public_key: device.edge_public_key }
            : { edge_id: '', alg: '', public_key: new Uint8Array() },
          // A stored frame is checked with the key valid at its device time (after a rotation), and
          // never refused for the device's status now: it was accepted when it was logged.
          identity: {
            status: 'active',
            statusChangedAtMs: null,
            keys: (
              (parameters.deviceRotatedKeys?.all(frame.deviceId) ?? []) as {
                alg: string;
                public_key: Buffer;
                valid_from_ms: number;
              }[]
            ).map((key) => ({ alg: key.alg, publicKey: key.public_key, validFromMs: Number(key.valid_from_ms) })),
          },
        });
        if (!origin.ok) problems.push(origin.message);
        else {
          pending.push({
            row,
            frameLeafIndex: row.leaf_index,
            item: {
              alg: origin.alg,
              publicKey: new Uint8Array(origin.publicKey),
              message: utf8(origin.message),
              signature: fromBase64(signed.sig) ?? new Uint8Array(0),
            },
          });
        }
      }
      if (problems.length > 0) frameFinding('frame_edited', row, row.leaf_index, problems.join('; '));
      continue;
    }
    if (expectedHex !== undefined && row.id === expectedHex) {
      if (claim(row.leaf_index)) {
        frameFinding(
          'frame_edited',
          row,
          row.leaf_index,
          `its body no longer hashes to leaf ${row.leaf_index} of its batch (now ${hashHex.slice(0, 16)}…)`,
        );
      }
      continue;
    }
    const actualLeaf = leafIndexByHash.get(hashHex) ?? leafIndexByHash.get(row.id);
    if (actualLeaf !== undefined) {
      if (claim(actualLeaf)) {
        frameFinding(
          'frame_edited',
          row,
          actualLeaf,
          `its leaf_index column says ${row.leaf_index}, but it is leaf ${actualLeaf} of its batch`,
        );
      }
      continue;
    }
    frameFinding(
      'frame_inserted',
      row,
      row.leaf_index,
      `no leaf of batch ${batchId} (log leaf ${logIndex}) covers it: it is not under the signed batch root`,
    );
  }

  const signatureFindings =
    pending.length === 0
      ? Promise.resolve([])
      : parameters.verifier.verifyMany(pending.map((entry) => entry.item)).then((verdicts) =>
          pending.flatMap((entry, position): AuditFinding[] =>
            verdicts[position] === true
              ? []
              : [
                  {
                    kind: 'frame_edited',
                    table: 'frame',
                    row: entry.row.id,
                    logIndex,
                    frameLeafIndex: entry.frameLeafIndex,
                    message: `the device signature does not verify with ${entry.row.device_id}'s registered key`,
                  },
                ],
          ),
        );

  rowsByLeaf.forEach((present, leafIndex) => {
    if (present) return;
    const key = quarantineLeafKey(parameters.edgeId, parameters.batchSeq, leafIndex);
    const quarantined = parameters.quarantinedLeaves.get(key);
    if (quarantined === null || (quarantined !== undefined && quarantined === leafHashesHex[leafIndex])) return;
    findings.push({
      kind: 'frame_deleted',
      table: 'frame',
      row: leafHashesHex[leafIndex] as string,
      logIndex,
      frameLeafIndex: leafIndex,
      message:
        quarantined === undefined
          ? `leaf ${leafIndex} of batch ${parameters.edgeId}/${parameters.batchSeq} has no frame row and was not quarantined`
          : `leaf ${leafIndex} of batch ${parameters.edgeId}/${parameters.batchSeq} has no frame row, and its quarantine record holds another payload`,
    });
  });
  findings.sort((a, b) => (a.frameLeafIndex ?? 0) - (b.frameLeafIndex ?? 0));
  return { findings, framesChecked, signatureFindings };
}
