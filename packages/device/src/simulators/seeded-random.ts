/**
 * A seeded pseudo-random stream: the same seed and device id give the same numbers on every
 * machine and every run, so a simulated fleet can be replayed frame for frame.
 */
export interface SeededRandom {
  /** A uniform number in [0, 1) with 32 bits of resolution. */
  next(): number;
  /** A uniform number in [minimum, maximum). Precondition: minimum ≤ maximum. */
  between(minimum: number, maximum: number): number;
  /** A uniform integer in [minimum, maximum], both inclusive. Precondition: integers, minimum ≤ maximum. */
  integer(minimum: number, maximum: number): number;
  /** True with probability `probability` (clamped to [0, 1]). */
  chance(probability: number): boolean;
  /** A normal (Gaussian) number with the given mean and standard deviation (Box–Muller). */
  normal(mean: number, standardDeviation: number): number;
  /** A Poisson-distributed count with the given mean (Knuth's method). Precondition: 0 ≤ mean ≤ 30. */
  poisson(mean: number): number;
  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T;
}

/** The largest Poisson mean `poisson()` accepts; Knuth's method loses precision above it. */
export const poissonMeanMax = 30;

const twoToThe32 = 4_294_967_296;

/** FNV-1a over the UTF-16 code units of `text`: a stable 32-bit digest of the seed string. */
function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** SplitMix32 step: spreads one 32-bit value into well-mixed state words for xoshiro. */
function splitMix32(state: { value: number }): number {
  state.value = (state.value + 0x9e3779b9) >>> 0;
  let mixed = state.value;
  mixed = Math.imul(mixed ^ (mixed >>> 16), 0x85ebca6b) >>> 0;
  mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35) >>> 0;
  return (mixed ^ (mixed >>> 16)) >>> 0;
}

/**
 * Create the stream for a seed. Seed → stream, exactly: the text `${seed}/${streamName}` is hashed
 * with 32-bit FNV-1a over its UTF-16 code units; SplitMix32, started from that hash, yields the four 32-bit state words of
 * xoshiro128** (Blackman and Vigna, 2018); each `next()` is xoshiro128**'s output divided by 2^32.
 * Simulators pass the device id as `streamName`, so devices sharing a seed still differ.
 * Precondition: `seed` is a finite number or a string.
 */
export function createSeededRandom(seed: number | string, streamName = ''): SeededRandom {
  if (typeof seed === 'number' && !Number.isFinite(seed)) throw new RangeError('seed must be a finite number');
  const splitState = { value: fnv1a32(`${seed}/${streamName}`) };
  let s0 = splitMix32(splitState);
  let s1 = splitMix32(splitState);
  let s2 = splitMix32(splitState);
  let s3 = splitMix32(splitState);
  // xoshiro's state must not be all zero; SplitMix32 makes that practically impossible, but be sure.
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;

  const nextUint32 = (): number => {
    const result = Math.imul(rotateLeft(Math.imul(s1, 5), 7), 9) >>> 0;
    const shifted = (s1 << 9) >>> 0;
    s2 = (s2 ^ s0) >>> 0;
    s3 = (s3 ^ s1) >>> 0;
    s1 = (s1 ^ s2) >>> 0;
    s0 = (s0 ^ s3) >>> 0;
    s2 = (s2 ^ shifted) >>> 0;
    s3 = rotateLeft(s3, 11);
    return result;
  };

  const next = (): number => nextUint32() / twoToThe32;

  return {
    next,
    between: (minimum, maximum) => minimum + (maximum - minimum) * next(),
    integer: (minimum, maximum) => minimum + Math.floor(next() * (maximum - minimum + 1)),
    chance: (probability) => next() < Math.min(1, Math.max(0, probability)),
    normal: (mean, standardDeviation) => {
      // 1 - next() lies in (0, 1], so the logarithm is finite.
      const radius = Math.sqrt(-2 * Math.log(1 - next()));
      return mean + standardDeviation * radius * Math.cos(2 * Math.PI * next());
    },
    poisson: (mean) => {
      if (!(mean >= 0 && mean <= poissonMeanMax))
        throw new RangeError(`poisson mean must be in [0, ${poissonMeanMax}]`);
      const limit = Math.exp(-mean);
      let count = 0;
      let product = next();
      while (product > limit) {
        count++;
        product *= next();
      }
      return count;
    },
    pick: (items) => {
      if (items.length === 0) throw new RangeError('pick needs a non-empty array');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
  };
}

function rotateLeft(value: number, bits: number): number {
  return ((value << bits) | (value >>> (32 - bits))) >>> 0;
}
