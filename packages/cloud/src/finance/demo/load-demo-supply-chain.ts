import type { Invoice, Party, Relationship } from '@fieldproof/finance';
import { CollateralError } from '@fieldproof/finance';
import type { FinanceServices } from '../finance-services.ts';
import { pledgeLot } from '../pledge-lot.ts';
import { recordPrices } from '../record-prices.ts';
import { loadDemoLoans } from './load-demo-loans.ts';

/** The organisations of the demo chain, by role. */
export const demoOrganisations = {
  coreEnterprise: 'huadong-steel',
  bank: 'demo-bank',
  otherBank: 'harbour-bank',
  logistics: 'yangtze-logistics',
  suppliers: ['jiangnan-ore', 'ningbo-coil'],
  distributors: ['suzhou-metals', 'wuxi-steel-trading'],
} as const;

/** The demo's warehouses and the load cells (from the embedded demo site) under their pledged lots. */
export const demoSites = [
  { siteId: 'warehouse-1', loadCellId: 'load-cell-1', lotId: 'demo-lot-wh1-coil', pledgorId: 'huadong-steel' },
  { siteId: 'warehouse-2', loadCellId: 'load-cell-2', lotId: 'demo-lot-wh2-coil', pledgorId: 'suzhou-metals' },
] as const;

/** The lot of another bank's register that is the same goods as ours (the planted double pledge); never in our registry. */
export const demoDoublePledgeLotId = 'harbour-bank-lot-88';

/** What each demo lot secures, minor units (90,000 CNY against 50 t of coil). */
const demoLoanAmountMinor = 9_000_000n;

/** What the loader did. */
export interface LoadDemoSupplyChainResult {
  /** `loaded` on a first start, `present` when the demo's lots were already there. */
  status: 'loaded' | 'present';
}

const organisation = (
  partyId: string,
  name: string,
  roles: Party extends infer P ? (P extends { kind: 'organisation'; roles: infer R } ? R : never) : never,
): Party => ({
  kind: 'organisation',
  partyId,
  name,
  roles,
});

const relationship = (
  relationshipId: string,
  type: Relationship['type'],
  fromPartyId: string,
  toPartyId: string,
): Relationship => ({ relationshipId, type, fromPartyId, toPartyId }) as Relationship;

const invoice = (
  invoiceId: string,
  seller: string,
  buyer: string,
  amountMinor: bigint,
  issuedAtMs: number,
): Invoice => ({
  invoiceId,
  number: invoiceId.toUpperCase(),
  sellerOrganisationId: seller,
  buyerOrganisationId: buyer,
  issuedAtMs,
  currency: 'CNY',
  totalAmountMinor: amountMinor,
  lines: [
    {
      lineNumber: 1,
      itemCode: 'HRC-5.5',
      description: 'hot-rolled steel coil 5.5 mm',
      quantity: Number(amountMinor / 400_000n),
      unit: 't',
      unitPriceMinor: 400_000n,
    },
  ],
});

/**
 * Load the demo supply chain: a steel processor (the core enterprise) with its suppliers,
 * distributors, a logistics firm running two warehouses, and the bank; the steel coil price;
 * two pledged lots under the demo site's load cells; and three planted problems the platform must
 * find by itself: the same coil also in another bank's book (a double pledge, from its register, checked by the sweep against ours), a ring of invoices
 * suzhou-metals → wuxi-steel-trading → jiangnan-ore → suzhou-metals (a circular trade), and goods
 * leaving warehouse 2 with no release order (the load cell's planted removal); and the bank's
 * loans, one of each product (loadDemoLoans).
 * Idempotent: a start that finds the demo lots in the store changes nothing.
 */
