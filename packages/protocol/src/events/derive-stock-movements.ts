import * as z from 'zod';
import {
  draftOver,
  type EventDraft,
  type EventSourceFrame,
  indexRange,
  numberReading,
  roundDecimals,
} from './derived-event.ts';

/** Parameters of deriveStockMovements; recorded in every event it derives. */
export const DeriveStockMovementsParametersSchema = z
  .object({
    /** Reading kind of the weight. */
    weightKind: z.string().default('weight'),
    /** A stretch is stable when its weights span at most this, kg (the cell's noise band). */
    noiseBandKg: z.number().positive().default(100),
    /** Frames a stable stretch must last (the debounce). */
    stableFrames: z.number().int().min(2).max(100).default(3),
    /** Smallest change between two stable levels reported as a movement, kg. */
    minimumStepKg: z.number().positive().default(400),
    /** Consecutive frames further apart than this (device time) mark the movement `acrossGap`. */
    gapMs: z.number().int().positive().default(600_000),
  })
  .strict();
export type DeriveStockMovementsParameters = z.infer<typeof DeriveStockMovementsParametersSchema>;

/** Payload of a `stock.movement` event. */
export interface StockMovementPayload extends Record<string, unknown> {
  /** `in` if the weight rose, `out` if it fell. */
  direction: 'in' | 'out';
  /** Size of the movement, kg, 1 decimal: |levelAfterKg − levelBeforeKg| of the unrounded means. */
  weightKg: number;
  /** Mean weight of the stable stretch before, kg, 1 decimal. */
  levelBeforeKg: number;
  /** Mean weight of the stable stretch after, kg, 1 decimal. */
  levelAfterKg: number;
  /** True if two consecutive source frames are more than gapMs apart or their seqs skip. */
  acrossGap: boolean;
}

/** What deriveStockMovements found. */
export interface DeriveStockMovementsResult {
  /** One `stock.movement` event per settled change of level, in order. */
  events: EventDraft<StockMovementPayload>[];
}

/**
 * Stock movements from a load cell: debounced steps between stable weight levels. A stable
 * window is `stableFrames` consecutive weight frames spanning ≤ noiseBandKg; its level is their
 * mean. Scanning in seq order, the latest stable window is the reference; a later stable window
 * whose level differs from it by ≥ minimumStepKg (and does not overlap it) is a movement, whose
 * source frames are the reference window, the unsettled frames between (a run of forklift loads
 * is one movement) and the new window. Smaller settled changes (drift) move the reference along.
 * Frames without a numeric weight are skipped. Precondition: one device's frames in seq order.
 */
export function deriveStockMovements(
  frames: readonly EventSourceFrame[],
  parameters: DeriveStockMovementsParameters,
): DeriveStockMovementsResult {
  const weighed: number[] = [];
  for (let index = 0; index < frames.length; index++) {
    if (numberReading((frames[index] as EventSourceFrame).frame, parameters.weightKind) !== undefined)
      weighed.push(index);
  }
  const weightAt = (position: number): number =>
    numberReading((frames[weighed[position] as number] as EventSourceFrame).frame, parameters.weightKind) as number;
  const events: EventDraft<StockMovementPayload>[] = [];
  let reference: { first: number; last: number; level: number } | undefined;
  for (let last = parameters.stableFrames - 1; last < weighed.length; last++) {
    const first = last - parameters.stableFrames + 1;
    let minimum = Number.POSITIVE_INFINITY;
    let maximum = Number.NEGATIVE_INFINITY;
    let sum = 0;
    for (let position = first; position <= last; position++) {
      const weight = weightAt(position);
      minimum = Math.min(minimum, weight);
      maximum = Math.max(maximum, weight);
      sum += weight;
    }
    if (maximum - minimum > parameters.noiseBandKg) continue;
    const level = sum / parameters.stableFrames;
    if (reference && first > reference.last && Math.abs(level - reference.level) >= parameters.minimumStepKg) {
      const indexes = indexRange(reference.first, last).map((position) => weighed[position] as number);
      let acrossGap = false;
      for (let position = 1; position < indexes.length; position++) {
        const previous = (frames[indexes[position - 1] as number] as EventSourceFrame).frame;
        const current = (frames[indexes[position] as number] as EventSourceFrame).frame;
        if (current.deviceTimeMs - previous.deviceTimeMs > parameters.gapMs || current.seq !== previous.seq + 1) {
          acrossGap = true;
        }
      }
      events.push(
        draftOver('stock.movement', frames, indexes, {
          direction: level > reference.level ? 'in' : 'out',
          weightKg: roundDecimals(Math.abs(level - reference.level), 1),
          levelBeforeKg: roundDecimals(reference.level, 1),
          levelAfterKg: roundDecimals(level, 1),
          acrossGap,
        }),
      );
      reference = { first, last, level };
    } else if (!reference || Math.abs(level - reference.level) < parameters.minimumStepKg) {
      reference = { first, last, level };
    }
  }
  return { events };
}
