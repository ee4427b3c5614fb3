import {
  canonicalizeSignedFrame,
  type ErrorCode,
  FieldproofError,
  fromBase64,
  type SignedFrame,
  SignedFrameSchema,
  type Signer,
  utf8,
} from '@fieldproof/protocol';
import { busFrameId, type FrameBus } from '../bus/frame-bus.ts';
import type { CloudContext } from '../context.ts';
import { verifyFrameOrigin } from '../ingest/verify-frame-origin.ts';
import { countIn, type DirectIngestMetrics } from './direct-ingest-metrics.ts';
import type { VerifiedSignatures } from './verified-signatures.ts';

/** What the verify step needs besides the cloud context. */
export interface AcceptDirectFrameDependencies {
  context: CloudContext;
  /** Where verified frames go. */
  bus: FrameBus;
  /** The cloud's direct-ingest edge (the devices' assigned edge). */
  edge: { edgeId: string; signer: Signer };
  /** Largest frame in bytes. */
  frameBytesMax: number;
  /** Counters to add to. */
  metrics: DirectIngestMetrics;
  /** Where good signatures are remembered, so the sequencer in this process need not verify them again. */
  verifiedSignatures?: VerifiedSignatures;
}

/** One frame as a transport received it. */
export interface DirectFrameInput {
  /** The frame's bytes (JSON of a SignedFrame). */
  bytes: Uint8Array;
  /** MQTT: the device id named by the topic, which must be the frame's. */
  topicDeviceId?: string | undefined;
}

export interface AcceptDirectFrameParameters {
  /** One frame, or the frames of one upload, verified together in one bulk call. */
  frames: DirectFrameInput[];
  /** `https`, `coap` or `mqtt`. */
  transport: 'https' | 'coap' | 'mqtt';
  /** The sender as the transport sees it (an address, a client id), for quarantine and logs. */
  source: string;
}

/** The verdict on one frame. */
export type DirectFrameResult =
  | {
      /** The bus took the frame durably: committed by the sequencer (in-process bus) or on JetStream's disk. */
      ok: true;
      /** The bus id, `${deviceId}:${seq}`. */
      id: string;
      deviceId: string;
      seq: number;
    }
  | {
      ok: false;
      /** Stable error code: the sender's reason. */
      code: ErrorCode;
      /** What went wrong, for a person. */
      message: string;
      /** The code's HTTP status (transports map it to theirs). */
      status: number;
    };

export interface AcceptDirectFrameResult {
  /** One verdict per input frame, in order. */
  results: DirectFrameResult[];
}

/** Refusals that say nothing about the frame (the bus is full or down): counted, not quarantined. */
const busCodes = new Set<ErrorCode>(['bus_full', 'bus_unavailable']);

/**
 * The direct-ingest verify step, the edge's verify step done by the cloud: each frame is checked
 * for size (`frameBytesMax`), JSON and schema, a topic that names its device, a device registered
 * with the direct-ingest edge that signs its own frames, and its signature (one bulk call for all
 * frames), then published to the bus; its verdict is returned only after the bus holds it durably
 * (the in-process bus: once it is committed to the store; all frames of a call are published
 * before any is awaited, so they share the sequencer's batches). A
 * bad frame is quarantined with its code and counted, never published; a frame the bus refuses
 * (`bus_full`) is counted but not quarantined, since the sender should send it again.
 */
