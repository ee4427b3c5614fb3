import { describe, expect, it } from 'vitest';
import { createLoadCellSimulator, type LoadCellOptions } from './load-cell.ts';

const startTimeMs = Date.UTC(2024, 2, 4);
const periodMs = 10_000;
const day = 86_400_000 / periodMs;

function weights(options: Partial<LoadCellOptions>, count = day): { weights: number[]; tampers: boolean[] } {
  const simulator = createLoadCellSimulator({ seed: 11, deviceId: 'cell-1', startTimeMs, periodMs, ...options });
  const result = { weights: [] as number[], tampers: [] as boolean[] };
  for (let index = 0; index < count; index++) {
    const { readings } = simulator.next();
    expect(readings[0]).toMatchObject({ kind: 'weight', unit: 'kg' });
    expect(readings[1]).toMatchObject({ kind: 'tamper' });
    result.weights.push(readings[0]?.value as number);
    result.tampers.push(readings[1]?.value as boolean);
  }
  return result;
}

const differences = (values: number[]): number[] =>
  values.slice(1).map((value, index) => value - (values[index] as number));

describe('load cell simulator', () => {
  it('has sensor noise of about 0.05 % of the reading when no goods move', () => {
    const { weights: quiet } = weights({ movementsPerHour: 0, driftKgPerHour: 0 });
    const mean = quiet.reduce((sum, value) => sum + value, 0) / quiet.length;
    const deviation = Math.sqrt(quiet.reduce((sum, value) => sum + (value - mean) ** 2, 0) / quiet.length);
    expect(mean).toBeGreaterThan(49_990);
    expect(mean).toBeLessThan(50_010);
    expect(deviation).toBeGreaterThan(20);
    expect(deviation).toBeLessThan(30);
  });

  it('moves goods in forklift loads of at least 500 kg that stand far out of the noise', () => {
    const steps = differences(weights({ movementsPerHour: 2 }).weights);
    const large = steps.filter((step) => Math.abs(step) >= 300);
    // At about 50 t the difference of two noisy readings has σ ≈ 35 kg, and every load is ≥ 500 kg:
    // a step is either noise (under 250 kg) or a load (over 400 kg), never in between.
    expect(steps.filter((step) => Math.abs(step) >= 250 && Math.abs(step) <= 400)).toEqual([]);
    expect(large.length).toBeGreaterThan(20);
    expect(large.some((step) => step > 0)).toBe(true);
    expect(large.some((step) => step < 0)).toBe(true);
    for (const step of large) expect(Math.abs(step)).toBeLessThan(2000 + 300);
    // Several loads in a row: some large steps follow each other directly.
    const consecutive = steps.filter(
      (step, index) => Math.abs(step) >= 300 && Math.abs(steps[index + 1] ?? 0) >= 300,
    ).length;
    expect(consecutive).toBeGreaterThan(0);
  });

  it('drifts slowly', () => {
    const { weights: drifting } = weights({ movementsPerHour: 0, driftKgPerHour: 5 });
    const firstHour = drifting.slice(0, 360).reduce((sum, value) => sum + value, 0) / 360;
    const lastHour = drifting.slice(-360).reduce((sum, value) => sum + value, 0) / 360;
    expect(Math.abs(lastHour - firstHour)).toBeGreaterThan(100);
    expect(Math.abs(lastHour - firstHour)).toBeLessThan(130);
  });

  it('plants an unauthorised outflow and a tamper at the given times', () => {
    const outflowAtMs = startTimeMs + 6 * 3_600_000;
    const tamperAtMs = startTimeMs + 12 * 3_600_000;
    const { weights: planted, tampers } = weights({
      movementsPerHour: 0,
      unauthorisedOutflowAtMs: outflowAtMs,
      unauthorisedOutflowKg: 20_000,
      tamperAtMs,
    });
    const steps = differences(planted);
    const outflowIndex = (outflowAtMs - startTimeMs) / periodMs;
    expect(steps[outflowIndex - 1]).toBeLessThan(-19_800);
    expect(steps.filter((step) => Math.abs(step) > 300)).toHaveLength(1);
    const tamperIndex = (tamperAtMs - startTimeMs) / periodMs;
    expect(tampers.slice(0, tamperIndex).every((tamper) => !tamper)).toBe(true);
    expect(tampers.slice(tamperIndex).every((tamper) => tamper)).toBe(true);
  });
});
