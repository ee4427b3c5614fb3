import { hashLeaf, merkleRoot } from '@fieldproof/ledger';
import {
  type BatchHeader,
  type BatchUpload,
  canonicalize,
  canonicalizeSignedFrame,
  FieldproofError,
  GENESIS_BATCH_HASH,
  type SignedFrame,
  SignedFrameSchema,
  type Signer,
  toBase64,
  toHex,
  utf8,
} from '@fieldproof/protocol';
import type { BusDelivery } from '../bus/frame-bus.ts';
import type { CloudContext } from '../context.ts';
import { ingestBatch } from '../ingest/ingest-batch.ts';
import type { DirectIngestMetrics } from './direct-ingest-metrics.ts';
import type { VerifiedSignatures } from './verified-signatures.ts';

export interface SequenceDirectFramesParameters {
  /** One pull from the bus. Every delivery is acked or nak'd before this returns. */
  deliveries: BusDelivery[];
  /** The cloud's direct-ingest edge: its id and the key its batch headers are signed with. */
  edge: { edgeId: string; signer: Signer };
  /** Most frames in one batch (at most `limits.batchFramesMax`). */
  batchFramesMax: number;
  /** Pause before frames of a batch the store could not take are delivered again. */
  retryDelayMs: number;
  /** Counters to add to. */
  metrics: DirectIngestMetrics;
  /** Signatures the verify step in this process found good: `ingestBatch` does not verify those again. */
  verifiedSignatures?: VerifiedSignatures;
}

export interface SequenceDirectFramesResult {
  /** The batch seqs appended to the log, in order (none when every frame was a duplicate). */
  batchSeqs: number[];
  /** Frames stored as facts. */
  framesStored: number;
  /** Frames quarantined, by the bus step here (unreadable) or inside a batch (replayed seq). */
  framesQuarantined: number;
  /** Frames dropped as duplicates of a logged frame or of another delivery of this pull. */
  duplicates: number;
  /** Frames given back to the bus to try again (the store was down, another writer moved the chain). */
  retried: number;
}

/** Codes after which the same frames are worth another try: nothing about them was wrong. */
const retryCodes = new Set(['store_unavailable', 'store_contended', 'batch_out_of_order', 'batch_conflict']);

interface Candidate {
  delivery: BusDelivery;
  signed: SignedFrame;
  /** The leaf text (canonical signed frame). */
  leaf: string;
}

/**
 * The direct-ingest sequencer step: turn one pull of verified frames into batches signed with
 * the cloud's direct-ingest edge key, chained after that edge's last batch, and hand each to
 * `ingestBatch` (which verifies again, quarantines a bad frame with its code and appends the batch
 * to the log in one transaction); ack the deliveries only after that commit. Duplicates — a frame
 * delivered twice in a pull, or already logged (bus redelivery after a crash between commit and
 * ack, a device resending) — are dropped and acked, never logged twice; a different frame reusing
 * a spent seq goes into the batch and is quarantined there as `frame_replayed`. When the store is
 * down the deliveries are nak'd with `retryDelayMs` and nothing is acked.
 * Precondition: the single sequencer of the direct-ingest edge's batch chain (a second writer is
 * survived, by retrying on `batch_out_of_order`, but wastes work).
 */
