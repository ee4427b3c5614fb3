import { describe, expect, it } from 'vitest';
import { createWakeableSleep } from './wakeable-sleep.ts';

const elapsedMs = async (run: () => Promise<void>): Promise<number> => {
  const start = performance.now();
  await run();
  return performance.now() - start;
};

describe('createWakeableSleep', () => {
  it('sleeps its full time when nobody wakes it', async () => {
    const pacing = createWakeableSleep();
    expect(await elapsedMs(() => pacing.sleep(60))).toBeGreaterThanOrEqual(50);
  });

  it('wake() ends the sleep under way at once', async () => {
    const pacing = createWakeableSleep();
    const took = await elapsedMs(async () => {
      const sleeping = pacing.sleep(10_000);
      setTimeout(() => pacing.wake(), 10);
      await sleeping;
    });
    expect(took).toBeLessThan(2_000);
  });

  it('a wake with no sleep under way is not kept for the next sleep', async () => {
    const pacing = createWakeableSleep();
    pacing.wake();
    expect(await elapsedMs(() => pacing.sleep(60))).toBeGreaterThanOrEqual(50);
  });

  it('a wake after the sleep ended on its own does not cut the next one short', async () => {
    const pacing = createWakeableSleep();
    await pacing.sleep(5);
    pacing.wake();
    expect(await elapsedMs(() => pacing.sleep(60))).toBeGreaterThanOrEqual(50);
  });

  it('one wake ends one sleep: a second wake is not kept for the next sleep', async () => {
    const pacing = createWakeableSleep();
    const first = pacing.sleep(10_000);
    pacing.wake();
    pacing.wake();
    await first;
    expect(await elapsedMs(() => pacing.sleep(60))).toBeGreaterThanOrEqual(50);
  });
});
