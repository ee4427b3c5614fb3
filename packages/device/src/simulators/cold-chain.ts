import { createSeededRandom } from './seeded-random.ts';
import { checkSimulatorOptions, roundTo, type Simulator, type SimulatorOptions } from './simulator.ts';

/** Options of a temperature and humidity logger in a cold store or reefer. Defaults in brackets. */
export interface ColdChainOptions extends SimulatorOptions {
  /** Set point of the refrigeration, °C [−18]. */
  setPointDegC?: number;
  /** Temperature outside the door, °C [25]. */
  ambientDegC?: number;
  /** Mean door openings per hour [1]. */
  doorOpeningsPerHour?: number;
  /** Relative humidity of the closed store, % [85]. */
  humidityPercent?: number;
  /** If set, from the first sample at or after this device time the refrigeration has failed. */
  refrigerationFailureAtMs?: number;
}

/** Shortest door opening, ms. */
export const doorOpenMsMinimum = 30_000;
/** Longest door opening, ms. */
export const doorOpenMsMaximum = 5 * 60_000;

/**
 * A logger in a cold store or reefer. The air temperature follows the set point with a small
 * compressor cycle and sensor noise; an open door pulls it towards ambient (a few degrees a
 * minute), and the refrigeration pulls it back once the door shuts; a planted failure lets it
 * warm slowly towards ambient. Reports `temperature` (degC, 0.1 resolution), `humidity` (%, 0.1
 * resolution) and `door.open` (boolean). Preconditions: the shared SimulatorOptions hold;
 * setPointDegC < ambientDegC; humidityPercent in [0, 100].
 */
export function createColdChainSimulator(options: ColdChainOptions): Simulator {
  const timeOfSample = checkSimulatorOptions(options);
  const setPointDegC = options.setPointDegC ?? -18;
  const ambientDegC = options.ambientDegC ?? 25;
  const doorOpeningsPerHour = options.doorOpeningsPerHour ?? 1;
  const closedHumidityPercent = options.humidityPercent ?? 85;
  if (!(setPointDegC < ambientDegC)) throw new RangeError('setPointDegC must be below ambientDegC');
  if (!(closedHumidityPercent >= 0 && closedHumidityPercent <= 100)) {
    throw new RangeError('humidityPercent must be in [0, 100]');
  }
  if (!(doorOpeningsPerHour >= 0)) throw new RangeError('doorOpeningsPerHour must be ≥ 0');

  const random = createSeededRandom(options.seed, options.deviceId);
  const periodHours = options.periodMs / 3_600_000;
  // Time constants of the air temperature: the door open, the door shut, and refrigeration off.
  const relax = (timeConstantMs: number): number => 1 - Math.exp(-options.periodMs / timeConstantMs);
  const towardsAmbientOpen = relax(10 * 60_000);
  const towardsSetPoint = relax(8 * 60_000);
  const towardsAmbientFailed = relax(6 * 3_600_000);
  const humidityResponse = relax(5 * 60_000);
  const compressorCycleMs = 30 * 60_000;
  const compressorPhase = random.between(0, 2 * Math.PI);
  let airDegC = setPointDegC;
  let humidityPercent = closedHumidityPercent;
  let doorOpenUntilMs = 0;
  let index = 0;

  return {
    kind: 'cold-chain',
    next() {
      const deviceTimeMs = timeOfSample(index);
      const failed = options.refrigerationFailureAtMs !== undefined && deviceTimeMs >= options.refrigerationFailureAtMs;
      if (index > 0 && deviceTimeMs >= doorOpenUntilMs && random.chance(doorOpeningsPerHour * periodHours)) {
        doorOpenUntilMs = deviceTimeMs + random.between(doorOpenMsMinimum, doorOpenMsMaximum);
      }
      const doorOpen = deviceTimeMs < doorOpenUntilMs;
      if (index > 0) {
        if (doorOpen) airDegC += (ambientDegC - airDegC) * towardsAmbientOpen;
        else if (failed) airDegC += (ambientDegC - airDegC) * towardsAmbientFailed;
        else airDegC += (setPointDegC - airDegC) * towardsSetPoint;
        // Warm, moist air comes in through an open door; the evaporator dries the air again.
        const targetHumidityPercent = doorOpen ? Math.min(100, closedHumidityPercent + 10) : closedHumidityPercent;
        humidityPercent += (targetHumidityPercent - humidityPercent) * humidityResponse;
      }
      const cycleDegC = failed ? 0 : 0.5 * Math.sin(compressorPhase + (2 * Math.PI * deviceTimeMs) / compressorCycleMs);
      const temperatureDegC = roundTo(random.normal(airDegC + cycleDegC, 0.1), 1);
      const reportedHumidityPercent = roundTo(Math.min(100, Math.max(0, random.normal(humidityPercent, 0.8))), 1);
      index++;
      return {
        deviceTimeMs,
        readings: [
          { kind: 'temperature', value: temperatureDegC, unit: 'degC' },
          { kind: 'humidity', value: reportedHumidityPercent, unit: '%' },
          { kind: 'door.open', value: doorOpen },
        ],
      };
    },
  };
}
