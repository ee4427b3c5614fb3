import { accrueInterest } from '@fieldproof/finance';
import type { FinanceServices } from '../finance-services.ts';

/** Most days one loan accrues in one run (a cloud that was down catches up over several runs). */
export const accrualDaysPerRunMax = 400;

const dayMs = 86_400_000;

/** The running accrual worker. */
export interface InterestAccruer {
  /** Accrue every finished UTC day not yet accrued on each disbursed loan; answers the days posted. */
  runOnce(): Promise<number>;
  /** Stop. */
  stop(): Promise<void>;
}

/**
 * Daily interest accrual: for each loan the cloud disbursed (services.disbursedLoanIds), post
 * interest (and penalty interest when overdue) for each finished UTC day, in order, through
 * finance's accrueInterest (idempotent per day: a day accrued before is skipped).
 */
export function startInterestAccruer(services: FinanceServices, options: { intervalMs: number }): InterestAccruer {
  let running: Promise<number> = Promise.resolve(0);
  const runOnce = (): Promise<number> => {
    running = running
      .catch(() => 0)
      .then(async () => {
        const today = Math.floor(services.clock() / dayMs);
        let posted = 0;
        for (const loanId of services.disbursedLoanIds) {
          for (let step = 0; step < accrualDaysPerRunMax; step++) {
            const loan = await services.loans.getLoan(loanId);
            if (loan?.state !== 'disbursed' || !loan.accrual || loan.accrual.nextDayIndex >= today) break;
            await accrueInterest(
              { loanStore: services.loans, journalStore: services.journal },
              { loanId, dayMs: loan.accrual.nextDayIndex * dayMs },
            );
            posted++;
          }
        }
        return posted;
      });
    return running;
  };
  const timer = setInterval(() => {
    runOnce().catch((error: unknown) => services.log.error({ err: error }, 'interest accrual failed'));
  }, options.intervalMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running.catch(() => 0);
    },
  };
}