export async function acceptDirectFrame(
  dependencies: AcceptDirectFrameDependencies,
  parameters: AcceptDirectFrameParameters,
): Promise<AcceptDirectFrameResult> {
  const { context, bus, edge, metrics } = dependencies;
  const { store, config } = context;
  const receivedAtMs = context.clock();
  const results: (DirectFrameResult | undefined)[] = parameters.frames.map(() => undefined);

  const reject = async (index: number, error: FieldproofError): Promise<void> => {
    results[index] = { ok: false, code: error.code, message: error.message, status: error.status };
    countIn(metrics.rejected, `${parameters.transport} ${error.code}`);
    if (busCodes.has(error.code)) return;
    const bytes = (parameters.frames[index] as DirectFrameInput).bytes;
    await store.quarantine({
      receivedAtMs,
      source: `${parameters.transport}:${parameters.source}`,
      code: error.code,
      message: error.message,
      edgeId: edge.edgeId,
      payload: bytes.subarray(0, config.limits.quarantinePayloadBytesMax),
      payloadBytes: bytes.length,
    });
    context.log.warn({ code: error.code, transport: parameters.transport, source: parameters.source }, error.message);
  };

  const parsed: { index: number; signed: SignedFrame }[] = [];
  for (const [index, input] of parameters.frames.entries()) {
    const problem = parseDirectFrame(input, dependencies.frameBytesMax);
    if (problem instanceof FieldproofError) await reject(index, problem);
    else parsed.push({ index, signed: problem });
  }

  const devices = await store.devicesById([...new Set(parsed.map((item) => item.signed.frame.deviceId))]);
  const directEdge = { edge_id: edge.edgeId, alg: edge.signer.alg, public_key: edge.signer.publicKey };
  const checks: { index: number; signed: SignedFrame; text: string }[] = [];
  const items: { alg: SignedFrame['alg']; publicKey: Uint8Array; message: Uint8Array; signature: Uint8Array }[] = [];
  for (const { index, signed } of parsed) {
    const texts = canonicalizeSignedFrame(signed);
    if (signed.attestation !== undefined) {
      // Only an edge attests for a keyless device; a device that reaches the cloud signs its own frames.
      await reject(
        index,
        new FieldproofError(
          'frame_attestation_invalid',
          `the frame of ${signed.frame.deviceId} is edge-attested; a direct device signs its own frames`,
        ),
      );
      continue;
    }
    const origin = verifyFrameOrigin({
      frame: signed,
      message: texts.message,
      device: devices.get(signed.frame.deviceId),
      edge: directEdge,
    });
    if (!origin.ok) {
      await reject(index, new FieldproofError(origin.code, origin.message));
      continue;
    }
    checks.push({ index, signed, text: texts.signed });
    items.push({
      alg: origin.alg,
      publicKey: new Uint8Array(origin.publicKey),
      message: utf8(origin.message),
      signature: fromBase64(signed.sig) ?? new Uint8Array(0),
    });
  }
  const verdicts = items.length > 0 ? await context.verifier.verifyMany(items) : [];

  // Publish every good frame first, then wait for them together: on the in-process bus a publish
  // resolves only once its frame is committed, so the frames of one upload share the commits.
  const published: { index: number; id: string; deviceId: string; seq: number; outcome: Promise<unknown> }[] = [];
  for (const [position, { index, signed, text }] of checks.entries()) {
    const { deviceId, seq } = signed.frame;
    if (verdicts[position] !== true) {
      await reject(
        index,
        new FieldproofError(
          'frame_signature_invalid',
          `the signature of ${deviceId} seq ${seq} does not verify with its registered key`,
        ),
      );
      continue;
    }
    dependencies.verifiedSignatures?.remember(items[position] as (typeof items)[number]);
    const id = busFrameId(deviceId, seq);
    // The canonical signed frame: the leaf the sequencer will log, whatever spacing the device sent.
    const outcome = bus
      .publish({ id, bytes: utf8(text), receivedAtMs, source: `${parameters.transport}:${parameters.source}` })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    published.push({ index, id, deviceId, seq, outcome });
  }
  for (const { index, id, deviceId, seq, outcome } of published) {
    const error = await outcome;
    if (error !== undefined) {
      const refusal =
        error instanceof FieldproofError && busCodes.has(error.code)
          ? error
          : new FieldproofError('bus_unavailable', `the frame bus did not take the frame: ${(error as Error).message}`);
      await reject(index, refusal);
      continue;
    }
    countIn(metrics.accepted, parameters.transport);
    results[index] = { ok: true, id, deviceId, seq };
  }
  return { results: results as DirectFrameResult[] };
}

/** Size, JSON and schema of one frame; the parsed frame or the reason it is refused. */
function parseDirectFrame(input: DirectFrameInput, frameBytesMax: number): SignedFrame | FieldproofError {
  if (input.bytes.length > frameBytesMax) {
    return new FieldproofError(
      'frame_oversize',
      `frame is ${input.bytes.length} bytes, over frameBytesMax ${frameBytesMax}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(input.bytes).toString('utf8'));
  } catch (error) {
    return new FieldproofError('frame_malformed', `frame is not JSON: ${(error as Error).message}`);
  }
  const parsed = SignedFrameSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return new FieldproofError(
      'frame_malformed',
      `frame does not match the signed-frame schema at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}`,
    );
  }
  if (input.topicDeviceId !== undefined && input.topicDeviceId !== parsed.data.frame.deviceId) {
    return new FieldproofError(
      'frame_topic_mismatch',
      `the topic names device ${input.topicDeviceId} but the frame is from ${parsed.data.frame.deviceId}`,
    );
  }
  return parsed.data;
}
