import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  copperPrice,
  dayMs,
  demoDayMs,
  demoLines,
  demoLot,
  hourMs,
  tonneGrams,
} from '../../_test/collateral-fixtures.ts';
import { applyStockMovement } from './apply-stock-movement.ts';
import { assessLoanToValue } from './assess-loan-to-value.ts';
import { CollateralError } from './collateral-error.ts';
import type { StockMovementEvent } from './collateral-types.ts';
import { findPledgeConflicts } from './find-pledge-conflicts.ts';
import { issueReleaseOrder } from './issue-release-order.ts';
import { createMemoryCollateralStore } from './memory-collateral-store.ts';
import { parsePriceRecords } from './parse-price-records.ts';
import { pledgeCollateral } from './pledge-collateral.ts';
import { selectPrice } from './select-price.ts';

const loanMinor = 350_000_000n; // ¥3,500,000 in fen

async function caught(promise: Promise<unknown>): Promise<CollateralError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CollateralError) return error;
    throw error;
  }
  throw new Error('expected a CollateralError');
}

function pledgeParameters(overrides: Parameters<typeof demoLot>[0] = {}, decisionId = 'dec-pledge-1') {
  return {
    lot: demoLot(overrides),
    loanAmountMinor: loanMinor,
    priceRecords: [copperPrice(70_000n, demoDayMs - hourMs)],
    priceMaxAgeMs: dayMs,
    decisionId,
    actorId: 'officer-1',
    inputs: [{ kind: 'document' as const, id: 'a'.repeat(64) }],
  };
}

function outEvent(eventId: string, weightGrams: bigint, atMs: number, deviceId = 'lc-1'): StockMovementEvent {
  return { eventId, deviceId, siteId: 'site-wh1', direction: 'out', weightGrams, atMs, frameIds: [`f-${eventId}`] };
}

