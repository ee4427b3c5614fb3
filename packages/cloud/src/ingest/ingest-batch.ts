import { hashLeaf, merkleRoot } from '@fieldproof/ledger';
import {
  type BatchLogEntry,
  BatchUploadSchema,
  bytesEqual,
  canonicalize,
  canonicalizeSignedFrame,
  type ErrorCode,
  FieldproofError,
  fromBase64,
  GENESIS_BATCH_HASH,
  suiteHash,
  toHex,
  utf8,
} from '@fieldproof/protocol';
import type { CloudContext } from '../context.ts';
import type { VerifiedSignatures } from '../direct-ingest/verified-signatures.ts';
import { type EdgeKeyEntry, edgeKeyHistory, keyIndexForBatch } from '../edges/edge-key-history.ts';
import { identityStoreOf } from '../identity/identity-store.ts';
import type { DeviceRow, FrameInsert } from '../storage/cloud-store.ts';
import { verifyFrameOrigin } from './verify-frame-origin.ts';

export interface IngestBatchParameters {
  /** The raw request body (JSON of a BatchUpload). */
  body: Uint8Array;
  /** Where it came from, for the quarantine record (`http`, or a remote address). */
  source: string;
  /**
   * The per-device seq rule: `rising` (default; an edge forwards each device's frames in order, so
   * a seq at or below the device's last is a replay) or `unique` (direct ingest in scale-out: a
   * shared MQTT subscription spreads one device's frames over ingest nodes, so a frame may reach
   * the log after a higher seq of its device; it is logged if no frame of that (device, seq) is,
   * and only a second frame with a spent (device, seq) is `frame_replayed`). docs/scale-out.md.
   */
  seqOrder?: 'rising' | 'unique';
  /**
   * Signatures this process has just verified (direct ingest's verify step): a frame whose exact
   * (alg, key, message, signature) is found there is not verified again; any other is.
   */
  verifiedSignatures?: VerifiedSignatures;
}

export interface IngestBatchResult {
  /** `accepted` the first time, `duplicate` when the same batch was accepted before (idempotent). */
  status: 'accepted' | 'duplicate';
  /** The edge's id. */
  edgeId: string;
  /** The batch's seq in the edge chain. */
  batchSeq: number;
  /** The batch entry's leaf index in the log. */
  logIndex: number;
  /** Frames in the batch (leaves under its root). */
  frameCount: number;
  /** Frames stored as facts (the rest were quarantined). */
  framesStored: number;
  /** Frames quarantined, with their codes (the first 100). */
  framesRejected: { index: number; code: string; message: string }[];
}

/**
 * Accept one edge batch: check the edge signature, the batch chain and the Merkle root (a failure
 * rejects the whole batch: it is quarantined and counted, a typed error is thrown, nothing else
 * changes); then check each frame — the edge may speak for its device, its signature, its rising
 * seq — quarantining a failing frame with its own code while the rest land; then store the batch
 * and its good frames and append the batch header to the log, all in one transaction.
 */
