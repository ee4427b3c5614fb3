import * as z from 'zod';
import { confirmedTransitions } from './confirmed-transitions.ts';
import { draftOver, type EventDraft, type EventSourceFrame, numberReading, roundDecimals } from './derived-event.ts';

/** Parameters of detectProductionRuns; recorded in every event it derives. */
export const DetectProductionRunsParametersSchema = z
  .object({
    /** The line runs when its draw is at or above this, kW (between idle and running draw). */
    runningThresholdKw: z.number().positive().default(150),
    /** Consecutive frames on one side of the threshold that confirm a start or a stop. */
    confirmFrames: z.number().int().min(1).max(100).default(2),
  })
  .strict();
export type DetectProductionRunsParameters = z.infer<typeof DetectProductionRunsParametersSchema>;

/** Payload of `production.start` and `production.stop` events. */
export interface ProductionTransitionPayload extends Record<string, unknown> {
  /** `start` or `stop`. */
  transition: 'start' | 'stop';
  /** Device time of the first frame of the confirming run, UTC ms. */
  atMs: number;
}

/** Payload of a `production.run` event: one confirmed run from its start to its stop. */
export interface ProductionRunPayload extends Record<string, unknown> {
  /** From the first running frame to the first stopped frame, ms. */
  runMs: number;
  /** Energy register at the last running frame minus at the first, kWh, 3 decimals; null without an `energy` reading. */
  energyKwh: number | null;
  /** Mean `power` over the running frames, kW, 1 decimal: the output rate the draw implies. */
  meanPowerKw: number;
}

/** What detectProductionRuns found. */
export interface DetectProductionRunsResult {
  /** Starts, stops and, after each stop that follows a start, the run between them, in time order. */
  events: EventDraft<ProductionTransitionPayload | ProductionRunPayload>[];
}

/**
 * Production run/stop and output rate from a power meter (`power` kW, `energy` kWh). Running
 * means power ≥ runningThresholdKw, debounced over confirmFrames frames (confirmedTransitions);
 * the first confirmed state is the start, not an event. A stop after a start also yields a
 * `production.run` whose sources span from the start's sources to the stop's. Frames without a
 * numeric power are skipped. Precondition: one device's frames in seq order.
 */
export function detectProductionRuns(
  frames: readonly EventSourceFrame[],
  parameters: DetectProductionRunsParameters,
): DetectProductionRunsResult {
  const events: EventDraft<ProductionTransitionPayload | ProductionRunPayload>[] = [];
  const power = frames.map((source) => numberReading(source.frame, 'power'));
  const states = power.map((kw) => (kw === undefined ? undefined : kw >= parameters.runningThresholdKw));
  let start: { sourceIndexes: number[]; firstNewIndex: number } | undefined;
  for (const transition of confirmedTransitions(states, parameters.confirmFrames)) {
    const kind = transition.to ? 'start' : 'stop';
    const atMs = (frames[transition.firstNewIndex] as EventSourceFrame).frame.deviceTimeMs;
    events.push(draftOver(`production.${kind}`, frames, transition.sourceIndexes, { transition: kind, atMs }));
    if (transition.to) {
      start = transition;
      continue;
    }
    if (!start) continue;
    const running: number[] = [];
    for (let index = start.firstNewIndex; index < transition.firstNewIndex; index++) {
      if (power[index] !== undefined && (states[index] as boolean)) running.push(index);
    }
    let sumKw = 0;
    for (const index of running) sumKw += power[index] as number;
    const firstEnergy = numberReading((frames[running[0] as number] as EventSourceFrame).frame, 'energy');
    const lastEnergy = numberReading(
      (frames[running[running.length - 1] as number] as EventSourceFrame).frame,
      'energy',
    );
    // Every powered frame from the start's first source to the stop's last, so the run is contiguous.
    const sources: number[] = [];
    const lastSource = transition.sourceIndexes[transition.sourceIndexes.length - 1] as number;
    for (let index = start.sourceIndexes[0] as number; index <= lastSource; index++) {
      if (power[index] !== undefined) sources.push(index);
    }
    events.push(
      draftOver('production.run', frames, sources, {
        runMs: atMs - (frames[start.firstNewIndex] as EventSourceFrame).frame.deviceTimeMs,
        energyKwh:
          firstEnergy === undefined || lastEnergy === undefined ? null : roundDecimals(lastEnergy - firstEnergy, 3),
        meanPowerKw: roundDecimals(sumKw / running.length, 1),
      }),
    );
    start = undefined;
  }
  return { events };
}
