import { randomInt } from 'node:crypto';

/**
 * A sleep that new work can cut short: the uplinks wait between sends (or after a failure) and
 * wake at once when a batch is sealed or an event derived, instead of polling.
 */
export function createWakeableSleep(): { sleep(ms: number): Promise<void>; wake(): void } {
  let wake: (() => void) | undefined;
  return {
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          wake = undefined;
          resolve();
        }, ms);
        wake = () => {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        };
      }),
    wake: () => wake?.(),
  };
}

/**
 * The wait before retry number `failures` (≥ 1): exponential from `retryBaseMs`, capped at
 * `retryMaxMs`, with jitter over its upper half so many edges do not retry in step.
 */
export function retryDelayMs(cloud: { retryBaseMs: number; retryMaxMs: number }, failures: number): number {
  const ceiling = Math.min(cloud.retryMaxMs, cloud.retryBaseMs * 2 ** Math.min(failures - 1, 20));
  return Math.floor(ceiling / 2 + randomInt(Math.max(1, Math.floor(ceiling / 2))));
}
