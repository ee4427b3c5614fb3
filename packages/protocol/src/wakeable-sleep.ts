/** A sleep that new work can cut short, and the call that cuts it. */
export interface WakeableSleep {
  /** Wait `ms` milliseconds, or less if `wake()` is called meanwhile. Precondition: one sleep at a time. */
  sleep(ms: number): Promise<void>;
  /** End the sleep under way now; without one, do nothing (a later sleep runs its full time). */
  wake(): void;
}

/**
 * A sleep that new work can cut short: a loop that waits between rounds (an edge's uplink between
 * sends or after a failure, a bus consumer with nothing buffered) wakes at once when work arrives,
 * instead of polling. One sleeper at a time: a second `sleep` before the first ends replaces the
 * first's wake-up, and the first then runs its full time.
 */
export function createWakeableSleep(): WakeableSleep {
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
