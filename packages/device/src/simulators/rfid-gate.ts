import type { Reading } from '@fieldproof/protocol';
import { createSeededRandom } from './seeded-random.ts';
import { checkSimulatorOptions, type Simulator, type SimulatorOptions } from './simulator.ts';

/** Options of an RFID reader on a warehouse gate. Defaults in brackets. */
export interface RfidGateOptions extends SimulatorOptions {
  /** Number of tagged units (pallets, cars) that belong to the site [200]. */
  tagPopulation?: number;
  /** Share of those units inside the warehouse at the start [0.8]. */
  insideFraction?: number;
  /** Mean tag passes through the gate per hour [30]. */
  passesPerHour?: number;
  /** If set, at the first sample at or after this device time, a burst of units leaves at once. */
  unauthorisedRemovalAtMs?: number;
  /** Units in that planted burst; capped at passesPerSampleMax and at the units inside [20]. */
  unauthorisedRemovalCount?: number;
}

/**
 * Most tag passes reported in one sample: two readings per pass plus the two counts must fit in
 * the 64 readings a frame holds. Passes beyond it wait for the next sample, as a reader's buffer does.
 */
export const passesPerSampleMax = 31;

/**
 * An RFID reader on a warehouse gate. Each sample reports `count.in` and `count.out` (passes in
 * this period) and, for each pass, an `rfid.tag` reading (a 96-bit EPC as 24 upper-case hex digits,
 * SGTIN-96 header 30) followed by a `direction` reading (`in` or `out`). A tag goes out only if it
 * is inside and in only if it is outside, so the stock a gate implies is always consistent.
 * Preconditions: the shared SimulatorOptions hold; tagPopulation is an integer in [1, 100 000].
 */
export function createRfidGateSimulator(options: RfidGateOptions): Simulator {
  const timeOfSample = checkSimulatorOptions(options);
  const tagPopulation = options.tagPopulation ?? 200;
  const insideFraction = options.insideFraction ?? 0.8;
  const passesPerHour = options.passesPerHour ?? 30;
  const unauthorisedRemovalCount = options.unauthorisedRemovalCount ?? 20;
  if (!(Number.isInteger(tagPopulation) && tagPopulation >= 1 && tagPopulation <= 100_000)) {
    throw new RangeError('tagPopulation must be an integer in [1, 100000]');
  }
  if (!(insideFraction >= 0 && insideFraction <= 1)) throw new RangeError('insideFraction must be in [0, 1]');
  if (!(passesPerHour >= 0)) throw new RangeError('passesPerHour must be ≥ 0');

  const random = createSeededRandom(options.seed, options.deviceId);
  // The company prefix and item reference are fixed per site; serial numbers differ per unit.
  const prefixHex = `30${hexDigits(random, 14)}`;
  const tags = Array.from({ length: tagPopulation }, (_, unit) => ({
    epc: `${prefixHex}${unit.toString(16).toUpperCase().padStart(8, '0')}`,
    inside: random.chance(insideFraction),
  }));
  const meanPassesPerSample = Math.min(passesPerSampleMax, (passesPerHour * options.periodMs) / 3_600_000);
  let passesWaiting = 0;
  let removalDone = false;
  let index = 0;

  return {
    kind: 'rfid-gate',
    next() {
      const deviceTimeMs = timeOfSample(index);
      index++;
      const passes: Reading[] = [];
      let countIn = 0;
      let countOut = 0;
      const removalDue =
        options.unauthorisedRemovalAtMs !== undefined && deviceTimeMs >= options.unauthorisedRemovalAtMs;
      if (removalDue && !removalDone) {
        removalDone = true;
        for (const tag of tags) {
          if (countOut >= Math.min(unauthorisedRemovalCount, passesPerSampleMax)) break;
          if (!tag.inside) continue;
          tag.inside = false;
          countOut++;
          passes.push({ kind: 'rfid.tag', value: tag.epc }, { kind: 'direction', value: 'out' });
        }
      }
      passesWaiting += random.poisson(Math.min(meanPassesPerSample, 30));
      while (passesWaiting > 0 && countIn + countOut < passesPerSampleMax) {
        passesWaiting--;
        const tag = random.pick(tags);
        tag.inside = !tag.inside;
        if (tag.inside) countIn++;
        else countOut++;
        passes.push({ kind: 'rfid.tag', value: tag.epc }, { kind: 'direction', value: tag.inside ? 'in' : 'out' });
      }
      return {
        deviceTimeMs,
        readings: [{ kind: 'count.in', value: countIn }, { kind: 'count.out', value: countOut }, ...passes],
      };
    },
  };
}

function hexDigits(random: ReturnType<typeof createSeededRandom>, count: number): string {
  let text = '';
  for (let digit = 0; digit < count; digit++) text += random.integer(0, 15).toString(16).toUpperCase();
  return text;
}
