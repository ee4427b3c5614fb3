import { describe, expect, it } from 'vitest';
import { createPowerMeterSimulator, type PowerMeterOptions } from './power-meter.ts';

// Midnight in China Standard Time (UTC+8), a Monday.
const startTimeMs = Date.UTC(2024, 2, 3, 16, 0, 0);
const periodMs = 60_000;
const hour = 3_600_000;

function run(options: Partial<PowerMeterOptions>, hours = 48) {
  const simulator = createPowerMeterSimulator({ seed: 3, deviceId: 'line-1', startTimeMs, periodMs, ...options });
  return Array.from({ length: (hours * hour) / periodMs }, () => {
    const { deviceTimeMs, readings } = simulator.next();
    expect(readings.map((reading) => [reading.kind, reading.unit])).toEqual([
      ['power', 'kW'],
      ['energy', 'kWh'],
    ]);
    const localHour = ((deviceTimeMs - startTimeMs) / hour) % 24;
    return { localHour, powerKw: readings[0]?.value as number, energyKwh: readings[1]?.value as number };
  });
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

describe('power meter simulator', () => {
  it('idles near 20 kW at night and runs near 350 kW on the day shift', () => {
    const samples = run({});
    const night = samples.filter((sample) => sample.localHour < 7 || sample.localHour >= 21);
    const shift = samples.filter((sample) => sample.localHour >= 9 && sample.localHour < 20);
    expect(Math.max(...night.map((sample) => sample.powerKw))).toBeLessThan(30);
    expect(Math.min(...night.map((sample) => sample.powerKw))).toBeGreaterThan(10);
    expect(median(shift.map((sample) => sample.powerKw))).toBeGreaterThan(320);
    expect(median(shift.map((sample) => sample.powerKw))).toBeLessThan(380);
  });

  it('has unplanned stops on shift', () => {
    const shift = run({ stopsPerShift: 3 }).filter((sample) => sample.localHour >= 9 && sample.localHour < 20);
    expect(shift.filter((sample) => sample.powerKw < 50).length).toBeGreaterThan(20);
  });

  it('counts energy monotonically, matching the integrated power', () => {
    const samples = run({ energyStartKwh: 1000 });
    for (let index = 1; index < samples.length; index++) {
      expect(samples[index]?.energyKwh).toBeGreaterThanOrEqual(samples[index - 1]?.energyKwh as number);
    }
    const integratedKwh = samples.slice(1).reduce((sum, sample) => sum + sample.powerKw / 60, 0);
    expect((samples.at(-1)?.energyKwh as number) - 1000).toBeCloseTo(integratedKwh, 1);
    // Two days of about 12 h at 350 kW and 12 h at 20 kW, less stops.
    expect(integratedKwh).toBeGreaterThan(7000);
    expect(integratedKwh).toBeLessThan(9500);
  });

  it('plants an output collapse: the line stays idle from then on', () => {
    const collapseHour = 24 + 10;
    const samples = run({ outputCollapseAtMs: startTimeMs + collapseHour * hour });
    const after = samples.slice(((collapseHour + 0.5) * hour) / periodMs);
    expect(Math.max(...after.map((sample) => sample.powerKw))).toBeLessThan(30);
  });
});
