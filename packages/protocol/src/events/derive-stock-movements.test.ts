import { describe, expect, it } from 'vitest';
import { numbers, testFrames } from '../../_test/event-frames.ts';
import { DeriveStockMovementsParametersSchema, deriveStockMovements } from './derive-stock-movements.ts';

const parameters = DeriveStockMovementsParametersSchema.parse({});
const weights = (values: number[]) => testFrames('cell', numbers('weight', values, 'kg')).sources;

describe('deriveStockMovements', () => {
  it('reports nothing for noise within the band, nor for a step below minimumStepKg', () => {
    expect(deriveStockMovements(weights([1000, 1060, 990, 1040, 1010, 1050, 980]), parameters).events).toEqual([]);
    expect(deriveStockMovements(weights([1000, 1000, 1000, 1350, 1350, 1350]), parameters).events).toEqual([]);
  });

  it('debounces a staircase of loads into one movement, and rounds to 0.1 kg', () => {
    const frames = weights([1000, 1000, 1000, 1500, 2200, 3000.05, 3000.05, 3000.05]);
    const { events } = deriveStockMovements(frames, parameters);
    expect(events).toHaveLength(1);
    expect(events[0]?.payload).toEqual({
      direction: 'in',
      weightKg: 2000.1,
      levelBeforeKg: 1000,
      levelAfterKg: 3000.1,
      acrossGap: false,
    });
    expect(events[0]?.sourceFrameIds).toEqual(frames.map((frame) => frame.id));
  });

  it('needs stableFrames frames at the new level: a step at the end of the frames waits', () => {
    expect(deriveStockMovements(weights([5000, 5000, 5000, 3000, 3000]), parameters).events).toEqual([]);
  });

  it('marks a step that straddles a gap in time or seq', () => {
    const { sources } = testFrames('cell', [
      ...[0, 1, 2].map((seq) => ({ readings: [{ kind: 'weight', value: 5000 }], seq })),
      ...[40, 41, 42].map((seq) => ({ readings: [{ kind: 'weight', value: 1000 }], seq, deviceTimeMs: seq * 60_000 })),
    ]);
    const { events } = deriveStockMovements(sources, parameters);
    expect(events[0]?.payload).toMatchObject({ direction: 'out', weightKg: 4000, acrossGap: true });
  });

  it('skips frames without a numeric weight', () => {
    const { sources } = testFrames('cell', [
      ...numbers('weight', [1000, 1000, 1000]),
      [{ kind: 'tamper', value: false }],
      ...numbers('weight', [2000, 2000, 2000]),
    ]);
    const { events } = deriveStockMovements(sources, parameters);
    expect(events[0]?.sourceFrameIds).not.toContain(sources[3]?.id);
    expect(events[0]?.payload).toMatchObject({ direction: 'in', weightKg: 1000 });
  });
});
