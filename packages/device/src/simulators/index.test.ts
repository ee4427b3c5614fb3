import { FrameSchema } from '@fieldproof/protocol';
import { describe, expect, it } from 'vitest';
import { createSimulator, isSimulatorKind, type SimulatorKind, simulatorKinds } from './index.ts';

const startTimeMs = Date.UTC(2024, 2, 4, 0, 0, 0);

function samples(kind: SimulatorKind, seed: number, deviceId = 'device-1', count = 2000) {
  const simulator = createSimulator(kind, { seed, deviceId, startTimeMs, periodMs: 15_000 });
  return Array.from({ length: count }, () => simulator.next());
}

describe.each(simulatorKinds)('%s simulator', (kind) => {
  it('gives identical samples for the same seed and device id', () => {
    expect(samples(kind, 1)).toEqual(samples(kind, 1));
  });

  it('gives different samples for a different seed or device id', () => {
    expect(samples(kind, 1)).not.toEqual(samples(kind, 2));
    expect(samples(kind, 1)).not.toEqual(samples(kind, 1, 'device-2'));
  });

  it('makes samples that fit a frame, one period apart', () => {
    const taken = samples(kind, 3);
    taken.forEach((sample, index) => {
      expect(sample.deviceTimeMs).toBe(startTimeMs + index * 15_000);
      const parsed = FrameSchema.safeParse({ deviceId: 'device-1', seq: index, ...sample });
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    });
  });
});

describe('createSimulator', () => {
  it('lists its kinds and rejects others', () => {
    expect(simulatorKinds).toEqual(['load-cell', 'rfid-gate', 'gps-tracker', 'power-meter', 'cold-chain']);
    expect(isSimulatorKind('power-meter')).toBe(true);
    expect(isSimulatorKind('toaster')).toBe(false);
    expect(() =>
      createSimulator('toaster' as SimulatorKind, { seed: 1, deviceId: 'd', startTimeMs, periodMs: 1000 }),
    ).toThrow(/unknown simulator kind/);
  });

  it('names the bad option', () => {
    expect(() => createSimulator('load-cell', { seed: 1, deviceId: 'd', startTimeMs, periodMs: 0 })).toThrow(
      /periodMs/,
    );
    expect(() => createSimulator('cold-chain', { seed: 1, deviceId: 'd', startTimeMs: -1, periodMs: 1000 })).toThrow(
      /startTimeMs/,
    );
  });
});
