import {
  type Attestation,
  canonicalizeSignedFrame,
  type ErrorCode,
  frameAttestation,
  fromBase64,
  type SignatureAlgorithm,
  type SignedFrame,
  SignedFrameSchema,
  topics,
  utf8,
} from '@fieldproof/protocol';
import { keylessDeviceIds } from '../config.ts';
import type { EdgeContext, EdgeExtension } from '../context.ts';
import type { FrameInsert, QuarantineInsert, RawFrameRow } from '../storage/edge-store.ts';

interface KnownDevice {
  /** Keyless devices' frames are edge-attested by this edge; the others sign their own. */
  attestation: Attestation;
  alg: SignatureAlgorithm;
  publicKey: Uint8Array;
  lastSeq: number | null;
}

type Judged =
  | {
      row: RawFrameRow;
      ok: true;
      signed: SignedFrame;
      canonical: { frame: string; message: string; signed: string };
      device: KnownDevice;
    }
  | { row: RawFrameRow; ok: false; code: ErrorCode; message: string; deviceId: string | null };

/**
 * The validate extension: takes raw payloads from the inbox in chunks and judges each one —
 * schema, topic, known device, signature, then strictly rising seq — committing accepted frames
 * and quarantined rejects in one transaction. Signature checks run before the seq check so that
 * a forged frame can never advance a device's seq.
 */