describe('assessLoanToValue', () => {
  const base = {
    loanOutstandingMinor: loanMinor,
    currency: 'CNY',
    quantityGrams: 100n * tonneGrams,
    haircutBasisPoints: 2_000,
    lines: demoLines,
  };

  it('values 100 t of copper at ¥70,000/t with a 20% haircut: LTV 6,250 bp, normal', () => {
    // market  = 100,000,000 g × 7,000,000 fen/t ÷ 1,000,000 g/t = 700,000,000 fen (¥7,000,000)
    // lending = 700,000,000 × (10,000 − 2,000) ÷ 10,000       = 560,000,000 fen
    // LTV     = ⌈350,000,000 × 10,000 ÷ 560,000,000⌉ = ⌈6,250⌉  = 6,250 bp < 7,000 warning
    const result = assessLoanToValue({ ...base, price: copperPrice(70_000n, demoDayMs) });
    expect(result).toEqual({
      marketValueMinor: 700_000_000n,
      lendingValueMinor: 560_000_000n,
      ltvBasisPoints: 6_250,
      line: 'normal',
      repaymentToRestoreMinor: 0n,
      topUpGramsToRestore: 0n,
    });
  });

  it('planted problem: a 12% price fall to ¥61,600/t crosses the warning line (7,103 bp)', () => {
    // lending = 100 t × 6,160,000 fen/t × 0.8 = 492,800,000 fen
    // LTV     = ⌈3,500,000,000,000 ÷ 492,800,000⌉ = ⌈7,102.27⌉ = 7,103 bp ≥ 7,000 → warning
    // repay   = 350,000,000 − ⌊492,800,000 × 6,500 ÷ 10,000⌋ = 350,000,000 − 320,320,000 = 29,680,000 fen
    // top-up  = ⌈350,000,000 × 10^6 × 10^8 ÷ (6,160,000 × 8,000 × 6,500)⌉ − 10^8 g
    //         = ⌈109,265,734.27⌉ − 100,000,000 = 9,265,735 g (about 9.27 t more copper)
    const result = assessLoanToValue({ ...base, price: copperPrice(61_600n, demoDayMs) });
    expect(result.lendingValueMinor).toBe(492_800_000n);
    expect(result.ltvBasisPoints).toBe(7_103);
    expect(result.line).toBe('warning');
    expect(result.repaymentToRestoreMinor).toBe(29_680_000n);
    expect(result.topUpGramsToRestore).toBe(9_265_735n);
  });

  it('places ¥52,000/t on the top-up line and ¥48,000/t on the forced-sale line', () => {
    // ¥52,000: lending 416,000,000; LTV ⌈8,413.46⌉ = 8,414 ≥ 8,000 → top_up
    const topUp = assessLoanToValue({ ...base, price: copperPrice(52_000n, demoDayMs) });
    expect([topUp.ltvBasisPoints, topUp.line]).toEqual([8_414, 'top_up']);
    // ¥48,000: lending 384,000,000; LTV ⌈9,114.58⌉ = 9,115 ≥ 9,000 → forced_sale
    const forced = assessLoanToValue({ ...base, price: copperPrice(48_000n, demoDayMs) });
    expect([forced.ltvBasisPoints, forced.line]).toEqual([9_115, 'forced_sale']);
  });

  it('rounds the lending value down once and the LTV up: exactly on a line counts as reached', () => {
    // 7 g at 3 fen per 2 g, haircut 3,333 bp: exact lending = 7 × 3 × 6,667 ÷ 20,000 = 7.0003 → 7
    // (rounding the market value first, ⌊10.5⌋ = 10 → 6.667 → 6, would understate it).
    const odd = assessLoanToValue({
      ...base,
      loanOutstandingMinor: 5n,
      quantityGrams: 7n,
      haircutBasisPoints: 3_333,
      price: { ...copperPrice(0n, demoDayMs), priceMinorPerUnit: 3n, unitGrams: 2n },
    });
    expect(odd.marketValueMinor).toBe(10n);
    expect(odd.lendingValueMinor).toBe(7n);
    // 5 ÷ 7 = 7,142.86 bp → 7,143 (up), a warning
    expect([odd.ltvBasisPoints, odd.line]).toEqual([7_143, 'warning']);
    // loan 392,000,000 on lending 560,000,000 is exactly 7,000 bp: the warning line is reached
    const onLine = assessLoanToValue({
      ...base,
      loanOutstandingMinor: 392_000_000n,
      price: copperPrice(70_000n, demoDayMs),
    });
    expect([onLine.ltvBasisPoints, onLine.line]).toEqual([7_000, 'warning']);
  });

  it('puts an empty lot with a loan beyond every line (null LTV) and an empty lot without one at 0', () => {
    const empty = assessLoanToValue({ ...base, quantityGrams: 0n, price: copperPrice(70_000n, demoDayMs) });
    expect([empty.ltvBasisPoints, empty.line]).toEqual([null, 'forced_sale']);
    const settled = assessLoanToValue({
      ...base,
      loanOutstandingMinor: 0n,
      quantityGrams: 0n,
      price: copperPrice(70_000n, demoDayMs),
    });
    expect([settled.ltvBasisPoints, settled.line]).toEqual([0, 'normal']);
  });

  it('refuses lines out of order, a haircut of 100%, and a price in another currency', () => {
    const price = copperPrice(70_000n, demoDayMs);
    const badLines = { ...demoLines, topUpBasisPoints: 6_900 };
    expect(() => assessLoanToValue({ ...base, price, lines: badLines })).toThrow(
      expect.objectContaining({ code: 'collateral_input_invalid' }),
    );
    expect(() => assessLoanToValue({ ...base, price, haircutBasisPoints: 10_000 })).toThrow(
      expect.objectContaining({ code: 'collateral_input_invalid' }),
    );
    expect(() => assessLoanToValue({ ...base, price: { ...price, currency: 'USD' } })).toThrow(
      expect.objectContaining({ code: 'collateral_currency_mismatch' }),
    );
  });

  it('property: LTV never understates the exact ratio and is within 1 bp of it', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.bigInt({ min: 1n, max: 10n ** 9n }),
        fc.bigInt({ min: 1n, max: 10n ** 8n }),
        fc.integer({ min: 0, max: 9_000 }),
        (loan, quantity, pricePerTonne, haircut) => {
          const result = assessLoanToValue({
            ...base,
            loanOutstandingMinor: loan,
            quantityGrams: quantity,
            haircutBasisPoints: haircut,
            price: { ...copperPrice(0n, demoDayMs), priceMinorPerUnit: pricePerTonne },
          });
          if (result.lendingValueMinor === 0n) return result.ltvBasisPoints === null;
          const ltv = BigInt(result.ltvBasisPoints ?? -1);
          // ltv − 1 < loan × 10,000 ÷ lending ≤ ltv
          return (
            ltv * result.lendingValueMinor >= loan * 10_000n && (ltv - 1n) * result.lendingValueMinor < loan * 10_000n
          );
        },
      ),
    );
  });
});

