import { createSeededRandom } from './seeded-random.ts';
import { checkSimulatorOptions, roundTo, type Simulator, type SimulatorOptions } from './simulator.ts';

/** Options of a load cell under a pledged stock pile. Defaults in brackets. */
export interface LoadCellOptions extends SimulatorOptions {
  /** Stock on the cell at the start, kg [50 000]. */
  baseStockKg?: number;
  /** Capacity of the cell, kg; goods-in stops short of it [200 000]. */
  capacityKg?: number;
  /** Standard deviation of the sensor noise as a fraction of the reading [0.0005, i.e. 0.05 %]. */
  noiseFraction?: number;
  /** Mean number of goods movements (a goods-in or goods-out run of forklift loads) per hour [1]. */
  movementsPerHour?: number;
  /** Slow zero drift of the cell (creep, temperature), kg per hour; its sign is drawn from the seed [0.5]. */
  driftKgPerHour?: number;
  /** If set, at the first sample at or after this device time, a large removal with no release. */
  unauthorisedOutflowAtMs?: number;
  /** Weight removed by that planted outflow, kg; capped at the stock then on the cell [20 000]. */
  unauthorisedOutflowKg?: number;
  /** If set, the `tamper` reading is true from the first sample at or after this device time. */
  tamperAtMs?: number;
}

/** Smallest forklift load, kg. */
export const forkliftLoadKgMinimum = 500;
/** Largest forklift load, kg. */
export const forkliftLoadKgMaximum = 2000;
/** Most forklift loads in one goods movement ("several in a row"). */
export const forkliftLoadsPerMovementMax = 6;

/**
 * A load cell (weighbridge platform) under a pledged stock pile. Reports `weight` in kg: the true
 * stock plus a slow drift plus Gaussian noise of σ = noiseFraction × reading, at 0.1 kg resolution;
 * and `tamper` (boolean, false unless planted). Goods move in runs of forklift loads of 500–2000 kg,
 * one load per sample, so each load is a step of at least 500 kg (20σ at 50 t).
 * Preconditions: the shared SimulatorOptions hold; baseStockKg ≤ capacityKg; amounts are ≥ 0.
 */
export function createLoadCellSimulator(options: LoadCellOptions): Simulator {
  const timeOfSample = checkSimulatorOptions(options);
  const capacityKg = options.capacityKg ?? 200_000;
  const noiseFraction = options.noiseFraction ?? 0.0005;
  const movementsPerHour = options.movementsPerHour ?? 1;
  const driftKgPerHour = options.driftKgPerHour ?? 0.5;
  const unauthorisedOutflowKg = options.unauthorisedOutflowKg ?? 20_000;
  let stockKg = options.baseStockKg ?? 50_000;
  if (!(stockKg >= 0 && stockKg <= capacityKg)) throw new RangeError('baseStockKg must be in [0, capacityKg]');
  if (!(noiseFraction >= 0 && noiseFraction < 0.1)) throw new RangeError('noiseFraction must be in [0, 0.1)');
  if (!(movementsPerHour >= 0)) throw new RangeError('movementsPerHour must be ≥ 0');
  if (!(unauthorisedOutflowKg >= 0)) throw new RangeError('unauthorisedOutflowKg must be ≥ 0');

  const random = createSeededRandom(options.seed, options.deviceId);
  const periodHours = options.periodMs / 3_600_000;
  const driftSign = random.chance(0.5) ? 1 : -1;
  let driftKg = 0;
  let index = 0;
  let loadsPending = 0;
  let movementIsIn = true;
  let outflowDone = false;

  return {
    kind: 'load-cell',
    next() {
      const deviceTimeMs = timeOfSample(index);
      if (index > 0) {
        driftKg += driftSign * driftKgPerHour * periodHours;
        if (loadsPending === 0 && random.chance(movementsPerHour * periodHours)) {
          // Goods-out is impossible from an empty pile and goods-in from a full one.
          movementIsIn =
            stockKg < 2 * forkliftLoadKgMaximum
              ? true
              : stockKg > capacityKg - 2 * forkliftLoadKgMaximum
                ? false
                : random.chance(0.5);
          // Runs of several loads are common: 1 load in 2, 2 in 4, ... up to the named maximum.
          loadsPending = 1;
          while (loadsPending < forkliftLoadsPerMovementMax && random.chance(0.5)) loadsPending++;
        }
        if (loadsPending > 0) {
          loadsPending--;
          const loadKg = roundTo(random.between(forkliftLoadKgMinimum, forkliftLoadKgMaximum), -1);
          if (movementIsIn && stockKg + loadKg <= capacityKg) stockKg += loadKg;
          else if (!movementIsIn && stockKg - loadKg >= 0) stockKg -= loadKg;
          else loadsPending = 0;
        }
      }
      const outflowDue =
        options.unauthorisedOutflowAtMs !== undefined && deviceTimeMs >= options.unauthorisedOutflowAtMs;
      if (outflowDue && !outflowDone) {
        outflowDone = true;
        stockKg -= Math.min(stockKg, unauthorisedOutflowKg);
      }
      const trueReadingKg = Math.max(0, stockKg + driftKg);
      const weightKg = Math.max(0, roundTo(random.normal(trueReadingKg, noiseFraction * trueReadingKg), 1));
      const tamper = options.tamperAtMs !== undefined && deviceTimeMs >= options.tamperAtMs;
      index++;
      return {
        deviceTimeMs,
        readings: [
          { kind: 'weight', value: weightKg, unit: 'kg' },
          { kind: 'tamper', value: tamper },
        ],
      };
    },
  };
}