export async function loadDemoSupplyChain(services: FinanceServices): Promise<LoadDemoSupplyChainResult> {
  const nowMs = services.clock();
  for (const site of demoSites) {
    services.siteIds.add(site.siteId);
    services.lotLoanAmountMinor.set(site.lotId, demoLoanAmountMinor);
  }
  services.monitoredOrganisationIds.add(demoOrganisations.coreEnterprise);
  for (const id of demoOrganisations.distributors) services.monitoredOrganisationIds.add(id);
  if (services.prices.length === 0) {
    await recordPrices(services, {
      actorId: 'demo-loader',
      objects: [
        {
          commodity: 'steel-coil',
          priceMinorPerUnit: '400000',
          unitGrams: '1000000',
          currency: 'CNY',
          asOfMs: nowMs,
          source: 'manual:demo-loader',
        },
      ],
    });
  }
  const lines = {
    pledgeRatioBasisPoints: 6_500,
    warningBasisPoints: 7_000,
    topUpBasisPoints: 8_000,
    forcedSaleBasisPoints: 9_000,
  };
  // Harbour Bank's book, imported as found: the same coil of warehouse 1 under the same receipt.
  const imported = await services.decisionLog.append({
    decisionId: `pledge-imported-${demoDoublePledgeLotId}-${nowMs}`,
    type: 'pledge.imported',
    organisationId: demoOrganisations.otherBank,
    actorId: 'demo-loader',
    decidedAtMs: nowMs,
    subjectId: demoDoublePledgeLotId,
    inputs: [{ kind: 'document', id: 'WAREHOUSE-1:R-0001' }],
    details: { source: 'harbour-bank registry export', siteId: 'warehouse-1' },
  });
  services.externalLots.push({
    lotId: demoDoublePledgeLotId,
    pledgorId: 'huadong-steel',
    pledgeeId: demoOrganisations.otherBank,
    loanId: 'harbour-loan-88',
    commodity: 'steel-coil',
    siteId: 'warehouse-1',
    goodsIdentity: 'warehouse-1/bay-1/hrc-5.5',
    receiptNumbers: ['WAREHOUSE-1:R-0001'],
    monitoringDeviceIds: ['load-cell-1'],
    quantityGrams: 48_000_000n,
    haircutBasisPoints: 2_500,
    lines,
    currency: 'CNY',
    pledgedAtMs: nowMs,
    pledgeDecisionId: imported.decisionId,
    status: 'pledged',
  });
  if (await services.collateral.getLot(demoSites[0].lotId)) return { status: 'present' };

  const parties: Party[] = [
    organisation('huadong-steel', 'Huadong Steel Processing Co.', ['core_enterprise']),
    organisation('jiangnan-ore', 'Jiangnan Iron Ore Trading Co.', ['supplier']),
    organisation('ningbo-coil', 'Ningbo Coil Supply Co.', ['supplier']),
    organisation('suzhou-metals', 'Suzhou Metals Distribution Co.', ['distributor']),
    organisation('wuxi-steel-trading', 'Wuxi Steel Trading Co.', ['distributor']),
    organisation('yangtze-logistics', 'Yangtze Logistics Co.', ['logistics_firm', 'warehouse']),
    organisation('demo-bank', 'Demo Bank', ['bank']),
    organisation('harbour-bank', 'Harbour Bank', ['bank']),
    { kind: 'person', partyId: 'person-li-wei', name: 'Li Wei' },
  ];
  for (const party of parties) await services.parties.putParty(party);
  const relationships: Relationship[] = [
    relationship('rel-1', 'supplies', 'jiangnan-ore', 'huadong-steel'),
    relationship('rel-2', 'supplies', 'ningbo-coil', 'huadong-steel'),
    relationship('rel-3', 'supplies', 'huadong-steel', 'suzhou-metals'),
    relationship('rel-4', 'supplies', 'huadong-steel', 'wuxi-steel-trading'),
    // One legal representative behind two distributors: related parties.
    {
      relationshipId: 'rel-5',
      type: 'directs',
      fromPartyId: 'person-li-wei',
      toPartyId: 'suzhou-metals',
      post: 'legal_representative',
    } as Relationship,
    {
      relationshipId: 'rel-6',
      type: 'directs',
      fromPartyId: 'person-li-wei',
      toPartyId: 'wuxi-steel-trading',
      post: 'legal_representative',
    } as Relationship,
  ];
  for (const item of relationships) await services.parties.putRelationship(item);

  // Ordinary trade, and a ring of near-equal invoices within a week (空转).
  const day = 86_400_000;
  const invoices = [
    invoice('inv-hd-0101', 'huadong-steel', 'suzhou-metals', 120_000_000n, nowMs - 9 * day),
    invoice('inv-nb-0102', 'ningbo-coil', 'huadong-steel', 80_000_000n, nowMs - 8 * day),
    invoice('inv-ring-1', 'suzhou-metals', 'wuxi-steel-trading', 200_000_000n, nowMs - 6 * day),
    invoice('inv-ring-2', 'wuxi-steel-trading', 'jiangnan-ore', 200_400_000n, nowMs - 4 * day),
    invoice('inv-ring-3', 'jiangnan-ore', 'suzhou-metals', 199_600_000n, nowMs - 2 * day),
  ];
  for (const item of invoices) await services.flows.put('invoice', item);

  for (const site of demoSites) {
    try {
      await pledgeLot(services, {
        lot: {
          lotId: site.lotId,
          pledgorId: site.pledgorId,
          pledgeeId: demoOrganisations.bank,
          loanId: `demo-loan-${site.siteId}`,
          commodity: 'steel-coil',
          siteId: site.siteId,
          goodsIdentity: `${site.siteId}/bay-1/hrc-5.5`,
          receiptNumbers: [`${site.siteId.toUpperCase()}:R-0001`],
          monitoringDeviceIds: [site.loadCellId],
          quantityGrams: 50_000_000n,
          haircutBasisPoints: 2_000,
          lines,
          currency: 'CNY',
          pledgedAtMs: nowMs,
        },
        loanAmountMinor: demoLoanAmountMinor,
        actorId: 'demo-loader',
        inputs: [{ kind: 'document', id: `${site.siteId.toUpperCase()}:R-0001` }],
        // A store that forgot the lot (in memory) must not collide with the decision of an earlier start.
        decisionId: `pledge-${site.lotId}-${nowMs}`,
      });
    } catch (error) {
      if (!(error instanceof CollateralError && error.code === 'collateral_already_pledged')) throw error;
    }
  }
  await loadDemoLoans(services, demoSites);
  services.log.info('demo supply chain loaded');
  return { status: 'loaded' };
}