describe('price feed', () => {
  it('parses a CSV and picks the newest price at or before the valuation time, flagging a stale one', () => {
    const records = parsePriceRecords({
      csv: [
        'commodity,priceMinorPerUnit,unitGrams,currency,asOfMs,source',
        `copper-cathode,7000000,1000000,CNY,${demoDayMs - 2 * dayMs},csv:shfe.csv`,
        `copper-cathode,6160000,1000000,CNY,${demoDayMs},csv:shfe.csv`,
        `copper-cathode,9999999,1000000,CNY,${demoDayMs + dayMs},csv:shfe.csv`,
        `aluminium-ingot,1900000,1000000,CNY,${demoDayMs},csv:shfe.csv`,
      ].join('\n'),
    });
    expect(records).toHaveLength(4);
    const today = selectPrice({
      records,
      commodity: 'copper-cathode',
      currency: 'CNY',
      atMs: demoDayMs + hourMs,
      priceMaxAgeMs: dayMs,
    });
    expect([today.price.priceMinorPerUnit, today.ageMs, today.stale]).toEqual([6_160_000n, hourMs, false]);
    // Two days after the last copper price it is ⟨2 days − 0⟩ old, over the 1-day limit.
    const later = selectPrice({
      records: records.slice(0, 2),
      commodity: 'copper-cathode',
      currency: 'CNY',
      atMs: demoDayMs + 2 * dayMs,
      priceMaxAgeMs: dayMs,
    });
    expect([later.ageMs, later.stale]).toEqual([2 * dayMs, true]);
    expect(() =>
      selectPrice({ records, commodity: 'nickel', currency: 'CNY', atMs: demoDayMs, priceMaxAgeMs: dayMs }),
    ).toThrow(expect.objectContaining({ code: 'collateral_price_missing' }));
  });

  it('refuses a bad row with its row number and field, and a bad header', () => {
    const csv = [
      'commodity,priceMinorPerUnit,unitGrams,currency,asOfMs,source',
      'copper-cathode,-5,1000000,CNY,0,x',
    ].join('\n');
    expect(() => parsePriceRecords({ csv })).toThrow(
      expect.objectContaining({ code: 'price_record_invalid', details: { row: 2, field: 'priceMinorPerUnit' } }),
    );
    expect(() => parsePriceRecords({ csv: 'commodity,price\n' })).toThrow(
      expect.objectContaining({ code: 'price_record_invalid' }),
    );
    expect(() =>
      parsePriceRecords({
        objects: [
          {
            commodity: 'copper-cathode',
            priceMinorPerUnit: '1',
            unitGrams: '0',
            currency: 'CNY',
            asOfMs: 0,
            source: 'http:feed',
          },
        ],
      }),
    ).toThrow(expect.objectContaining({ details: { row: 1, field: 'unitGrams' } }));
  });
});

