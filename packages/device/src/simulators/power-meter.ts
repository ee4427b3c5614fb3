import { createSeededRandom } from './seeded-random.ts';
import { checkSimulatorOptions, roundTo, type Simulator, type SimulatorOptions } from './simulator.ts';

/** Options of a production line's power meter. Defaults in brackets. */
export interface PowerMeterOptions extends SimulatorOptions {
  /** Local hour the day shift starts, 0–23 [8]. */
  shiftStartHour?: number;
  /** Local hour the day shift ends, 1–24, after shiftStartHour [20]. */
  shiftEndHour?: number;
  /** Offset of the site's local time from UTC, minutes [480, China Standard Time]. */
  utcOffsetMinutes?: number;
  /** Mean draw of the running line, kW [350]. */
  runningPowerKw?: number;
  /** Draw of the idle line at night (lighting, compressors on standby), kW [20]. */
  idlePowerKw?: number;
  /** Standard deviation of the draw as a fraction of its mean [0.03]. */
  noiseFraction?: number;
  /** Mean unplanned stops per shift [1]. */
  stopsPerShift?: number;
  /** Energy on the register at the start, kWh [0]. */
  energyStartKwh?: number;
  /** If set, from the first sample at or after this device time the line stays idle (output collapse). */
  outputCollapseAtMs?: number;
}

/** Shortest unplanned stop, ms. */
export const stopDurationMsMinimum = 10 * 60_000;
/** Longest unplanned stop, ms. */
export const stopDurationMsMaximum = 60 * 60_000;

/**
 * A production line's power meter. The line runs on a day shift (local time) at about
 * runningPowerKw with noise, ramps over a few minutes, idles at idlePowerKw outside the shift and
 * during unplanned stops of 10–60 minutes. Reports `power` (kW, 0.1 resolution) and `energy`
 * (kWh, cumulative, never decreasing, 0.001 resolution). Preconditions: the shared
 * SimulatorOptions hold; 0 ≤ shiftStartHour < shiftEndHour ≤ 24; 0 ≤ idlePowerKw ≤ runningPowerKw.
 */
export function createPowerMeterSimulator(options: PowerMeterOptions): Simulator {
  const timeOfSample = checkSimulatorOptions(options);
  const shiftStartHour = options.shiftStartHour ?? 8;
  const shiftEndHour = options.shiftEndHour ?? 20;
  const utcOffsetMinutes = options.utcOffsetMinutes ?? 480;
  const runningPowerKw = options.runningPowerKw ?? 350;
  const idlePowerKw = options.idlePowerKw ?? 20;
  const noiseFraction = options.noiseFraction ?? 0.03;
  const stopsPerShift = options.stopsPerShift ?? 1;
  if (!(shiftStartHour >= 0 && shiftStartHour < shiftEndHour && shiftEndHour <= 24)) {
    throw new RangeError('shiftStartHour and shiftEndHour must satisfy 0 ≤ shiftStartHour < shiftEndHour ≤ 24');
  }
  if (!(idlePowerKw >= 0 && idlePowerKw <= runningPowerKw)) {
    throw new RangeError('idlePowerKw and runningPowerKw must satisfy 0 ≤ idlePowerKw ≤ runningPowerKw');
  }
  if (!(noiseFraction >= 0 && noiseFraction < 0.5)) throw new RangeError('noiseFraction must be in [0, 0.5)');

  const random = createSeededRandom(options.seed, options.deviceId);
  const periodHours = options.periodMs / 3_600_000;
  const shiftHours = shiftEndHour - shiftStartHour;
  // Motors and ovens come up to load over minutes, not at once.
  const response = 1 - Math.exp(-options.periodMs / (3 * 60_000));
  let energyKwh = options.energyStartKwh ?? 0;
  if (!(energyKwh >= 0)) throw new RangeError('energyStartKwh must be ≥ 0');
  let index = 0;
  let stopUntilMs = 0;
  let meanPowerKw: number | undefined;

  return {
    kind: 'power-meter',
    next() {
      const deviceTimeMs = timeOfSample(index);
      const localHour = (((deviceTimeMs / 3_600_000 + utcOffsetMinutes / 60) % 24) + 24) % 24;
      const onShift = localHour >= shiftStartHour && localHour < shiftEndHour;
      const collapsed = options.outputCollapseAtMs !== undefined && deviceTimeMs >= options.outputCollapseAtMs;
      if (onShift && deviceTimeMs >= stopUntilMs && random.chance((stopsPerShift * periodHours) / shiftHours)) {
        stopUntilMs = deviceTimeMs + random.between(stopDurationMsMinimum, stopDurationMsMaximum);
      }
      const running = onShift && !collapsed && deviceTimeMs >= stopUntilMs;
      const targetKw = running ? runningPowerKw : idlePowerKw;
      meanPowerKw = meanPowerKw === undefined ? targetKw : meanPowerKw + (targetKw - meanPowerKw) * response;
      const powerKw = Math.max(0, roundTo(random.normal(meanPowerKw, noiseFraction * meanPowerKw), 1));
      // The register integrates the draw over the period that ends at this sample.
      if (index > 0) energyKwh += powerKw * periodHours;
      index++;
      return {
        deviceTimeMs,
        readings: [
          { kind: 'power', value: powerKw, unit: 'kW' },
          { kind: 'energy', value: roundTo(energyKwh, 3), unit: 'kWh' },
        ],
      };
    },
  };
}
