import { describe, expect, it } from 'vitest';
import { numbers, testFrames } from '../../_test/event-frames.ts';
import { DetectDeviceHealthParametersSchema, detectDeviceHealth } from './detect-device-health.ts';

const parameters = DetectDeviceHealthParametersSchema.parse({ stuckFrames: 3 });

describe('detectDeviceHealth', () => {
  it('reports a healthy device as nothing', () => {
    expect(detectDeviceHealth(testFrames('d', numbers('power', [1, 2, 1, 2, 1])).sources, parameters).events).toEqual(
      [],
    );
  });

  it('reports a stuck value once, however long it stays stuck, and ignores booleans', () => {
    const { events } = detectDeviceHealth(testFrames('d', numbers('power', [5, 7, 7, 7, 7, 7, 8])).sources, parameters);
    expect(events.map((event) => event.payload)).toEqual([
      { problem: 'stuck_value', kind: 'power', value: 7, frames: 3 },
    ]);
  });

  it('reports clock skew when device time steps back, and cover-open turning true', () => {
    const { sources } = testFrames('d', [
      { readings: [{ kind: 'cover.open', value: false }], deviceTimeMs: 100_000 },
      { readings: [{ kind: 'cover.open', value: false }], deviceTimeMs: 40_000 },
      { readings: [{ kind: 'cover.open', value: true }], deviceTimeMs: 100_000 },
    ]);
    expect(detectDeviceHealth(sources, parameters).events.map((event) => event.payload)).toEqual([
      { problem: 'clock_skew', backwardMs: 60_000 },
      { problem: 'tamper', kind: 'cover.open' },
    ]);
  });
});
