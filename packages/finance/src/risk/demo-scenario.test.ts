import { describe, expect, it } from 'vitest';
import { copperPrice, dayMs, demoDayMs, demoLot, hourMs, tonneGrams } from '../../_test/collateral-fixtures.ts';
import { applyStockMovement } from '../collateral/apply-stock-movement.ts';
import { CollateralError } from '../collateral/collateral-error.ts';
import { createMemoryCollateralStore } from '../collateral/memory-collateral-store.ts';
import { pledgeCollateral } from '../collateral/pledge-collateral.ts';
import { selectPrice } from '../collateral/select-price.ts';
import { checkLoanToValue } from './check-loan-to-value.ts';
import { checkUnreleasedOutflow } from './check-unreleased-outflow.ts';
import { createMemoryAlertStore } from './memory-alert-store.ts';
import { raiseAlerts } from './raise-alerts.ts';

describe("the demo's planted problems, end to end through the registry, the rules and the alert store", () => {
  it('refuses the double pledge, raises the unreleased outflow, and raises the LTV warning after the price fall', async () => {
    const collateral = createMemoryCollateralStore();
    const alerts = createMemoryAlertStore();
    let next = 0;
    const alertDependencies = { store: alerts, newAlertId: () => `alert-${++next}` };
    const prices = [copperPrice(70_000n, demoDayMs - hourMs)];
    const pledge = (lotId: string, pledgeeId: string, decisionId: string) =>
      pledgeCollateral(
        { store: collateral },
        {
          lot: demoLot({ lotId, pledgeeId }),
          loanAmountMinor: 350_000_000n,
          priceRecords: prices,
          priceMaxAgeMs: dayMs,
          decisionId,
          actorId: 'officer-1',
          inputs: [],
        },
      );
    await pledge('lot-1', 'org-bank-a', 'dec-pledge-1');
    // (1) The same 100 t pledged again to another bank is refused.
    await expect(pledge('lot-1b', 'org-bank-b', 'dec-pledge-1b')).rejects.toSatisfy(
      (error) => error instanceof CollateralError && error.code === 'collateral_already_pledged',
    );
    // (2) 8 t leave at 02:00 with no release order: the rule (on the orders before the event) raises it.
    const event = {
      eventId: 'ev-night',
      deviceId: 'lc-1',
      siteId: 'site-wh1',
      direction: 'out' as const,
      weightGrams: 8n * tonneGrams,
      atMs: demoDayMs + 2 * hourMs,
      frameIds: ['frame-a', 'frame-b'],
    };
    const lotBefore = (await collateral.getLot('lot-1'))!;
    const outflow = checkUnreleasedOutflow({
      lot: lotBefore,
      releaseOrders: await collateral.findReleaseOrders('lot-1'),
      event,
      toleranceGrams: 50_000n,
    });
    const moved = await applyStockMovement({ store: collateral }, { event, toleranceGrams: 50_000n });
    expect(moved.unauthorisedGrams).toBe(8n * tonneGrams);
    // (3) The next morning copper is at ¥61,600/t: 92 t × 6,160,000 × 0.8 = 453,376,000 fen lending value,
    //     LTV ⌈350,000,000 × 10,000 ÷ 453,376,000⌉ = ⌈7,719.69⌉ = 7,720 bp: past warning (7,000), short of top-up (8,000).
    prices.push(copperPrice(61_600n, demoDayMs + 8 * hourMs));
    const price = selectPrice({
      records: prices,
      commodity: 'copper-cathode',
      currency: 'CNY',
      atMs: demoDayMs + 9 * hourMs,
      priceMaxAgeMs: dayMs,
    });
    const ltv = checkLoanToValue({
      lot: moved.lot!,
      loanOutstandingMinor: 350_000_000n,
      price,
      atMs: demoDayMs + 9 * hourMs,
    });
    const { raised } = await raiseAlerts(alertDependencies, { candidates: [...outflow, ...ltv.alerts] });
    expect(raised.map((alert) => [alert.rule, alert.severity, alert.state])).toEqual([
      ['goods_left_without_release', 'critical', 'open'],
      ['ltv_breach', 'medium', 'open'],
    ]);
    expect(raised[1]?.details.ltvBasisPoints).toBe(7_720);
    expect(raised[0]?.evidence.map((item) => item.id)).toEqual(['ev-night', 'frame-a', 'frame-b', 'dec-pledge-1']);
  });
});
