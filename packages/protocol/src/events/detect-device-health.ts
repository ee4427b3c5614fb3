import * as z from 'zod';
import { booleanReading, draftOver, type EventDraft, type EventSourceFrame, indexRange } from './derived-event.ts';

/** Parameters of detectDeviceHealth; recorded in every event it derives. */
export const DetectDeviceHealthParametersSchema = z
  .object({
    /** Device time between consecutive frames above which the device was offline, ms. */
    offlineAfterMs: z
      .number()
      .int()
      .positive()
      .default(10 * 60_000),
    /** Consecutive frames with the same numeric value of a reading that make it stuck. */
    stuckFrames: z.number().int().min(2).max(10_000).default(10),
    /** Numeric reading kinds watched for a stuck value (a counter that may rest, like `count.in`, is left out). */
    stuckKinds: z.array(z.string()).max(64).default(['weight', 'power', 'temperature', 'humidity']),
    /** Boolean reading kinds that mean the cover is open or the device tampered with. */
    tamperKinds: z.array(z.string()).max(16).default(['tamper', 'cover.open']),
    /** Device time may step back by this much between consecutive frames before it is clock skew, ms. */
    clockBackwardToleranceMs: z.number().int().min(0).default(1_000),
  })
  .strict();
export type DetectDeviceHealthParameters = z.infer<typeof DetectDeviceHealthParametersSchema>;

/** Payloads of the device health events, by type. */
export type DeviceHealthPayload =
  /** `device.offline`: silence between two frames. */
  | { problem: 'offline'; silentMs: number }
  /** `device.seq_gap`: frames missing between two seqs. */
  | { problem: 'seq_gap'; fromSeq: number; toSeq: number; missingFrames: number }
  /** `device.stuck_value`: a reading repeated exactly stuckFrames times in a row. */
  | { problem: 'stuck_value'; kind: string; value: number; frames: number }
  /** `device.tamper`: a tamper or cover-open reading turned true. */
  | { problem: 'tamper'; kind: string }
  /** `device.clock_skew`: device time stepped back while seq rose. */
  | { problem: 'clock_skew'; backwardMs: number };

/** What detectDeviceHealth found. */
export interface DetectDeviceHealthResult {
  /** Health events in the order their last source frame arrived (ties: offline, seq gap, clock, tamper, stuck). */
  events: EventDraft<DeviceHealthPayload & Record<string, unknown>>[];
}

/**
 * Device health from the frames themselves: offline (a device-time gap), seq gaps, clock skew
 * (time going backwards), tamper or cover-open turning true, and stuck values (the same number
 * stuckFrames times in a row: reported once, when the run reaches that length). Skew against
 * receive time needs the receive time, which is not in the signed frame, so it is the cloud's
 * job, not this function's. Precondition: one device's frames in seq order.
 */
export function detectDeviceHealth(
  frames: readonly EventSourceFrame[],
  parameters: DetectDeviceHealthParameters,
): DetectDeviceHealthResult {
  const events: DetectDeviceHealthResult['events'] = [];
  const runs = new Map<string, { value: number; first: number }>();
  for (let index = 0; index < frames.length; index++) {
    const frame = (frames[index] as EventSourceFrame).frame;
    const previous = index > 0 ? (frames[index - 1] as EventSourceFrame).frame : undefined;
    if (previous) {
      const pair = [index - 1, index];
      const stepMs = frame.deviceTimeMs - previous.deviceTimeMs;
      if (stepMs > parameters.offlineAfterMs) {
        events.push(draftOver('device.offline', frames, pair, { problem: 'offline', silentMs: stepMs }));
      }
      if (frame.seq > previous.seq + 1) {
        events.push(
          draftOver('device.seq_gap', frames, pair, {
            problem: 'seq_gap',
            fromSeq: previous.seq,
            toSeq: frame.seq,
            missingFrames: frame.seq - previous.seq - 1,
          }),
        );
      }
      if (-stepMs > parameters.clockBackwardToleranceMs) {
        events.push(draftOver('device.clock_skew', frames, pair, { problem: 'clock_skew', backwardMs: -stepMs }));
      }
      for (const kind of parameters.tamperKinds) {
        if (booleanReading(frame, kind) === true && booleanReading(previous, kind) === false) {
          events.push(draftOver('device.tamper', frames, pair, { problem: 'tamper', kind }));
        }
      }
    }
    for (const kind of parameters.stuckKinds) {
      const value = frame.readings.find((reading) => reading.kind === kind)?.value;
      if (typeof value !== 'number') {
        runs.delete(kind);
        continue;
      }
      const run = runs.get(kind);
      if (run && run.value === value) {
        if (index - run.first + 1 === parameters.stuckFrames) {
          events.push(
            draftOver('device.stuck_value', frames, indexRange(run.first, index), {
              problem: 'stuck_value',
              kind,
              value,
              frames: parameters.stuckFrames,
            }),
          );
        }
      } else runs.set(kind, { value, first: index });
    }
  }
  return { events };
}
