import * as z from 'zod';
import { draftOver, type EventDraft, type EventSourceFrame, indexRange, numberReading } from './derived-event.ts';

/** Parameters of detectColdChainExcursions; recorded in every event it derives. */
export const DetectColdChainExcursionsParametersSchema = z
  .object({
    /** Reading kind of the temperature. */
    temperatureKind: z.string().default('temperature'),
    /** A reading strictly above this is out of range, °C (e.g. −15 for frozen goods at −18). */
    thresholdDegC: z.number().default(-15),
    /** An excursion counts once it has lasted this long (device time), ms; shorter ones are door noise. */
    minimumDurationMs: z
      .number()
      .int()
      .positive()
      .default(15 * 60_000),
  })
  .strict();
export type DetectColdChainExcursionsParameters = z.infer<typeof DetectColdChainExcursionsParametersSchema>;

/** Payload of `cold_chain.excursion_started` and `cold_chain.excursion` events. */
export interface ColdChainExcursionPayload extends Record<string, unknown> {
  /** The threshold crossed, °C. */
  thresholdDegC: number;
  /** Device time of the first reading above the threshold, UTC ms. */
  aboveFromMs: number;
  /** Time above the threshold so far (started) or in all (ended), ms: from the first reading above to the first back in range, or to the last above while it lasts. */
  durationMs: number;
  /** Highest temperature in the excursion so far, °C, as reported. */
  peakDegC: number;
}

/** What detectColdChainExcursions found. */
export interface DetectColdChainExcursionsResult {
  /** For each excursion: `cold_chain.excursion_started` once it has lasted minimumDurationMs, and `cold_chain.excursion` when it ends. */
  events: EventDraft<ColdChainExcursionPayload>[];
}

/**
 * Cold-chain excursions: time above a temperature threshold. An excursion begins at the first
 * reading above thresholdDegC after a reading in range (so one already under way when the frames
 * begin is not reported: its start is unknown) and ends at the next reading in range. An alarm
 * event comes as soon as it has lasted minimumDurationMs, so a store that never recovers is still
 * reported; the closing event carries the whole duration and peak. Shorter excursions yield
 * nothing. Frames without a numeric temperature are skipped. Precondition: one device's frames in seq order.
 */
export function detectColdChainExcursions(
  frames: readonly EventSourceFrame[],
  parameters: DetectColdChainExcursionsParameters,
): DetectColdChainExcursionsResult {
  const events: EventDraft<ColdChainExcursionPayload>[] = [];
  let previousInRange: number | undefined;
  let excursion: { before: number; first: number; peakDegC: number; alarmed: boolean } | undefined;
  for (let index = 0; index < frames.length; index++) {
    const frame = (frames[index] as EventSourceFrame).frame;
    const temperature = numberReading(frame, parameters.temperatureKind);
    if (temperature === undefined) continue;
    if (temperature <= parameters.thresholdDegC) {
      if (excursion) {
        const aboveFromMs = (frames[excursion.first] as EventSourceFrame).frame.deviceTimeMs;
        const durationMs = frame.deviceTimeMs - aboveFromMs;
        if (durationMs >= parameters.minimumDurationMs) {
          events.push(
            draftOver('cold_chain.excursion', frames, withTemperature(frames, parameters, excursion.before, index), {
              thresholdDegC: parameters.thresholdDegC,
              aboveFromMs,
              durationMs,
              peakDegC: excursion.peakDegC,
            }),
          );
        }
        excursion = undefined;
      }
      previousInRange = index;
      continue;
    }
    if (!excursion) {
      if (previousInRange === undefined) continue;
      excursion = { before: previousInRange, first: index, peakDegC: temperature, alarmed: false };
    }
    excursion.peakDegC = Math.max(excursion.peakDegC, temperature);
    const aboveFromMs = (frames[excursion.first] as EventSourceFrame).frame.deviceTimeMs;
    if (!excursion.alarmed && frame.deviceTimeMs - aboveFromMs >= parameters.minimumDurationMs) {
      excursion.alarmed = true;
      events.push(
        draftOver(
          'cold_chain.excursion_started',
          frames,
          withTemperature(frames, parameters, excursion.before, index),
          {
            thresholdDegC: parameters.thresholdDegC,
            aboveFromMs,
            durationMs: frame.deviceTimeMs - aboveFromMs,
            peakDegC: excursion.peakDegC,
          },
        ),
      );
    }
  }
  return { events };
}

function withTemperature(
  frames: readonly EventSourceFrame[],
  parameters: DetectColdChainExcursionsParameters,
  first: number,
  last: number,
): number[] {
  return indexRange(first, last).filter(
    (index) => numberReading((frames[index] as EventSourceFrame).frame, parameters.temperatureKind) !== undefined,
  );
}
