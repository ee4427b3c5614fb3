import {
  canonicalBytes,
  FieldproofError,
  FrameSchema,
  IdSchema,
  type Reading,
  type SignatureAlgorithm,
  type SignedFrame,
  type Signer,
  toBase64,
} from '@fieldproof/protocol';
import type { SeqStore } from './seq-store.ts';

/** What a device client needs. */
export interface DeviceClientOptions {
  /** The device's id, as registered with the edge or cloud. */
  deviceId: string;
  /** The device's key (a key file, a secure element, an HSM). */
  signer: Signer;
  /** Where the device's seq comes from; use a file store so seq keeps rising across restarts. */
  seqStore: SeqStore;
  /** The device clock, UTC ms since the epoch [Date.now]. */
  clock?: () => number;
}

/** A device's SDK handle: it numbers, timestamps and signs frames. */
export interface DeviceClient {
  /** The device's id. */
  readonly deviceId: string;
  /** Algorithm of the device key. */
  readonly alg: SignatureAlgorithm;
  /** Raw public key bytes, to register the device. */
  readonly publicKey: Uint8Array;
  /**
   * Build and sign a frame of `readings`, taken at `deviceTimeMs` (default: the clock now). The
   * frame is checked against FrameSchema before a seq is taken and before signing, so bad readings
   * throw a FieldproofError `frame_malformed` naming the fields and do not use up a seq.
   * Preconditions: 1–64 readings; deviceTimeMs a non-negative integer.
   */
  buildFrame(readings: readonly Reading[], deviceTimeMs?: number): SignedFrame;
}

/**
 * Create a device client. Precondition: `deviceId` is a valid id (1–128 of A–Z a–z 0–9 . _ -);
 * otherwise a RangeError is thrown.
 */
export function createDeviceClient(options: DeviceClientOptions): DeviceClient {
  const { deviceId, signer, seqStore } = options;
  const clock = options.clock ?? Date.now;
  const parsedId = IdSchema.safeParse(deviceId);
  if (!parsedId.success) throw new RangeError(`deviceId ${JSON.stringify(deviceId)} is not a valid device id`);

  return {
    deviceId,
    alg: signer.alg,
    publicKey: signer.publicKey,
    buildFrame(readings, deviceTimeMs) {
      const timeMs = deviceTimeMs ?? clock();
      // Check the readings with seq 0 first, so a rejected frame uses up no seq and leaves no gap.
      const checked = FrameSchema.safeParse({ deviceId, seq: 0, deviceTimeMs: timeMs, readings });
      if (!checked.success) {
        const problems = checked.error.issues.map((issue) => `${issue.path.join('.') || 'frame'}: ${issue.message}`);
        throw new FieldproofError(
          'frame_malformed',
          `device ${deviceId} cannot build a frame: ${problems.join('; ')}`,
          {
            problems,
          },
        );
      }
      // The parsed copy holds exactly the schema's fields, so the caller cannot change it after signing.
      const frame = { ...checked.data, seq: seqStore.next(deviceId) };
      const signature = signer.sign(canonicalBytes(frame));
      return { frame, alg: signer.alg, sig: toBase64(signature) };
    },
  };
}
