import {
  applyStockMovement,
  CollateralError,
  type CollateralStore,
  issueReleaseOrder,
  type PledgedLot,
  type PriceRecord,
  pledgeCollateral,
} from '@fieldproof/finance';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FinanceBackend, financeBackends } from '../../../_test/finance-backends.ts';

const dayMs = 86_400_000;
const hourMs = 3_600_000;
const pledgedAtMs = Date.UTC(2026, 10, 2);
const tonneGrams = 1_000_000n;
const copper: PriceRecord = {
  commodity: 'copper-cathode',
  priceMinorPerUnit: 7_000_000n,
  unitGrams: tonneGrams,
  currency: 'CNY',
  asOfMs: pledgedAtMs - hourMs,
  source: 'manual:officer-1',
};

/** 100 t of copper in bay 3 of WH-1 under two load cells (the finance tests' demo lot). */
function lotFields(overrides: Partial<PledgedLot> = {}): Omit<PledgedLot, 'status' | 'pledgeDecisionId'> {
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
    lines: {
      pledgeRatioBasisPoints: 6_500,
      warningBasisPoints: 7_000,
      topUpBasisPoints: 8_000,
      forcedSaleBasisPoints: 9_000,
    },
    currency: 'CNY',
    pledgedAtMs,
    ...overrides,
  };
}

const pledge = (store: CollateralStore, overrides: Partial<PledgedLot> = {}, decisionId = 'dec-pledge-1') =>
  pledgeCollateral(
    { store },
    {
      lot: lotFields(overrides),
      loanAmountMinor: 350_000_000n,
      priceRecords: [copper],
      priceMaxAgeMs: dayMs,
      decisionId,
      actorId: 'officer-1',
      inputs: [{ kind: 'document', id: 'a'.repeat(64) }],
    },
  );

async function refusal(promise: Promise<unknown>): Promise<CollateralError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CollateralError) return error;
    throw error;
  }
  throw new Error('expected a CollateralError');
}

