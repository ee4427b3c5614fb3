import { describe, expect, it } from 'vitest';
import { testFrames } from '../../_test/event-frames.ts';
import { DetectProductionRunsParametersSchema, detectProductionRuns } from './detect-production-runs.ts';

const parameters = DetectProductionRunsParametersSchema.parse({});
const meter = (samples: [number, number][]) =>
  testFrames(
    'line',
    samples.map(([powerKw, energyKwh]) => [
      { kind: 'power', value: powerKw, unit: 'kW' },
      { kind: 'energy', value: energyKwh, unit: 'kWh' },
    ]),
  ).sources;

describe('detectProductionRuns', () => {
  it('reports start, stop and the run with its energy and mean draw', () => {
    const frames = meter([
      [20, 0],
      [20, 0.3],
      [300, 5.3],
      [400, 12],
      [350, 17.8],
      [20, 18.1],
      [20, 18.4],
    ]);
    const { events } = detectProductionRuns(frames, parameters);
    expect(events.map((event) => event.type)).toEqual(['production.start', 'production.stop', 'production.run']);
    // Running frames 2–4: energy 17.8 − 5.3 = 12.5 kWh, mean (300 + 400 + 350) / 3 = 350 kW, 3 minutes.
    expect(events[2]?.payload).toEqual({ runMs: 180_000, energyKwh: 12.5, meanPowerKw: 350 });
    expect(events[2]?.sourceFrameIds).toEqual(frames.map((frame) => frame.id));
  });

  it('ignores a one-frame spike and reports nothing while the state never changes', () => {
    expect(
      detectProductionRuns(
        meter([
          [20, 0],
          [20, 0],
          [500, 1],
          [20, 1],
          [20, 1],
        ]),
        parameters,
      ).events,
    ).toEqual([]);
    expect(
      detectProductionRuns(
        meter([
          [300, 0],
          [300, 5],
          [300, 10],
        ]),
        parameters,
      ).events,
    ).toEqual([]);
  });
});
