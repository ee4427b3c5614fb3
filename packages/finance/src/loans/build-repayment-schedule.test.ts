import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildRepaymentSchedule } from './build-repayment-schedule.ts';
import { classifyOverdue, overdueBucket } from './classify-overdue.ts';
import type { Instalment } from './loan-types.ts';

const firstDueAtMs = Date.UTC(2026, 1, 15); // 2026-02-15
const rows = (schedule: Instalment[]) => schedule.map((i) => [i.principalMinor, i.interestMinor]);

describe('buildRepaymentSchedule', () => {
  it('equal instalments: 1,000.00 CNY at 12% over 3 months', () => {
    // r = 12% / 12 = 1% a month. Annuity = 100,000 × 0.01 × 1.01³ / (1.01³ − 1)
    //   = 1,030.301 / 0.030301 = 34,002.21… → 34,002 fen (half-up).
    // 1: interest 100,000 × 1% = 1,000; principal 34,002 − 1,000 = 33,002; left 66,998.
    // 2: interest 66,998 × 1% = 669.98 → 670; principal 34,002 − 670 = 33,332; left 33,666.
    // 3: interest 33,666 × 1% = 336.66 → 337; principal = the 33,666 left (payment 34,003: the remainder lands here).
    const schedule = buildRepaymentSchedule({
      principalMinor: 100_000n,
      annualRateBasisPoints: 1_200,
      termMonths: 3,
      repaymentMethod: 'equal_instalments',
      firstDueAtMs,
    });
    expect(rows(schedule)).toEqual([
      [33_002n, 1_000n],
      [33_332n, 670n],
      [33_666n, 337n],
    ]);
    expect(schedule.map((i) => new Date(i.dueAtMs).toISOString().slice(0, 10))).toEqual([
      '2026-02-15',
      '2026-03-15',
      '2026-04-15',
    ]);
  });

  it('equal instalments: 12,000.00 CNY at 12% over 12 months pays 1,066.19 a month', () => {
    // 1,200,000 × 0.01 × 1.01¹² / (1.01¹² − 1) = 12,000 × 1.126825030 / 0.126825030 = 106,618.55 → 106,619 fen.
    const schedule = buildRepaymentSchedule({
      principalMinor: 1_200_000n,
      annualRateBasisPoints: 1_200,
      termMonths: 12,
      repaymentMethod: 'equal_instalments',
      firstDueAtMs,
    });
    expect(schedule[0]).toMatchObject({ principalMinor: 94_619n, interestMinor: 12_000n }); // 106,619 − 12,000
    for (const instalment of schedule.slice(0, 11))
      expect(instalment.principalMinor + instalment.interestMinor).toBe(106_619n);
    expect(schedule.reduce((sum, i) => sum + i.principalMinor, 0n)).toBe(1_200_000n);
  });

  it('equal principal: 1,000.00 CNY at 12% over 3 months', () => {
    // Principal ⌊100,000 / 3⌋ = 33,333, the last takes 100,000 − 2 × 33,333 = 33,334.
    // Interest: 100,000 × 1% = 1,000; 66,667 × 1% = 666.67 → 667; 33,334 × 1% = 333.34 → 333.
    const schedule = buildRepaymentSchedule({
      principalMinor: 100_000n,
      annualRateBasisPoints: 1_200,
      termMonths: 3,
      repaymentMethod: 'equal_principal',
      firstDueAtMs,
    });
    expect(rows(schedule)).toEqual([
      [33_333n, 1_000n],
      [33_333n, 667n],
      [33_334n, 333n],
    ]);
  });

  it('interest only with a bullet: 1,000.00 CNY at 6.5% over 3 months', () => {
    // 100,000 × 650 / 120,000 = 541.67 → 542 each month; all principal in month 3.
    const schedule = buildRepaymentSchedule({
      principalMinor: 100_000n,
      annualRateBasisPoints: 650,
      termMonths: 3,
      repaymentMethod: 'interest_only_bullet',
      firstDueAtMs,
    });
    expect(rows(schedule)).toEqual([
      [0n, 542n],
      [0n, 542n],
      [100_000n, 542n],
    ]);
  });

  it('clamps month ends without drifting and handles a zero rate', () => {
    // Due on the 31st: Feb 2026 has 28 days, April 30; March is 31 again.
    const schedule = buildRepaymentSchedule({
      principalMinor: 10n,
      annualRateBasisPoints: 0,
      termMonths: 4,
      repaymentMethod: 'equal_instalments',
      firstDueAtMs: Date.UTC(2026, 0, 31),
    });
    expect(schedule.map((i) => new Date(i.dueAtMs).toISOString().slice(0, 10))).toEqual([
      '2026-01-31',
      '2026-02-28',
      '2026-03-31',
      '2026-04-30',
    ]);
    // 10 / 4 = 2.5 → 3 (half-up) a month: 3, 3, 3, and the 1 left.
    expect(rows(schedule)).toEqual([
      [3n, 0n],
      [3n, 0n],
      [3n, 0n],
      [1n, 0n],
    ]);
  });

  it('repays exactly the principal with no negative amount, for any terms (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 1, max: 360 }),
        fc.constantFrom('equal_instalments' as const, 'equal_principal' as const, 'interest_only_bullet' as const),
        (principalMinor, annualRateBasisPoints, termMonths, repaymentMethod) => {
          const schedule = buildRepaymentSchedule({
            principalMinor,
            annualRateBasisPoints,
            termMonths,
            repaymentMethod,
            firstDueAtMs,
          });
          expect(schedule).toHaveLength(termMonths);
          expect(schedule.reduce((sum, i) => sum + i.principalMinor, 0n)).toBe(principalMinor);
          for (const instalment of schedule) {
            expect(instalment.principalMinor).toBeGreaterThanOrEqual(0n);
            expect(instalment.interestMinor).toBeGreaterThanOrEqual(0n);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses bad terms', () => {
    const base = {
      principalMinor: 1n,
      annualRateBasisPoints: 100,
      termMonths: 1,
      repaymentMethod: 'equal_principal' as const,
      firstDueAtMs,
    };
    expect(() => buildRepaymentSchedule({ ...base, principalMinor: 0n })).toThrow(
      expect.objectContaining({ code: 'amount_not_positive' }),
    );
    expect(() => buildRepaymentSchedule({ ...base, termMonths: 0 })).toThrow(
      expect.objectContaining({ code: 'loan_application_invalid' }),
    );
    expect(() => buildRepaymentSchedule({ ...base, annualRateBasisPoints: 10_001 })).toThrow(
      expect.objectContaining({ code: 'loan_application_invalid' }),
    );
  });
});

describe('classifyOverdue', () => {
  const schedule = (): Instalment[] =>
    buildRepaymentSchedule({
      principalMinor: 100_000n,
      annualRateBasisPoints: 1_200,
      termMonths: 3,
      repaymentMethod: 'equal_principal',
      firstDueAtMs,
    });

  it('counts days from the oldest unpaid due day', () => {
    // Due 2026-02-15. On the due day: current. 2026-02-16: 1 day. 2026-03-17: 30 days (13 in Feb + 17 in Mar).
    expect(classifyOverdue({ schedule: schedule(), asOfMs: Date.UTC(2026, 1, 15, 23) })).toMatchObject({
      daysPastDue: 0,
      bucket: 'current',
    });
    expect(classifyOverdue({ schedule: schedule(), asOfMs: Date.UTC(2026, 1, 16) })).toMatchObject({
      daysPastDue: 1,
      bucket: 'dpd_1_30',
      overduePrincipalMinor: 33_333n,
      overdueInterestMinor: 1_000n,
    });
    // 2026-03-18: 31 days past the first due day; the second (2026-03-15) is overdue too.
    expect(classifyOverdue({ schedule: schedule(), asOfMs: Date.UTC(2026, 2, 18) })).toMatchObject({
      daysPastDue: 31,
      bucket: 'dpd_31_60',
      overduePrincipalMinor: 66_666n, // 33,333 + 33,333
      overdueInterestMinor: 1_667n, // 1,000 + 667
    });
  });

  it('moves on when the oldest instalment is paid', () => {
    const paid = schedule();
    const first = paid[0] as Instalment;
    first.principalPaidMinor = first.principalMinor;
    first.interestPaidMinor = first.interestMinor;
    // 2026-03-18: the first is paid, the second (due 2026-03-15) is 3 days late.
    expect(classifyOverdue({ schedule: paid, asOfMs: Date.UTC(2026, 2, 18) })).toMatchObject({
      daysPastDue: 3,
      bucket: 'dpd_1_30',
    });
    // One fen of interest unpaid keeps it late.
    first.interestPaidMinor -= 1n;
    expect(classifyOverdue({ schedule: paid, asOfMs: Date.UTC(2026, 2, 18) })).toMatchObject({
      daysPastDue: 31,
      overdueInterestMinor: 668n,
    });
  });

  it('bucket edges', () => {
    expect([0, 1, 30, 31, 60, 61, 90, 91].map(overdueBucket)).toEqual([
      'current',
      'dpd_1_30',
      'dpd_1_30',
      'dpd_31_60',
      'dpd_31_60',
      'dpd_61_90',
      'dpd_61_90',
      'dpd_90_plus',
    ]);
  });
});
