import type { Reading } from '@fieldproof/protocol';

/** What every simulator needs; the same options always give the same samples. */
export interface SimulatorOptions {
  /** Seed of the pseudo-random stream (see createSeededRandom for how it maps to the stream). */
  seed: number | string;
  /** The simulated device; mixed into the stream so devices sharing a seed differ. */
  deviceId: string;
  /** Device time of the first sample, UTC ms since the epoch. */
  startTimeMs: number;
  /** Time between samples in ms. Precondition: > 0. */
  periodMs: number;
}

/** One sample: the instant it was taken and the values measured then. */
export interface SimulatorSample {
  /** Device time of the sample, UTC ms since the epoch (an integer). */
  deviceTimeMs: number;
  /** The values measured at that instant (1–64 readings, as a frame allows). */
  readings: Reading[];
}

/** A deterministic source of samples: the n-th call of `next()` depends only on the options and n. */
export interface Simulator {
  /** The device type simulated, e.g. `load-cell`. */
  readonly kind: string;
  /** The next sample, one `periodMs` after the previous one. */
  next(): SimulatorSample;
}

/** A limit on the simulated period: at most one day between samples. */
export const simulatorPeriodMsMax = 86_400_000;

/**
 * Check the options shared by all simulators and return the device time of sample `index`.
 * Throws a RangeError naming the bad key.
 */
export function checkSimulatorOptions(options: SimulatorOptions): (index: number) => number {
  if (!(typeof options.seed === 'string' || Number.isFinite(options.seed))) {
    throw new RangeError('seed must be a finite number or a string');
  }
  if (typeof options.deviceId !== 'string' || options.deviceId.length === 0) {
    throw new RangeError('deviceId must be a non-empty string');
  }
  if (!Number.isSafeInteger(options.startTimeMs) || options.startTimeMs < 0) {
    throw new RangeError('startTimeMs must be a non-negative integer (UTC ms since the epoch)');
  }
  if (!(options.periodMs > 0 && options.periodMs <= simulatorPeriodMsMax)) {
    throw new RangeError(`periodMs must be in (0, ${simulatorPeriodMsMax}]`);
  }
  // Times are computed from the index, not summed, so a fractional period does not accumulate error.
  return (index) => options.startTimeMs + Math.round(index * options.periodMs);
}

/** Round to a number of decimal places, as a sensor with that resolution reports. */
export function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
