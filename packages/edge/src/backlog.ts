import type { EdgeContext } from './context.ts';

/**
 * Tracks how many frames the edge holds that the cloud has not accepted (inbox, waiting for a
 * batch, in unsent batches), refreshed from the store every `refreshMs` and counted up between
 * refreshes, so the intakes can apply back-pressure at `limits.outboxFramesMax` without a query
 * per frame. Entering back-pressure raises an alert (an error log line and `backPressure` in the
 * status); leaving it is logged too.
 */
export function createBacklog(context: Pick<EdgeContext, 'store' | 'config' | 'log'>, refreshMs = 250) {
  const { store, config, log } = context;
  const count = () => store.rawCount() + store.unbatchedStats().n + store.outboxStats().frames;
  let held = count();
  let pressed = false;
  let alerts = 0;
  const waiters: (() => void)[] = [];
  const refresh = () => {
    held = count();
    const full = held >= config.limits.outboxFramesMax;
    if (full && !pressed) {
      alerts++;
      log.error(
        { held, outboxFramesMax: config.limits.outboxFramesMax },
        'edge outbox full: back-pressure on, devices are no longer acknowledged until the cloud takes batches',
      );
    } else if (!full && pressed) {
      log.warn({ held }, 'edge outbox below its bound again: back-pressure off');
    }
    pressed = full;
    if (!full) for (const wake of waiters.splice(0)) wake();
  };
  const timer = setInterval(refresh, refreshMs);
  timer.unref();
  return {
    /** Count one more frame taken in. */
    added(): void {
      held++;
      if (held >= config.limits.outboxFramesMax && !pressed) refresh();
    },
    /** True while the edge must not acknowledge more frames. */
    get full(): boolean {
      return pressed;
    },
    /** Resolves once there is room again (at once if there is). */
    room(): Promise<void> {
      if (!pressed) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
    /** Frames held, as of the last refresh plus those taken in since. */
    get held(): number {
      return held;
    },
    /** Times back-pressure was switched on since start. */
    get alerts(): number {
      return alerts;
    },
    stop(): void {
      clearInterval(timer);
      for (const wake of waiters.splice(0)) wake();
    },
  };
}

/** The edge's backlog tracker. */
export type Backlog = ReturnType<typeof createBacklog>;
