import type { Reading } from '@fieldproof/protocol';
import { describe, expect, it } from 'vitest';
import { createRfidGateSimulator, passesPerSampleMax, type RfidGateOptions } from './rfid-gate.ts';

const startTimeMs = Date.UTC(2024, 2, 4);
const periodMs = 60_000;

function run(options: Partial<RfidGateOptions>, count = 1440): Reading[][] {
  const simulator = createRfidGateSimulator({ seed: 5, deviceId: 'gate-1', startTimeMs, periodMs, ...options });
  return Array.from({ length: count }, () => simulator.next().readings);
}

describe('RFID gate simulator', () => {
  it('reports counts that match the tag readings, with EPC-96 tag ids and in/out directions', () => {
    let passes = 0;
    for (const readings of run({})) {
      const [countIn, countOut, ...rest] = readings;
      expect(countIn?.kind).toBe('count.in');
      expect(countOut?.kind).toBe('count.out');
      expect(rest.length).toBe(2 * ((countIn?.value as number) + (countOut?.value as number)));
      expect(readings.length).toBeLessThanOrEqual(64);
      for (let index = 0; index < rest.length; index += 2) {
        expect(rest[index]?.kind).toBe('rfid.tag');
        expect(rest[index]?.value).toMatch(/^30[0-9A-F]{22}$/);
        expect(rest[index + 1]?.kind).toBe('direction');
        expect(['in', 'out']).toContain(rest[index + 1]?.value);
      }
      const ins = rest.filter((reading) => reading.kind === 'direction' && reading.value === 'in').length;
      expect(ins).toBe(countIn?.value);
      passes += rest.length / 2;
    }
    // 30 passes an hour for a day.
    expect(passes).toBeGreaterThan(600);
    expect(passes).toBeLessThan(840);
  });

  it('moves each tag alternately in and out, never out twice in a row', () => {
    const lastDirection = new Map<string, string>();
    for (const readings of run({ tagPopulation: 20, passesPerHour: 120 })) {
      for (let index = 2; index < readings.length; index += 2) {
        const tag = readings[index]?.value as string;
        const direction = readings[index + 1]?.value as string;
        if (lastDirection.has(tag)) expect(direction).not.toBe(lastDirection.get(tag));
        lastDirection.set(tag, direction);
      }
    }
    expect(lastDirection.size).toBe(20);
  });

  it('plants a burst of removals at the given time, within one frame', () => {
    const removalIndex = 600;
    const samples = run({
      passesPerHour: 0,
      unauthorisedRemovalAtMs: startTimeMs + removalIndex * periodMs,
      unauthorisedRemovalCount: 100,
    });
    expect(samples[removalIndex]?.[1]).toEqual({ kind: 'count.out', value: passesPerSampleMax });
    const others = samples.filter((_, index) => index !== removalIndex);
    expect(others.every((readings) => readings.length === 2)).toBe(true);
  });
});