export async function sequenceDirectFrames(
  context: CloudContext,
  parameters: SequenceDirectFramesParameters,
): Promise<SequenceDirectFramesResult> {
  const { store, suite, config } = context;
  const { edge, metrics } = parameters;
  const result: SequenceDirectFramesResult = {
    batchSeqs: [],
    framesStored: 0,
    framesQuarantined: 0,
    duplicates: 0,
    retried: 0,
  };
  const settleLater: BusDelivery[] = [];
  const byKey = new Map<string, Candidate[]>();
  const candidates: Candidate[] = [];
  for (const delivery of parameters.deliveries) {
    const signed = parseBusFrame(delivery.frame.bytes);
    if (!signed) {
      // The verify step let only schema-valid frames onto the bus; another writer may not have.
      const bytes = delivery.frame.bytes;
      await store.quarantine({
        receivedAtMs: delivery.frame.receivedAtMs,
        source: delivery.frame.source,
        code: 'frame_malformed',
        message: 'a frame on the bus is not a signed frame',
        edgeId: edge.edgeId,
        payload: bytes.subarray(0, config.limits.quarantinePayloadBytesMax),
        payloadBytes: bytes.length,
      });
      result.framesQuarantined++;
      await delivery.ack();
      continue;
    }
    const leaf = canonicalizeSignedFrame(signed).signed;
    const key = `${signed.frame.deviceId}:${signed.frame.seq}`;
    const same = byKey.get(key) ?? [];
    if (same.some((other) => other.leaf === leaf)) {
      result.duplicates++;
      settleLater.push(delivery);
      continue;
    }
    same.push({ delivery, signed, leaf });
    byKey.set(key, same);
    candidates.push({ delivery, signed, leaf });
  }

  // A seq at or below the device's last logged seq: a duplicate if that very frame is stored.
  const devices = await store.devicesById([...new Set(candidates.map((c) => c.signed.frame.deviceId))]);
  const fresh: Candidate[] = [];
  for (const candidate of candidates) {
    const last = devices.get(candidate.signed.frame.deviceId)?.last_seq ?? null;
    if (last !== null && candidate.signed.frame.seq <= last) {
      const id = toHex(hashLeaf(suite, utf8(candidate.leaf)));
      if (await store.frame(id)) {
        result.duplicates++;
        settleLater.push(candidate.delivery);
        continue;
      }
    }
    fresh.push(candidate);
  }
  // Rising seq per device inside a batch, as ingestBatch's replay check requires.
  fresh.sort((a, b) =>
    a.signed.frame.deviceId === b.signed.frame.deviceId
      ? a.signed.frame.seq - b.signed.frame.seq
      : a.signed.frame.deviceId < b.signed.frame.deviceId
        ? -1
        : 1,
  );

  const framesMax = Math.min(parameters.batchFramesMax, config.limits.batchFramesMax);
  // Keep each batch body well under batchBytesMax (the frames plus the header and JSON framing).
  const bytesMax = Math.floor(config.limits.batchBytesMax / 2);
  let start = 0;
  while (start < fresh.length) {
    let end = start;
    let bytes = 0;
    while (end < fresh.length && end - start < framesMax) {
      const size = (fresh[end] as Candidate).leaf.length + 1;
      if (end > start && bytes + size > bytesMax) break;
      bytes += size;
      end++;
    }
    const chunk = fresh.slice(start, end);
    start = end;
    const outcome = await appendDirectBatch(context, edge, chunk, parameters.verifiedSignatures);
    if (outcome instanceof FieldproofError) {
      if (!retryCodes.has(outcome.code)) throw outcome;
      context.log.warn(
        { code: outcome.code, frames: chunk.length },
        'direct batch not appended; frames go back to the bus',
      );
      for (const candidate of [...chunk, ...fresh.slice(start)]) await candidate.delivery.nak(parameters.retryDelayMs);
      result.retried += chunk.length + fresh.length - start;
      break;
    }
    result.batchSeqs.push(outcome.batchSeq);
    result.framesStored += outcome.framesStored;
    result.framesQuarantined += outcome.framesRejected;
    metrics.batches++;
    metrics.framesStored += outcome.framesStored;
    metrics.framesQuarantined += outcome.framesRejected;
    // Durably in the log (or quarantined inside the batch): now the bus may forget them.
    for (const candidate of chunk) await candidate.delivery.ack();
  }
  // Duplicates are acked last, so a retry above never leaves a duplicate's original un-logged and acked.
  if (result.retried === 0) {
    for (const delivery of settleLater) await delivery.ack();
  } else {
    for (const delivery of settleLater) await delivery.nak(parameters.retryDelayMs);
  }
  metrics.duplicates += result.retried === 0 ? result.duplicates : 0;
  return result;
}

function parseBusFrame(bytes: Uint8Array): SignedFrame | undefined {
  try {
    const parsed = SignedFrameSchema.safeParse(JSON.parse(Buffer.from(bytes).toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Sign one batch of frames after the direct edge's head and ingest it; a retryable error is returned, not thrown. */
async function appendDirectBatch(
  context: CloudContext,
  edge: { edgeId: string; signer: Signer },
  chunk: Candidate[],
  verifiedSignatures: VerifiedSignatures | undefined,
): Promise<{ batchSeq: number; framesStored: number; framesRejected: number } | FieldproofError> {
  const { suite } = context;
  try {
    const head = await context.store.edge(edge.edgeId);
    const lastSeq = head?.last_batch_seq ?? null;
    let firstTimeMs = Number.MAX_SAFE_INTEGER;
    let lastTimeMs = 0;
    for (const candidate of chunk) {
      firstTimeMs = Math.min(firstTimeMs, candidate.signed.frame.deviceTimeMs);
      lastTimeMs = Math.max(lastTimeMs, candidate.signed.frame.deviceTimeMs);
    }
    const header: BatchHeader = {
      edgeId: edge.edgeId,
      batchSeq: lastSeq === null ? 0 : lastSeq + 1,
      previousBatchHash: head?.last_batch_hash ?? GENESIS_BATCH_HASH,
      root: toBase64(
        merkleRoot(
          suite,
          chunk.map((candidate) => hashLeaf(suite, utf8(candidate.leaf))),
        ),
      ),
      count: chunk.length,
      firstTimeMs,
      lastTimeMs,
      suite,
    };
    const upload: BatchUpload = {
      batch: { header, alg: edge.signer.alg, sig: toBase64(edge.signer.sign(utf8(canonicalize(header)))) },
      frames: chunk.map((candidate) => candidate.signed),
    };
    const sources = [...new Set(chunk.map((candidate) => candidate.delivery.frame.source))].slice(0, 4).join(',');
    // seqOrder unique: with several ingest nodes a device's frames may reach the bus out of order.
    const ingested = await ingestBatch(context, {
      body: utf8(canonicalize(upload)),
      source: `direct:${sources}`,
      seqOrder: 'unique',
      ...(verifiedSignatures ? { verifiedSignatures } : {}),
    });
    return {
      batchSeq: ingested.batchSeq,
      framesStored: ingested.framesStored,
      framesRejected: ingested.frameCount - ingested.framesStored,
    };
  } catch (error) {
    if (error instanceof FieldproofError && retryCodes.has(error.code)) return error;
    throw error;
  }
}