describe.each(financeBackends())('collateral store contract on $name', (backend: FinanceBackend) => {
  let store: CollateralStore;
  let available = true;
  beforeAll(async () => {
    available = await backend.available();
  });
  beforeEach(async (context) => {
    if (!available) context.skip();
    store = (await backend.open()).collateralStore;
  });
  afterAll(async () => {
    await backend.cleanUp();
  });

  it('registers a lot and finds it by id, site, device and receipt until it is released', async () => {
    const { lot } = await pledge(store);
    expect(await store.getLot('lot-1')).toEqual(lot);
    expect(await store.findActiveLotsAtSite('site-wh1')).toEqual([lot]);
    expect(await store.findActiveLotsByDevice('lc-2')).toEqual([lot]);
    expect(await store.findActiveLotsByReceipt('WH1:R-0001')).toEqual([lot]);
    expect(await store.findActiveLotsByDevice('lc-9')).toEqual([]);
    await store.putLot({ ...lot, status: 'released' });
    expect((await store.getLot('lot-1'))?.status).toBe('released');
    expect(await store.findActiveLotsAtSite('site-wh1')).toEqual([]);
    expect(await store.findActiveLotsByDevice('lc-1')).toEqual([]);
    expect(await store.findActiveLotsByReceipt('WH1:R-0001')).toEqual([]);
  });

  it('keeps a quantity of 2^63 − 1 grams exactly', async () => {
    const { lot } = await pledge(store);
    await store.putLot({ ...lot, quantityGrams: 2n ** 63n - 1n });
    expect((await store.getLot('lot-1'))?.quantityGrams).toBe(9_223_372_036_854_775_807n);
  });

  it('refuses the same goods twice: same goods at the site, a shared device, a shared receipt, the same lot id', async () => {
    await pledge(store);
    const cases: [Partial<PledgedLot>, string][] = [
      [{ lotId: 'lot-2', receiptNumbers: [], monitoringDeviceIds: ['lc-7'] }, 'same_goods_at_site'],
      [
        { lotId: 'lot-3', siteId: 'site-wh2', goodsIdentity: 'x', receiptNumbers: [], monitoringDeviceIds: ['lc-2'] },
        'shared_device',
      ],
      [{ lotId: 'lot-4', siteId: 'site-wh2', goodsIdentity: 'y', monitoringDeviceIds: ['lc-8'] }, 'shared_receipt'],
      [{ siteId: 'site-wh3', goodsIdentity: 'z', receiptNumbers: [], monitoringDeviceIds: ['lc-9'] }, 'same_lot_id'],
    ];
    for (const [overrides, reason] of cases) {
      const error = await refusal(pledge(store, overrides, `dec-${reason}`));
      expect(error.code).toBe('collateral_already_pledged');
      expect(error.details?.reasons).toContain(reason);
    }
    expect(
      (await store.findActiveLotsAtSite('site-wh2')).length + (await store.findActiveLotsAtSite('site-wh3')).length,
    ).toBe(0);
  });

  it('moves a lot by stock events once each, against its release orders', async () => {
    await pledge(store);
    await issueReleaseOrder(
      { store },
      {
        releaseOrderId: 'ro-1',
        lotId: 'lot-1',
        authorisedGrams: 10n * tonneGrams,
        validFromMs: pledgedAtMs,
        validUntilMs: pledgedAtMs + dayMs,
        decisionId: 'dec-release-1',
        actorId: 'officer-1',
        atMs: pledgedAtMs,
        inputs: [],
      },
    );
    const event = {
      eventId: 'ev-1',
      deviceId: 'lc-1',
      siteId: 'site-wh1',
      direction: 'out' as const,
      weightGrams: 4n * tonneGrams,
      atMs: pledgedAtMs + hourMs,
      frameIds: ['f-1'],
    };
    const applied = await applyStockMovement({ store }, { event, toleranceGrams: 1_000n });
    expect(applied).toMatchObject({ status: 'applied', unauthorisedGrams: 0n });
    expect((await applyStockMovement({ store }, { event, toleranceGrams: 1_000n })).status).toBe('duplicate');
    expect(await store.hasAppliedEvent('ev-1')).toBe(true);
    expect((await store.getLot('lot-1'))?.quantityGrams).toBe(96n * tonneGrams);
    expect(await store.getReleaseOrder('ro-1')).toMatchObject({ releasedGrams: 4n * tonneGrams, status: 'open' });
    expect((await store.findReleaseOrders('lot-1')).map((order) => order.releaseOrderId)).toEqual(['ro-1']);
    expect(await store.findReleaseOrders('lot-9')).toEqual([]);
  });

  // Two transactions open at once: the SQL stores only (the in-memory store runs one at a time).
  if (backend.name !== 'memory') {
    it('refuses in putLot itself a pledged lot that collides, so a check raced past is caught at the write', async () => {
      const { lot } = await pledge(store);
      const twin: PledgedLot = {
        ...lot,
        lotId: 'lot-twin',
        siteId: 'site-far',
        goodsIdentity: 'q',
        receiptNumbers: [],
        pledgeDecisionId: 'dec-twin',
      };
      const error = await refusal(store.putLot(twin));
      expect(error).toMatchObject({
        code: 'collateral_already_pledged',
        details: { conflictingLotId: 'lot-1', reasons: ['shared_device'] },
      });
      expect(await store.getLot('lot-twin')).toBeUndefined();
      const relabelled = await refusal(store.putLot({ ...lot, pledgeDecisionId: 'dec-other' }));
      expect(relabelled.details?.reasons).toEqual(['same_lot_id']);
      expect((await store.getLot('lot-1'))?.pledgeDecisionId).toBe('dec-pledge-1');
    });
  }

  // Two transactions open at once: the SQL stores only (the in-memory store runs one at a time).
  if (backend.name !== 'memory') {
    it('lets exactly one of two concurrent pledges of the same goods win', async () => {
      for (const [round, overrides] of [
        [1, {}],
        [2, { siteId: 'site-wh2', goodsIdentity: 'other', receiptNumbers: [] }],
        [3, { siteId: 'site-wh3', goodsIdentity: 'third', monitoringDeviceIds: ['lc-30'] }],
      ] as const) {
        // Round 1 races at one site (the site lock), rounds 2 and 3 across sites through a device or a receipt (the unique keys).
        const first = {
          lotId: `lot-${round}a`,
          siteId: `site-${round}`,
          monitoringDeviceIds: [`lc-${round}`],
          receiptNumbers: [`R-${round}`],
        };
        const second = { ...first, ...overrides, lotId: `lot-${round}b` };
        if (round === 2) second.monitoringDeviceIds = [`lc-${round}`];
        if (round === 3) second.receiptNumbers = [`R-${round}`];
        const outcomes = await Promise.allSettled([
          pledge(store, first, `dec-${round}a`),
          pledge(store, second, `dec-${round}b`),
        ]);
        expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
        const rejected = outcomes.find((outcome) => outcome.status === 'rejected');
        expect(rejected?.status === 'rejected' && rejected.reason).toBeInstanceOf(CollateralError);
        expect((rejected as PromiseRejectedResult).reason.code).toBe('collateral_already_pledged');
        const active = [
          ...(await store.findActiveLotsAtSite(first.siteId)),
          ...(await store.findActiveLotsAtSite(second.siteId)),
        ];
        expect(new Set(active.map((lot) => lot.lotId)).size).toBe(1);
      }
    });
  }
});
