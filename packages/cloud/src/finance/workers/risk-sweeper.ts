import type { FinanceServices } from '../finance-services.ts';
import { type RunRiskSweepResult, runRiskSweep } from '../run-risk-sweep.ts';

/** The running sweep. */
export interface RiskSweeper {
  /** Sweep now (also runs every sweepIntervalMs); sweeps never overlap. */
  runOnce(): Promise<RunRiskSweepResult>;
  /** Stop the interval and wait for a sweep under way. */
  stop(): Promise<void>;
}

/** Run runRiskSweep on an interval (settings.sweepIntervalMs), one at a time, logging failures. */
export function startRiskSweeper(services: FinanceServices): RiskSweeper {
  let running: Promise<unknown> = Promise.resolve();
  const runOnce = (): Promise<RunRiskSweepResult> => {
    const next = running.catch(() => undefined).then(() => runRiskSweep(services));
    running = next;
    return next;
  };
  const timer = setInterval(() => {
    runOnce().catch((error: unknown) => services.log.error({ err: error }, 'risk sweep failed'));
  }, services.settings.sweepIntervalMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running.catch(() => undefined);
    },
  };
}
