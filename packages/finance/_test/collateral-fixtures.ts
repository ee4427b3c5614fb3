import type { LoanToValueLines, PledgedLot, PriceRecord } from '../src/collateral/collateral-types.ts';

/** 2026-11-02T00:00:00Z, the demo's valuation day. */
export const demoDayMs = Date.UTC(2026, 10, 2);
/** One hour, ms. */
export const hourMs = 3_600_000;
/** One day, ms. */
export const dayMs = 86_400_000;
/** One tonne, grams. */
export const tonneGrams = 1_000_000n;

/** Lines used throughout the tests: pledge 65%, warning 70%, top-up 80%, forced sale 90%. */
export const demoLines: LoanToValueLines = {
  pledgeRatioBasisPoints: 6_500,
  warningBasisPoints: 7_000,
  topUpBasisPoints: 8_000,
  forcedSaleBasisPoints: 9_000,
};

/** A copper price, CNY per tonne, in fen. */
export function copperPrice(yuanPerTonne: bigint, asOfMs: number, source = 'manual:officer-1'): PriceRecord {
  return {
    commodity: 'copper-cathode',
    priceMinorPerUnit: yuanPerTonne * 100n,
    unitGrams: tonneGrams,
    currency: 'CNY',
    asOfMs,
    source,
  };
}

/** The demo's lot: 100 t of copper cathode in bay 3 of warehouse WH-1, watched by two load cells. */
export function demoLot(overrides: Partial<PledgedLot> = {}): Omit<PledgedLot, 'status' | 'pledgeDecisionId'> {
  return {
    lotId: 'lot-1',
    pledgorId: 'org-smelter',
    pledgeeId: 'org-bank-a',
    loanId: 'loan-1',
    commodity: 'copper-cathode',
    siteId: 'site-wh1',
    goodsIdentity: 'bay-3/batch-77',
    receiptNumbers: ['WH1:R-0001'],
    monitoringDeviceIds: ['lc-1', 'lc-2'],
    quantityGrams: 100n * tonneGrams,
    haircutBasisPoints: 2_000,
    lines: demoLines,
    currency: 'CNY',
    pledgedAtMs: demoDayMs,
    ...overrides,
  };
}
