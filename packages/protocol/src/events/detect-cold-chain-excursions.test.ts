import { describe, expect, it } from 'vitest';
import { numbers, testFrames } from '../../_test/event-frames.ts';
import {
  DetectColdChainExcursionsParametersSchema,
  detectColdChainExcursions,
} from './detect-cold-chain-excursions.ts';

const parameters = DetectColdChainExcursionsParametersSchema.parse({ minimumDurationMs: 3 * 60_000 });
const temperatures = (values: number[]) => testFrames('store', numbers('temperature', values, 'degC')).sources;

describe('detectColdChainExcursions', () => {
  it('ignores an excursion shorter than minimumDurationMs, and a reading at the threshold', () => {
    expect(detectColdChainExcursions(temperatures([-18, -10, -9, -18, -15, -15, -15, -15]), parameters).events).toEqual(
      [],
    );
  });

  it('raises the alarm once the excursion has lasted long enough, then reports its end', () => {
    const { events } = detectColdChainExcursions(temperatures([-18, -12, -8, -5, -9, -16]), parameters);
    expect(events.map((event) => [event.type, event.payload.durationMs, event.payload.peakDegC])).toEqual([
      ['cold_chain.excursion_started', 180_000, -5],
      ['cold_chain.excursion', 240_000, -5],
    ]);
  });

  it('does not report an excursion already under way when the frames begin (its start is unknown)', () => {
    expect(detectColdChainExcursions(temperatures([-5, -5, -5, -5, -5, -18]), parameters).events).toEqual([]);
  });
});