describe('the lot registry', () => {
  it('registers a pledge and returns its pledge.created decision with amounts as decimal strings', async () => {
    const store = createMemoryCollateralStore();
    const { lot, decision, ltvBasisPoints } = await pledgeCollateral({ store }, pledgeParameters());
    expect(lot.status).toBe('pledged');
    expect(ltvBasisPoints).toBe(6_250);
    expect(decision).toMatchObject({
      decisionId: 'dec-pledge-1',
      type: 'pledge.created',
      organisationId: 'org-bank-a',
      subjectId: 'lot-1',
      details: { quantityGrams: '100000000', lendingValueMinor: '560000000', ltvBasisPoints: 6_250 },
    });
    expect(await store.getLot('lot-1')).toEqual(lot);
  });

  it('planted problem: refuses the same goods pledged again (same site and goods, a shared load cell, a shared receipt)', async () => {
    const store = createMemoryCollateralStore();
    await pledgeCollateral({ store }, pledgeParameters());
    const second = {
      lotId: 'lot-2',
      pledgeeId: 'org-bank-b',
      receiptNumbers: ['WH1:R-0002'],
      monitoringDeviceIds: ['lc-9'],
    };
    const sameGoods = await caught(pledgeCollateral({ store }, pledgeParameters(second, 'dec-2')));
    expect(sameGoods.code).toBe('collateral_already_pledged');
    expect(sameGoods.details).toMatchObject({ conflictingLotId: 'lot-1', reasons: ['same_goods_at_site'] });
    const sharedDevice = await caught(
      pledgeCollateral(
        { store },
        pledgeParameters({ ...second, goodsIdentity: 'bay-4/batch-01', monitoringDeviceIds: ['lc-2'] }, 'dec-3'),
      ),
    );
    expect(sharedDevice.details).toMatchObject({ reasons: ['shared_device'], sharedDeviceIds: ['lc-2'] });
    const sharedReceipt = await caught(
      pledgeCollateral(
        { store },
        pledgeParameters(
          { ...second, siteId: 'site-wh9', goodsIdentity: 'x', receiptNumbers: ['WH1:R-0001'] },
          'dec-4',
        ),
      ),
    );
    expect(sharedReceipt.details).toMatchObject({ reasons: ['shared_receipt'], sharedReceiptNumbers: ['WH1:R-0001'] });
    // Nothing of the refused pledges was stored.
    expect(await store.getLot('lot-2')).toBeUndefined();
    expect((await caught(pledgeCollateral({ store }, pledgeParameters({}, 'dec-5')))).code).toBe(
      'collateral_already_pledged',
    );
  });

  it('allows the same goods again once the first lot is released', async () => {
    const store = createMemoryCollateralStore();
    const { lot } = await pledgeCollateral({ store }, pledgeParameters());
    await store.putLot({ ...lot, status: 'released' });
    const again = await pledgeCollateral({ store }, pledgeParameters({ lotId: 'lot-2' }, 'dec-2'));
    expect(again.lot.lotId).toBe('lot-2');
  });

  it('refuses a pledge on a stale price or above the pledge ratio', async () => {
    const store = createMemoryCollateralStore();
    const stale = pledgeParameters();
    stale.priceRecords = [copperPrice(70_000n, demoDayMs - 2 * dayMs)];
    expect((await caught(pledgeCollateral({ store }, stale))).code).toBe('collateral_price_stale');
    // ¥3,700,000 on a lending value of ¥5,600,000 is ⌈6,607.14⌉ = 6,608 bp > 6,500
    const tooMuch = { ...pledgeParameters(), loanAmountMinor: 370_000_000n };
    const error = await caught(pledgeCollateral({ store }, tooMuch));
    expect([error.code, error.details?.ltvBasisPoints]).toEqual(['collateral_value_insufficient', 6_608]);
    expect(await store.getLot('lot-1')).toBeUndefined();
  });

  it('finds every reason two lots collide, skipping the lot itself', () => {
    const lot = demoLot();
    expect(findPledgeConflicts({ candidate: lot, existingLots: [lot] })).toEqual([]);
    expect(findPledgeConflicts({ candidate: { ...lot, lotId: 'lot-2' }, existingLots: [lot] })).toEqual([
      {
        lotId: 'lot-1',
        reasons: ['same_goods_at_site', 'shared_device', 'shared_receipt'],
        sharedDeviceIds: ['lc-1', 'lc-2'],
        sharedReceiptNumbers: ['WH1:R-0001'],
      },
    ]);
  });
});

