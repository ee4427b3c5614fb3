import { utcDayIndex } from './calendar.ts';
import type { Instalment, OverdueBucket } from './loan-types.ts';

/** A schedule and a day to classify it on. */
export interface ClassifyOverdueParameters {
  /** The instalments with what has been paid on them. */
  schedule: readonly Instalment[];
  /** The instant to classify at, UTC ms (its UTC day counts). */
  asOfMs: number;
}

/** How far behind the borrower is. */
export interface ClassifyOverdueResult {
  /** Whole UTC days since the due day of the oldest instalment still unpaid (0 when none is past due). */
  daysPastDue: number;
  /** The bucket of daysPastDue: current, 1–30, 31–60, 61–90, 90+. */
  bucket: OverdueBucket;
  /** Principal due before today and unpaid. */
  overduePrincipalMinor: bigint;
  /** Interest due before today and unpaid. */
  overdueInterestMinor: bigint;
}

/**
 * Classify a loan by days past due. An instalment is past due from the UTC day after its due day
 * (paying on the due day is on time), so daysPastDue = asOf day − due day of the oldest
 * instalment with anything unpaid; buckets 0 = current, 1–30, 31–60, 61–90, over 90.
 */
export function classifyOverdue(parameters: ClassifyOverdueParameters): ClassifyOverdueResult {
  const today = utcDayIndex(parameters.asOfMs);
  let daysPastDue = 0;
  let overduePrincipalMinor = 0n;
  let overdueInterestMinor = 0n;
  for (const instalment of parameters.schedule) {
    const dueDay = utcDayIndex(instalment.dueAtMs);
    if (dueDay >= today) continue;
    const principalLeft = instalment.principalMinor - instalment.principalPaidMinor;
    const interestLeft = instalment.interestMinor - instalment.interestPaidMinor;
    if (principalLeft + interestLeft === 0n) continue;
    overduePrincipalMinor += principalLeft;
    overdueInterestMinor += interestLeft;
    daysPastDue = Math.max(daysPastDue, today - dueDay);
  }
  return { daysPastDue, bucket: overdueBucket(daysPastDue), overduePrincipalMinor, overdueInterestMinor };
}

/** The bucket of a number of days past due. */
export function overdueBucket(daysPastDue: number): OverdueBucket {
  if (daysPastDue <= 0) return 'current';
  if (daysPastDue <= 30) return 'dpd_1_30';
  if (daysPastDue <= 60) return 'dpd_31_60';
  if (daysPastDue <= 90) return 'dpd_61_90';
  return 'dpd_90_plus';
}
