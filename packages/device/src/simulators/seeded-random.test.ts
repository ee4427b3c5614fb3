import { describe, expect, it } from 'vitest';
import { createSeededRandom } from './seeded-random.ts';

describe('createSeededRandom', () => {
  it('keeps the documented seed → stream mapping (a change here replays fleets differently)', () => {
    const random = createSeededRandom(42, 'cell-1');
    expect([random.next(), random.next(), random.next()].map((value) => value * 2 ** 32)).toEqual([
      3913873933, 1469808728, 2492815148,
    ]);
  });

  it('gives the same stream for the same seed and stream name, another for another', () => {
    const draw = (seed: number | string, name: string): number[] => {
      const random = createSeededRandom(seed, name);
      return Array.from({ length: 100 }, () => random.next());
    };
    expect(draw(7, 'a')).toEqual(draw(7, 'a'));
    expect(draw(7, 'a')).not.toEqual(draw(8, 'a'));
    expect(draw(7, 'a')).not.toEqual(draw(7, 'b'));
  });

  it('is uniform in [0, 1) and its normal and poisson draws have the right moments', () => {
    const random = createSeededRandom('moments');
    const count = 50_000;
    let sum = 0;
    let normalSum = 0;
    let normalSquares = 0;
    let poissonSum = 0;
    for (let index = 0; index < count; index++) {
      const value = random.next();
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
      sum += value;
      const normal = random.normal(10, 2);
      normalSum += normal;
      normalSquares += normal * normal;
      poissonSum += random.poisson(3);
    }
    expect(sum / count).toBeCloseTo(0.5, 2);
    const normalMean = normalSum / count;
    expect(normalMean).toBeCloseTo(10, 1);
    expect(Math.sqrt(normalSquares / count - normalMean * normalMean)).toBeCloseTo(2, 1);
    expect(poissonSum / count).toBeCloseTo(3, 1);
  });

  it('draws integers over the whole inclusive range', () => {
    const random = createSeededRandom(1);
    const seen = new Set(Array.from({ length: 1000 }, () => random.integer(1, 6)));
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