export function createVerifyExtension(context: EdgeContext): EdgeExtension & { drain(): Promise<void> } {
  const { store, config, events, log } = context;
  const devices = new Map<string, KnownDevice>();
  const keyless = new Set(keylessDeviceIds(config));
  for (const row of store.devices()) {
    devices.set(row.device_id, {
      attestation: keyless.has(row.device_id) ? 'edge-attested' : 'device-signed',
      alg: row.alg as SignatureAlgorithm,
      publicKey: new Uint8Array(row.public_key),
      lastSeq: row.last_seq,
    });
  }
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  function judgeShape(row: RawFrameRow): Judged {
    const payloadBytes = row.payload.length;
    const topicDeviceId = row.topic ? topics.deviceIdFromFramesTopic(row.topic) : undefined;
    if (payloadBytes > config.limits.frameBytesMax) {
      return {
        row,
        ok: false,
        code: 'frame_oversize',
        message: `frame is ${payloadBytes} bytes, over frameBytesMax ${config.limits.frameBytesMax}`,
        deviceId: topicDeviceId ?? null,
      };
    }
    let json: unknown;
    try {
      json = JSON.parse(row.payload.toString('utf8'));
    } catch (error) {
      return {
        row,
        ok: false,
        code: 'frame_malformed',
        message: `not JSON: ${(error as Error).message}`,
        deviceId: topicDeviceId ?? null,
      };
    }
    const parsed = SignedFrameSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return {
        row,
        ok: false,
        code: 'frame_malformed',
        message: `schema: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`,
        deviceId: topicDeviceId ?? null,
      };
    }
    const signed = parsed.data;
    const deviceId = signed.frame.deviceId;
    const certificateDeviceId = row.topic ? topics.deviceIdFromCertificateMismatchTopic(row.topic) : undefined;
    if (certificateDeviceId !== undefined) {
      // The intake (HTTP with mTLS) or the broker (mqtts with mTLS) saw a client certificate of another device.
      return {
        row,
        ok: false,
        code: 'device_certificate_mismatch',
        message: `a frame of ${deviceId} came with the certificate of ${certificateDeviceId}`,
        deviceId,
      };
    }
    if (row.topic !== null && topicDeviceId !== deviceId) {
      return {
        row,
        ok: false,
        code: 'frame_topic_mismatch',
        message: `topic ${row.topic} carries a frame of ${deviceId}`,
        deviceId,
      };
    }
    const device = devices.get(deviceId);
    if (!device)
      return {
        row,
        ok: false,
        code: 'device_unknown',
        message: `device ${deviceId} is not known to this edge`,
        deviceId,
      };
    if (frameAttestation(signed) !== device.attestation || (signed.edgeId ?? config.edgeId) !== config.edgeId) {
      return {
        row,
        ok: false,
        code: 'frame_attestation_invalid',
        message:
          device.attestation === 'edge-attested'
            ? `device ${deviceId} is keyless: only edge ${config.edgeId} attests its frames`
            : `device ${deviceId} signs its own frames; an edge cannot attest for it`,
        deviceId,
      };
    }
    if (device.alg !== signed.alg) {
      return {
        row,
        ok: false,
        code: 'frame_signature_invalid',
        message: `device ${deviceId} signs with ${device.alg}, frame says ${signed.alg}`,
        deviceId,
      };
    }
    return { row, ok: true, signed, canonical: canonicalizeSignedFrame(signed), device };
  }

  async function processChunk(): Promise<number> {
    const rows = store.readRaw(config.limits.verifyChunkMax);
    if (rows.length === 0) return 0;
    const judged = rows.map(judgeShape);
    const toVerify = judged.filter((item): item is Extract<Judged, { ok: true }> => item.ok);
    // This edge's own attestations verify with its current key, or (made just before a key
    // rotation switched it) the key before it (docs/edge-operations.md).
    const attestationKey = (item: (typeof toVerify)[number]) =>
      item.device.attestation === 'edge-attested' && context.keys
        ? context.keys.current().signer.publicKey
        : item.device.publicKey;
    const results = await context.verifier.verifyMany(
      toVerify.map((item) => ({
        alg: item.signed.alg,
        publicKey: attestationKey(item),
        message: utf8(item.canonical.message),
        signature: fromBase64(item.signed.sig) ?? new Uint8Array(0),
      })),
    );
    const verdictBySignature = new Map<Judged, boolean>();
    toVerify.forEach((item, index) => {
      verdictBySignature.set(item, results[index] === true);
    });
    const previousKey = context.keys?.previous();
    const retry = previousKey
      ? toVerify.filter((item) => item.device.attestation === 'edge-attested' && !verdictBySignature.get(item))
      : [];
    if (previousKey && retry.length > 0) {
      const again = await context.verifier.verifyMany(
        retry.map((item) => ({
          alg: item.signed.alg,
          publicKey: previousKey.signer.publicKey,
          message: utf8(item.canonical.message),
          signature: fromBase64(item.signed.sig) ?? new Uint8Array(0),
        })),
      );
      retry.forEach((item, index) => {
        if (again[index] === true) verdictBySignature.set(item, true);
      });
    }

    const accepted: FrameInsert[] = [];
    const rejected: QuarantineInsert[] = [];
    const lastSeqs = new Map<string, number>();
    const acceptedInChunk = new Map<string, string>();
    let duplicates = 0;
    const verdicts: [number, { accepted: true } | { accepted: false; code: string; message: string }][] = [];
    const reject = (row: RawFrameRow, code: ErrorCode, message: string, deviceId: string | null) => {
      const keep = Math.min(row.payload.length, config.limits.quarantinePayloadBytesMax);
      rejected.push({
        receivedAtMs: row.received_at_ms,
        source: row.source,
        topic: row.topic,
        code,
        message,
        deviceId,
        payload: row.payload.subarray(0, keep),
        payloadBytes: row.payload.length,
      });
      verdicts.push([row.id, { accepted: false, code, message }]);
    };
    for (const item of judged) {
      if (!item.ok) {
        reject(item.row, item.code, item.message, item.deviceId);
        continue;
      }
      const { frame } = item.signed;
      if (!verdictBySignature.get(item)) {
        reject(
          item.row,
          'frame_signature_invalid',
          `signature of ${frame.deviceId} seq ${frame.seq} does not verify`,
          frame.deviceId,
        );
        continue;
      }
      const lastSeq = item.device.lastSeq;
      if (lastSeq !== null && frame.seq <= lastSeq) {
        // QoS 1 is at-least-once: after a crash or a reconnect the broker or the device sends a
        // frame again. An exact copy of a frame already accepted is a duplicate: counted, and
        // acknowledged as accepted, since the original is stored. Anything else under a used
        // seq is a replay and is quarantined.
        const original =
          acceptedInChunk.get(`${frame.deviceId}\u0000${frame.seq}`) ?? store.frameBody(frame.deviceId, frame.seq);
        if (original === item.canonical.signed) {
          duplicates++;
          verdicts.push([item.row.id, { accepted: true }]);
          continue;
        }
        reject(
          item.row,
          'frame_replayed',
          `seq ${frame.seq} of ${frame.deviceId} is not above ${lastSeq}`,
          frame.deviceId,
        );
        continue;
      }
      item.device.lastSeq = frame.seq;
      lastSeqs.set(frame.deviceId, frame.seq);
      acceptedInChunk.set(`${frame.deviceId}\u0000${frame.seq}`, item.canonical.signed);
      accepted.push({
        deviceId: frame.deviceId,
        seq: frame.seq,
        deviceTimeMs: frame.deviceTimeMs,
        receivedAtMs: item.row.received_at_ms,
        body: item.canonical.signed,
      });
      verdicts.push([item.row.id, { accepted: true }]);
    }
    const lastRow = rows[rows.length - 1] as RawFrameRow;
    store.commitChunk(accepted, rejected, lastSeqs, lastRow.id, duplicates);
    for (const reason of rejected)
      log.warn({ code: reason.code, deviceId: reason.deviceId, source: reason.source }, reason.message);
    for (const [rawId, verdict] of verdicts) events.emit('verdict', rawId, verdict);
    if (accepted.length > 0) events.emit('accepted', accepted.length);
    return rows.length;
  }

  async function drain(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          while (!stopped && (await processChunk()) > 0) {
            // Keep going while the inbox has rows.
          }
        } while (again && !stopped);
      } finally {
        running = undefined;
      }
    })();
    return running;
  }

  const onRaw = () => {
    // Coalesce bursts: one drain per tick picks up everything that arrived.
    if (!timer) {
      timer = setTimeout(() => {
        timer = undefined;
        drain().catch((error: unknown) => log.error({ err: error }, 'verify step failed'));
      }, 2);
    }
  };

  return {
    name: 'verify',
    drain,
    async start() {
      events.on('raw', onRaw);
      await drain();
    },
    async stop() {
      events.off('raw', onRaw);
      if (timer) clearTimeout(timer);
      await drain();
      stopped = true;
    },
  };
}