export async function ingestBatch(
  context: CloudContext,
  parameters: IngestBatchParameters,
): Promise<IngestBatchResult> {
  const { store, config, suite } = context;
  const receivedAtMs = context.clock();
  let edgeId: string | null = null;
  const fail = async (error: FieldproofError): Promise<never> => {
    const keep = Math.min(parameters.body.length, config.limits.quarantinePayloadBytesMax);
    await store.quarantine({
      receivedAtMs,
      source: parameters.source,
      code: error.code,
      message: error.message,
      edgeId,
      payload: parameters.body.subarray(0, keep),
      payloadBytes: parameters.body.length,
    });
    context.log.warn({ code: error.code, edgeId, details: error.details }, error.message);
    throw error;
  };

  if (parameters.body.length > config.limits.batchBytesMax) {
    await fail(
      new FieldproofError(
        'batch_oversize',
        `batch is ${parameters.body.length} bytes, over batchBytesMax ${config.limits.batchBytesMax}`,
      ),
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(parameters.body).toString('utf8'));
  } catch (error) {
    return fail(new FieldproofError('batch_malformed', `batch is not JSON: ${(error as Error).message}`));
  }
  const parsed = BatchUploadSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(
      new FieldproofError(
        'batch_malformed',
        `batch does not match the schema at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}`,
      ),
    );
  }
  const { batch, frames } = parsed.data;
  const header = batch.header;
  edgeId = header.edgeId;
  if (frames.length > config.limits.batchFramesMax) {
    await fail(
      new FieldproofError(
        'batch_oversize',
        `batch holds ${frames.length} frames, over batchFramesMax ${config.limits.batchFramesMax}`,
      ),
    );
  }
  if (header.count !== frames.length) {
    await fail(
      new FieldproofError('batch_malformed', `header.count is ${header.count} but ${frames.length} frames were sent`),
    );
  }
  if (header.suite !== suite) {
    await fail(new FieldproofError('batch_malformed', `batch uses suite ${header.suite}; this log uses ${suite}`));
  }
  const registered = await store.edge(header.edgeId);
  if (!registered) return fail(new FieldproofError('edge_unknown', `edge ${header.edgeId} is not registered`));
  // The key valid for this batch seq (docs/edge-operations.md): after an approved rotation, the
  // new key from its stated seq on; edge-attested frames may carry the key it replaced.
  const history = context.edgeOperations
    ? await edgeKeyHistory(store, context.edgeOperations, header.edgeId)
    : undefined;
  const keyIndex = history ? keyIndexForBatch(history, header.batchSeq) : 0;
  const batchKey = history?.[keyIndex];
  const previousKey = keyIndex > 0 ? history?.[keyIndex - 1] : undefined;
  const edge = batchKey ? { ...registered, alg: batchKey.alg, public_key: batchKey.publicKey } : registered;

  const headerSignature = fromBase64(batch.sig);
  const canonicalFrames = frames.map((frame) => canonicalizeSignedFrame(frame));
  const frameLeafs = canonicalFrames.map((texts) => texts.signed);
  const leafHashes = frameLeafs.map((text) => hashLeaf(suite, utf8(text)));
  // One query for every device of the batch, and one each for their lifecycle status and rotated keys.
  const devices: Map<string, DeviceRow> = await store.devicesById(frames.map((frame) => frame.frame.deviceId));
  const identity = identityStoreOf(store);
  const identities = await identity.deviceIdentities([...devices.keys()]);

  // One bulk call checks the edge signature and every frame signature (a worker pool in production).
  const items = [
    {
      alg: batch.alg,
      publicKey: new Uint8Array(edge.public_key),
      message: utf8(canonicalize(header)),
      signature: headerSignature ?? new Uint8Array(0),
    },
  ];
  const frameProblems: { index: number; code: string; message: string }[] = [];
  const verifyIndexes: number[] = [];
  frames.forEach((frame, index) => {
    const origin = verifyFrameOrigin({
      frame,
      message: (canonicalFrames[index] as { message: string }).message,
      device: devices.get(frame.frame.deviceId),
      edge,
      identity: identities.get(frame.frame.deviceId),
    });
    if (!origin.ok) {
      frameProblems.push({ index, code: origin.code, message: origin.message });
      return;
    }
    const item = {
      alg: origin.alg,
      publicKey: new Uint8Array(origin.publicKey),
      message: utf8(origin.message),
      signature: fromBase64(frame.sig) ?? new Uint8Array(0),
    };
    // Verified moments ago in this process with this very key: a good signature, not checked twice.
    if (parameters.verifiedSignatures?.take(item)) return;
    verifyIndexes.push(index);
    items.push(item);
  });
  const verdicts = await context.verifier.verifyMany(items);
  if (previousKey && (previousKey.alg !== batch.alg || verdicts[0] !== true)) {
    // Signed with the retired key after the switch: a stable code, so the edge knows to re-sign.
    const old = await context.verifier.verifyMany([
      { ...(items[0] as (typeof items)[number]), publicKey: new Uint8Array(previousKey.publicKey) },
    ]);
    if (old[0] === true && batchKey) {
      await fail(keySupersededError(header, previousKey, batchKey));
    }
  }
  if (previousKey) {
    // Attestations made just before the switch verify with the key the batch key replaced.
    const retry: number[] = [];
    verifyIndexes.forEach((frameIndex, position) => {
      if (verdicts[position + 1] !== true && frames[frameIndex]?.attestation === 'edge-attested') retry.push(position);
    });
    if (retry.length > 0) {
      const again = await context.verifier.verifyMany(
        retry.map((position) => ({
          ...(items[position + 1] as (typeof items)[number]),
          publicKey: new Uint8Array(previousKey.publicKey),
        })),
      );
      retry.forEach((position, index) => {
        if (again[index] === true) verdicts[position + 1] = true;
      });
    }
  }
  if (edge.alg !== batch.alg || verdicts[0] !== true) {
    await fail(
      new FieldproofError(
        'batch_signature_invalid',
        `the header signature does not verify against edge ${edge.edge_id}'s key`,
      ),
    );
  }
  // A suspended, revoked or retired edge is refused whole, once its signature shows the batch is its own.
  const edgeState = await identity.edgeState(header.edgeId);
  if (edgeState && edgeState.status !== 'active') {
    const code = `edge_${edgeState.status}` as 'edge_suspended' | 'edge_revoked' | 'edge_retired';
    await fail(
      new FieldproofError(code, `edge ${header.edgeId} is ${edgeState.status}; its batches are refused`, {
        status: edgeState.status,
      }),
    );
  }
  const root = fromBase64(header.root);
  if (!root || !bytesEqual(root, merkleRoot(suite, leafHashes))) {
    await fail(new FieldproofError('batch_root_mismatch', 'the frames do not hash to the signed root'));
  }
  verifyIndexes.forEach((frameIndex, position) => {
    if (verdicts[position + 1] !== true) {
      const frame = frames[frameIndex];
      frameProblems.push({
        index: frameIndex,
        code: 'frame_signature_invalid',
        message: `signature of ${frame?.frame.deviceId} seq ${frame?.frame.seq} does not verify`,
      });
    }
  });
  const signedHeaderText = canonicalize(batch);
  const batchHash = toHex(suiteHash(suite, utf8(signedHeaderText)));

  // Everything from here runs in one transaction of the log's single writer, so the chain and seq
  // checks see exactly the state they write on.
  const rejectedFrames: { index: number; code: string; message: string }[] = [];
  const outcome = await context.sequencer.write(async (tx, stage): Promise<IngestBatchResult | FieldproofError> => {
    const existing = await tx.batchBySeq(header.edgeId, header.batchSeq);
    if (existing) {
      if (existing.batch_hash === batchHash) {
        return {
          status: 'duplicate',
          edgeId: header.edgeId,
          batchSeq: header.batchSeq,
          logIndex: existing.log_index,
          frameCount: existing.frame_count,
          framesStored: await tx.batchFrameCount(existing.id),
          framesRejected: [],
        };
      }
      return new FieldproofError(
        'batch_conflict',
        `edge ${header.edgeId} already has a different batch ${header.batchSeq}`,
      );
    }
    // The edge's row stays locked to the commit, and its key history is read again behind that
    // lock: a key rotation approved since the checks above (approveKey locks the row too) gives
    // this seq to the new key, and a batch signed with the key it retires must not land there.
    const head = await tx.lockEdge(header.edgeId);
    if (context.edgeOperations && batchKey) {
      const locked = { edge: async () => head };
      const current = await edgeKeyHistory(locked, context.edgeOperations.inTransaction(tx), header.edgeId);
      const currentKey = current?.[keyIndexForBatch(current, header.batchSeq)];
      if (currentKey && currentKey.keyId !== batchKey.keyId) {
        return keySupersededError(header, batchKey, currentKey);
      }
    }
    const expectedSeq =
      head?.last_batch_seq === null || head?.last_batch_seq === undefined ? 0 : head.last_batch_seq + 1;
    const expectedPrevious = head?.last_batch_hash ?? GENESIS_BATCH_HASH;
    if (header.batchSeq !== expectedSeq || header.previousBatchHash !== expectedPrevious) {
      return new FieldproofError(
        'batch_out_of_order',
        `edge ${header.edgeId} must send batch ${expectedSeq} after ${expectedPrevious.slice(0, 16)}…, got ${header.batchSeq}`,
        { expectedSeq, expectedPreviousBatchHash: expectedPrevious },
      );
    }
    const lastSeqs = new Map<string, number>();
    // seqOrder unique: the (device, seq) pairs of this batch (the stored ones are read in the transaction).
    const batchSeqs = new Set<string>();
    const rows: FrameInsert[] = [];
    const problemByIndex = new Map(frameProblems.map((problem) => [problem.index, problem]));
    // The last logged seq of each device, read inside the transaction (the rows it writes on).
    const storedDevices = await tx.devicesById([...devices.keys()]);
    for (let index = 0; index < frames.length; index++) {
      const frame = (frames[index] as (typeof frames)[number]).frame;
      let problem = problemByIndex.get(index);
      const last = lastSeqs.get(frame.deviceId) ?? storedDevices.get(frame.deviceId)?.last_seq ?? null;
      const seqKey = `${frame.deviceId}:${frame.seq}`;
      const late =
        !problem &&
        last !== null &&
        frame.seq <= last &&
        parameters.seqOrder === 'unique' &&
        !batchSeqs.has(seqKey) &&
        !(await tx.frameSeqStored(frame.deviceId, frame.seq));
      if (!problem && last !== null && frame.seq <= last && !late) {
        problem = {
          index,
          code: 'frame_replayed',
          message: `seq ${frame.seq} of ${frame.deviceId} is not above ${last}`,
        };
      }
      if (problem) {
        // The frame stays under the batch root (the edge signed it), but it is not stored as a
        // fact: it is quarantined with its own code, and the rest of the batch lands.
        rejectedFrames.push(problem);
        const payload = utf8(frameLeafs[index] as string);
        await tx.quarantine({
          receivedAtMs,
          source: `${parameters.source} batch ${header.edgeId}/${header.batchSeq} leaf ${index}`,
          code: problem.code as ErrorCode,
          message: problem.message,
          edgeId: header.edgeId,
          payload: payload.subarray(0, config.limits.quarantinePayloadBytesMax),
          payloadBytes: payload.length,
        });
        continue;
      }
      batchSeqs.add(seqKey);
      // A late frame (seqOrder unique) leaves the device's last seq where it is.
      lastSeqs.set(frame.deviceId, last === null ? frame.seq : Math.max(last, frame.seq));
      rows.push({
        id: toHex(leafHashes[index] as Uint8Array),
        deviceId: frame.deviceId,
        seq: frame.seq,
        deviceTimeMs: frame.deviceTimeMs,
        leafIndex: index,
        body: frameLeafs[index] as string,
      });
    }
    const entry: BatchLogEntry = { kind: 'batch', batch };
    const staged = stage('batch', utf8(canonicalize(entry)), receivedAtMs);
    await tx.insertBatch(
      {
        edgeId: header.edgeId,
        batchSeq: header.batchSeq,
        batchHash,
        header: signedHeaderText,
        logIndex: staged.leafIndex,
        leafHashes,
      },
      rows,
      receivedAtMs,
    );
    for (const [deviceId, seq] of lastSeqs) await tx.setDeviceSeq(deviceId, seq);
    await tx.setEdgeHead(header.edgeId, header.batchSeq, batchHash);
    return {
      status: 'accepted',
      edgeId: header.edgeId,
      batchSeq: header.batchSeq,
      logIndex: staged.leafIndex,
      frameCount: frames.length,
      framesStored: rows.length,
      framesRejected: rejectedFrames.slice(0, 100),
    };
  });
  if (outcome instanceof FieldproofError) return fail(outcome);
  return outcome;
}

/** `batch_key_superseded`: batch `header` is signed with `retired`, which `successor` replaced from its seq on. */
function keySupersededError(
  header: { edgeId: string; batchSeq: number },
  retired: EdgeKeyEntry,
  successor: EdgeKeyEntry,
): FieldproofError {
  return new FieldproofError(
    'batch_key_superseded',
    `batch ${header.batchSeq} of edge ${header.edgeId} is signed with key ${retired.keyId}, retired from batch ${successor.fromBatchSeq} on; sign it with key ${successor.keyId}`,
    { keyId: successor.keyId, fromBatchSeq: successor.fromBatchSeq },
  );
}
