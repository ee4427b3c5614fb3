import { describe, expect, it } from 'vitest';
import { testFrames } from '../../_test/event-frames.ts';
import { CountRfidPassesParametersSchema, countRfidPasses } from './count-rfid-passes.ts';

const pass = (tag: string, direction: 'in' | 'out') => [
  { kind: 'rfid.tag', value: tag },
  { kind: 'direction', value: direction },
];

describe('countRfidPasses', () => {
  it('counts per interval aligned to UTC, closes an interval with the next interval’s first frame', () => {
    const parameters = CountRfidPassesParametersSchema.parse({ intervalMs: 120_000 });
    // t0 is a multiple of two minutes; one frame a minute: intervals {0, 1}, {2, 3}, {4}.
    const { sources } = testFrames('gate', [
      [{ kind: 'count.in', value: 2 }, ...pass('B', 'in'), ...pass('A', 'in')],
      [{ kind: 'count.out', value: 1 }, ...pass('A', 'out')],
      [{ kind: 'count.in', value: 0 }],
      [{ kind: 'count.in', value: 0 }],
      [{ kind: 'count.in', value: 0 }],
    ]);
    const { events } = countRfidPasses(sources, parameters);
    // The quiet interval {2, 3} makes no event; the open interval {4} makes none yet.
    expect(events).toHaveLength(1);
    expect(events[0]?.payload).toMatchObject({ countIn: 2, countOut: 1, netIn: 1, tagsIn: ['A', 'B'], tagsOut: ['A'] });
    expect(events[0]?.sourceFrameIds).toEqual(sources.slice(0, 3).map((source) => source.id));
  });
});