describe('stock movements and release orders', () => {
  async function pledged() {
    const store = createMemoryCollateralStore();
    await pledgeCollateral({ store }, pledgeParameters());
    return store;
  }

  it('adds in-events, and an out-event covered by a release order (within the scale tolerance) is authorised', async () => {
    const store = await pledged();
    const inEvent: StockMovementEvent = { ...outEvent('ev-in', 5n * tonneGrams, demoDayMs + hourMs), direction: 'in' };
    const added = await applyStockMovement({ store }, { event: inEvent, toleranceGrams: 50_000n });
    expect(added.lot?.quantityGrams).toBe(105n * tonneGrams);
    await issueReleaseOrder(
      { store },
      {
        releaseOrderId: 'ro-1',
        lotId: 'lot-1',
        authorisedGrams: 20n * tonneGrams,
        validFromMs: demoDayMs,
        validUntilMs: demoDayMs + dayMs,
        decisionId: 'dec-ro-1',
        actorId: 'officer-1',
        atMs: demoDayMs,
        inputs: [],
      },
    );
    // 20.03 t leaves: 20 t from ro-1, 30 kg over is inside the 50 kg tolerance → authorised.
    const out = await applyStockMovement(
      { store },
      { event: outEvent('ev-out', 20_030_000n, demoDayMs + 2 * hourMs), toleranceGrams: 50_000n },
    );
    expect(out.uses).toEqual([{ releaseOrderId: 'ro-1', grams: 20n * tonneGrams }]);
    expect(out.unauthorisedGrams).toBe(0n);
    // 105 t − 20.03 t = 84.97 t
    expect(out.lot?.quantityGrams).toBe(84_970_000n);
    expect((await store.getReleaseOrder('ro-1'))?.status).toBe('completed');
  });

  it('planted problem: goods leaving with no release order are unauthorised, and a replayed event changes nothing', async () => {
    const store = await pledged();
    const event = outEvent('ev-theft', 8n * tonneGrams, demoDayMs + hourMs, 'lc-2');
    const result = await applyStockMovement({ store }, { event, toleranceGrams: 50_000n });
    expect([result.status, result.unauthorisedGrams, result.lot?.quantityGrams]).toEqual([
      'applied',
      8n * tonneGrams,
      92n * tonneGrams,
    ]);
    const replay = await applyStockMovement({ store }, { event, toleranceGrams: 50_000n });
    expect(replay.status).toBe('duplicate');
    expect((await store.getLot('lot-1'))?.quantityGrams).toBe(92n * tonneGrams);
  });

  it('does not use an expired order, ignores unwatched devices, and floors the lot at zero reporting the shortfall', async () => {
    const store = await pledged();
    await issueReleaseOrder(
      { store },
      {
        releaseOrderId: 'ro-old',
        lotId: 'lot-1',
        authorisedGrams: tonneGrams,
        validFromMs: demoDayMs,
        validUntilMs: demoDayMs + hourMs,
        decisionId: 'd-ro',
        actorId: 'o',
        atMs: demoDayMs,
        inputs: [],
      },
    );
    const late = await applyStockMovement(
      { store },
      { event: outEvent('ev-late', tonneGrams, demoDayMs + 2 * hourMs), toleranceGrams: 0n },
    );
    expect(late.unauthorisedGrams).toBe(tonneGrams);
    const elsewhere = await applyStockMovement(
      { store },
      { event: outEvent('ev-x', tonneGrams, demoDayMs, 'lc-77'), toleranceGrams: 0n },
    );
    expect(elsewhere.status).toBe('unmonitored');
    const all = await applyStockMovement(
      { store },
      { event: outEvent('ev-all', 120n * tonneGrams, demoDayMs + 3 * hourMs), toleranceGrams: 0n },
    );
    // 99 t were left; 120 t out → 0 t, 21 t shortfall
    expect([all.lot?.quantityGrams, all.shortfallGrams]).toEqual([0n, 21n * tonneGrams]);
  });

  it('refuses release orders beyond the lot (counting other open orders), on unknown lots, or empty', async () => {
    const store = await pledged();
    const order = {
      lotId: 'lot-1',
      validFromMs: demoDayMs,
      validUntilMs: demoDayMs + dayMs,
      actorId: 'o',
      atMs: demoDayMs,
      inputs: [],
    };
    const first = await issueReleaseOrder(
      { store },
      { ...order, releaseOrderId: 'ro-1', decisionId: 'd1', authorisedGrams: 60n * tonneGrams },
    );
    expect(first.decision).toMatchObject({
      type: 'release.ordered',
      inputs: [{ kind: 'decision', id: 'dec-pledge-1' }],
    });
    // 60 t open + 41 t > 100 t
    const error = await caught(
      issueReleaseOrder(
        { store },
        { ...order, releaseOrderId: 'ro-2', decisionId: 'd2', authorisedGrams: 41n * tonneGrams },
      ),
    );
    expect(error.code).toBe('release_order_exceeds_lot');
    expect(await store.getReleaseOrder('ro-2')).toBeUndefined();
    expect(
      (
        await caught(
          issueReleaseOrder(
            { store },
            { ...order, lotId: 'nope', releaseOrderId: 'ro-3', decisionId: 'd3', authorisedGrams: 1n },
          ),
        )
      ).code,
    ).toBe('collateral_lot_unknown');
    expect(
      (
        await caught(
          issueReleaseOrder({ store }, { ...order, releaseOrderId: 'ro-4', decisionId: 'd4', authorisedGrams: 0n }),
        )
      ).code,
    ).toBe('collateral_input_invalid');
  });

  it('property: quantity stays ≥ 0 and quantity + shortfalls = start + ins − outs for any sequence', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ out: fc.boolean(), tonnes: fc.bigInt({ min: 1n, max: 60n }) }), { maxLength: 30 }),
        async (moves) => {
          const store = await pledged();
          let expected = 100n * tonneGrams;
          let shortfalls = 0n;
          for (const [index, move] of moves.entries()) {
            const event = {
              ...outEvent(`ev-${index}`, move.tonnes * tonneGrams, demoDayMs + index),
              direction: move.out ? ('out' as const) : ('in' as const),
            };
            const result = await applyStockMovement({ store }, { event, toleranceGrams: 0n });
            expected += move.out ? -event.weightGrams : event.weightGrams;
            shortfalls += result.shortfallGrams;
            if ((result.lot?.quantityGrams ?? -1n) < 0n) return false;
            if (move.out && result.unauthorisedGrams !== event.weightGrams) return false;
          }
          const quantity = (await store.getLot('lot-1'))?.quantityGrams ?? -1n;
          return quantity === expected + shortfalls;
        },
      ),
      { numRuns: 50 },
    );
  });
});
