import { describe, expect, it } from 'vitest';
import { type ColdChainOptions, createColdChainSimulator } from './cold-chain.ts';

const startTimeMs = Date.UTC(2024, 7, 1);
const periodMs = 30_000;

function run(options: Partial<ColdChainOptions>, hours = 24) {
  const simulator = createColdChainSimulator({ seed: 9, deviceId: 'reefer-1', startTimeMs, periodMs, ...options });
  return Array.from({ length: (hours * 3_600_000) / periodMs }, () => {
    const { readings } = simulator.next();
    expect(readings.map((reading) => [reading.kind, reading.unit])).toEqual([
      ['temperature', 'degC'],
      ['humidity', '%'],
      ['door.open', undefined],
    ]);
    return {
      temperatureDegC: readings[0]?.value as number,
      humidityPercent: readings[1]?.value as number,
      doorOpen: readings[2]?.value as boolean,
    };
  });
}

describe('cold chain simulator', () => {
  it('holds the set point with the door shut and makes excursions when it opens', () => {
    const samples = run({});
    // Settled: the door has been shut for the last 40 minutes.
    const settled = samples.filter(
      (_, index) => index >= 80 && samples.slice(index - 80, index + 1).every((s) => !s.doorOpen),
    );
    expect(settled.length).toBeGreaterThan(500);
    for (const sample of settled) {
      expect(sample.temperatureDegC).toBeGreaterThan(-19.5);
      expect(sample.temperatureDegC).toBeLessThan(-16.5);
    }
    expect(samples.filter((sample) => sample.doorOpen).length).toBeGreaterThan(10);
    expect(Math.max(...samples.map((sample) => sample.temperatureDegC))).toBeGreaterThan(-14);
    for (const sample of samples) {
      expect(sample.humidityPercent).toBeGreaterThanOrEqual(0);
      expect(sample.humidityPercent).toBeLessThanOrEqual(100);
    }
  });

  it('never opens the door when openings are off, and stays within a degree of the set point', () => {
    const samples = run({ doorOpeningsPerHour: 0, setPointDegC: -25 });
    expect(samples.every((sample) => !sample.doorOpen)).toBe(true);
    for (const sample of samples) expect(Math.abs(sample.temperatureDegC + 25)).toBeLessThan(1.2);
  });

  it('plants a refrigeration failure: the store warms towards ambient', () => {
    const samples = run({ doorOpeningsPerHour: 0, refrigerationFailureAtMs: startTimeMs + 2 * 3_600_000 }, 12);
    const temperatures = samples.map((sample) => sample.temperatureDegC);
    expect(temperatures[(2 * 3_600_000) / periodMs - 1]).toBeLessThan(-16);
    expect(temperatures.at(-1)).toBeGreaterThan(5);
  });
});
