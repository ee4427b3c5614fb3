import * as z from 'zod';
import { draftOver, type EventDraft, type EventSourceFrame } from './derived-event.ts';

/** Parameters of countRfidPasses; recorded in every event it derives. */
export const CountRfidPassesParametersSchema = z
  .object({
    /** Length of a counting interval, ms; intervals are aligned to the epoch (UTC), so no time zone enters. */
    intervalMs: z
      .number()
      .int()
      .min(1_000)
      .max(86_400_000)
      .default(15 * 60_000),
  })
  .strict();
export type CountRfidPassesParameters = z.infer<typeof CountRfidPassesParametersSchema>;

/** Payload of an `rfid.gate_count` event. */
export interface RfidGateCountPayload extends Record<string, unknown> {
  /** Start of the interval, UTC ms (a multiple of intervalMs). */
  intervalStartMs: number;
  /** End of the interval (exclusive), UTC ms. */
  intervalEndMs: number;
  /** Tag passes inward in the interval. */
  countIn: number;
  /** Tag passes outward in the interval. */
  countOut: number;
  /** countIn − countOut: the change in units inside the site. */
  netIn: number;
  /** Tags that passed inward, sorted, each once. */
  tagsIn: string[];
  /** Tags that passed outward, sorted, each once. */
  tagsOut: string[];
}

/** What countRfidPasses found. */
export interface CountRfidPassesResult {
  /** One event per closed interval with at least one pass, in time order. */
  events: EventDraft<RfidGateCountPayload>[];
}

/**
 * RFID gate counts per fixed interval. Each pass is an `rfid.tag` reading followed by a
 * `direction` reading (`in` or `out`), as the gate reader reports them. An interval is closed by
 * the first frame whose device time falls in a later interval; that frame is among the event's
 * sources (it proves the interval was over), the frames of the interval are the rest. Intervals
 * still open at the end of the frames yield nothing yet. Precondition: one device's frames in seq
 * order with non-decreasing device time.
 */
export function countRfidPasses(
  frames: readonly EventSourceFrame[],
  parameters: CountRfidPassesParameters,
): CountRfidPassesResult {
  const events: EventDraft<RfidGateCountPayload>[] = [];
  let bucket: { startMs: number; indexes: number[] } | undefined;
  for (let index = 0; index < frames.length; index++) {
    const frame = (frames[index] as EventSourceFrame).frame;
    const startMs = frame.deviceTimeMs - (frame.deviceTimeMs % parameters.intervalMs);
    if (bucket && startMs !== bucket.startMs) {
      const event = close(frames, parameters, bucket, index);
      if (event) events.push(event);
      bucket = undefined;
    }
    if (!bucket) bucket = { startMs, indexes: [] };
    bucket.indexes.push(index);
  }
  return { events };
}

function close(
  frames: readonly EventSourceFrame[],
  parameters: CountRfidPassesParameters,
  bucket: { startMs: number; indexes: number[] },
  closingIndex: number,
): EventDraft<RfidGateCountPayload> | undefined {
  const tagsIn = new Set<string>();
  const tagsOut = new Set<string>();
  let countIn = 0;
  let countOut = 0;
  for (const index of bucket.indexes) {
    const readings = (frames[index] as EventSourceFrame).frame.readings;
    for (let position = 0; position + 1 < readings.length; position++) {
      const tag = readings[position];
      const direction = readings[position + 1];
      if (tag?.kind !== 'rfid.tag' || typeof tag.value !== 'string' || direction?.kind !== 'direction') continue;
      if (direction.value === 'in') {
        countIn++;
        tagsIn.add(tag.value);
      } else if (direction.value === 'out') {
        countOut++;
        tagsOut.add(tag.value);
      }
    }
  }
  if (countIn + countOut === 0) return undefined;
  // Code-unit order, as canonical JSON sorts keys: no locale enters.
  const sorted = (tags: Set<string>): string[] => [...tags].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return draftOver('rfid.gate_count', frames, [...bucket.indexes, closingIndex], {
    intervalStartMs: bucket.startMs,
    intervalEndMs: bucket.startMs + parameters.intervalMs,
    countIn,
    countOut,
    netIn: countIn - countOut,
    tagsIn: sorted(tagsIn),
    tagsOut: sorted(tagsOut),
  });
}
