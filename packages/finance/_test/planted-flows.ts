/**
 * A small supply chain with two planted problems for the demo and for tests: a circular trade
 * A → B → C → A of near-equal invoices within 30 days, and a warehouse receipt whose goods never
 * appeared on the load cell. Everything else reconciles. Times are fixed (2026-04-01T00:00Z onwards).
 */

import type {
  GpsTrailPoint,
  Invoice,
  Payment,
  PurchaseOrder,
  Shipment,
  StockMovementEvent,
  WarehouseReceipt,
} from '../src/flows/records.ts';
import type { OrganisationRole, Party, Relationship } from '../src/parties/party-records.ts';

const day = 86_400_000;
const hour = 3_600_000;
/** 2026-04-01T00:00:00Z. */
export const plantedStartMs = Date.UTC(2026, 3, 1);
const at = (days: number, hours = 0) => plantedStartMs + days * day + hours * hour;

const organisation = (partyId: string, name: string, roles: OrganisationRole[]): Party => ({
  kind: 'organisation',
  partyId,
  name,
  roles,
});

/** Parties: the borrower, its supplier, the core enterprise, a warehouse, a carrier and the ring B, C. */
export const plantedParties: Party[] = [
  organisation('org-a', 'Hangzhou Anda Trading Co.', ['distributor']),
  organisation('org-b', 'Ningbo Beilun Metals Co.', ['supplier']),
  organisation('org-c', 'Shaoxing Chengfeng Materials Co.', ['supplier']),
  organisation('org-steel', 'Zhejiang Steel Works', ['core_enterprise', 'supplier']),
  organisation('org-warehouse', 'Xiaoshan Bonded Warehouse', ['warehouse']),
  organisation('org-carrier', 'Yongtai Logistics', ['logistics_firm']),
  { kind: 'person', partyId: 'person-zhou', name: 'Zhou Min' },
];

/** Relationships: Zhou Min is legal representative of A and a 60% shareholder of C. */
export const plantedRelationships: Relationship[] = [
  {
    relationshipId: 'rel-1',
    type: 'directs',
    fromPartyId: 'person-zhou',
    toPartyId: 'org-a',
    post: 'legal_representative',
  },
  {
    relationshipId: 'rel-2',
    type: 'owns_shares_of',
    fromPartyId: 'person-zhou',
    toPartyId: 'org-c',
    shareBasisPoints: 6_000,
  },
  { relationshipId: 'rel-3', type: 'supplies', fromPartyId: 'org-steel', toPartyId: 'org-a' },
];

/** A buys 20,000 kg of coil from the steel works at 4.50 yuan/kg (450 fen). */
export const plantedPurchaseOrders: PurchaseOrder[] = [
  {
    purchaseOrderId: 'po-1',
    number: 'PO-2026-0401',
    buyerOrganisationId: 'org-a',
    sellerOrganisationId: 'org-steel',
    issuedAtMs: at(0),
    currency: 'CNY',
    lines: [
      {
        lineNumber: 1,
        itemCode: 'HRC-Q235',
        description: 'Hot-rolled coil Q235',
        quantity: 20_000,
        unit: 'kg',
        unitPriceMinor: 450n,
      },
    ],
  },
];

/** The real receipt (20,000 kg on day 3) and the ghost one (15,000 kg on day 12, never weighed in). */
export const plantedWarehouseReceipts: WarehouseReceipt[] = [
  {
    warehouseReceiptId: 'wr-1',
    number: 'WR-0001',
    warehouseOrganisationId: 'org-warehouse',
    depositorOrganisationId: 'org-a',
    siteId: 'site-xiaoshan-1',
    purchaseOrderId: 'po-1',
    receivedAtMs: at(3, 10),
    lines: [
      {
        lineNumber: 1,
        purchaseOrderLineNumber: 1,
        itemCode: 'HRC-Q235',
        quantity: 20_000,
        unit: 'kg',
        weightGrams: 20_000_000,
      },
    ],
  },
  {
    warehouseReceiptId: 'wr-ghost',
    number: 'WR-0002',
    warehouseOrganisationId: 'org-warehouse',
    depositorOrganisationId: 'org-a',
    siteId: 'site-xiaoshan-1',
    receivedAtMs: at(12, 10),
    lines: [{ lineNumber: 1, itemCode: 'HRC-Q235', quantity: 15_000, unit: 'kg', weightGrams: 15_000_000 }],
  },
];

/** Load-cell steps at the site: the 20 t came in as two 10 t lifts; nothing around day 12. */
export const plantedStockMovementEvents: StockMovementEvent[] = [
  {
    eventId: 'ev-in-1',
    deviceId: 'cell-1',
    siteId: 'site-xiaoshan-1',
    direction: 'in',
    weightGrams: 10_004_000n,
    atMs: at(3, 9),
    frameIds: ['fr-101', 'fr-102'],
  },
  {
    eventId: 'ev-in-2',
    deviceId: 'cell-1',
    siteId: 'site-xiaoshan-1',
    direction: 'in',
    weightGrams: 9_990_000n,
    atMs: at(3, 11),
    frameIds: ['fr-103', 'fr-104'],
  },
];

/** Invoices: the real one for po-1, then the ring A → B → C → A (days 5, 14, 28; ¥800,000, ¥796,000, ¥792,000). */
export const plantedInvoices: Invoice[] = [
  {
    invoiceId: 'inv-1',
    number: '33000001',
    sellerOrganisationId: 'org-steel',
    buyerOrganisationId: 'org-a',
    purchaseOrderId: 'po-1',
    issuedAtMs: at(4),
    currency: 'CNY',
    totalAmountMinor: 9_000_000n, // 20,000 × 450
    lines: [
      {
        lineNumber: 1,
        purchaseOrderLineNumber: 1,
        itemCode: 'HRC-Q235',
        description: 'Hot-rolled coil Q235',
        quantity: 20_000,
        unit: 'kg',
        unitPriceMinor: 450n,
      },
    ],
  },
  ...(
    [
      ['inv-ring-1', 'org-a', 'org-b', 5, 80_000_000n],
      ['inv-ring-2', 'org-b', 'org-c', 14, 79_600_000n],
      ['inv-ring-3', 'org-c', 'org-a', 28, 79_200_000n],
    ] as const
  ).map(
    ([invoiceId, seller, buyer, days, amount]): Invoice => ({
      invoiceId,
      number: `ring-${invoiceId}`,
      sellerOrganisationId: seller,
      buyerOrganisationId: buyer,
      issuedAtMs: at(days),
      currency: 'CNY',
      totalAmountMinor: amount,
      lines: [
        {
          lineNumber: 1,
          itemCode: 'CU-CATHODE',
          description: 'Copper cathode',
          quantity: 1,
          unit: 'lot',
          unitPriceMinor: amount,
        },
      ],
    }),
  ),
];

/** A pays the steel works in full. */
export const plantedPayments: Payment[] = [
  {
    paymentId: 'pay-1',
    payerOrganisationId: 'org-a',
    payeeOrganisationId: 'org-steel',
    payerAccountId: 'acc-a',
    payeeAccountId: 'acc-steel',
    amountMinor: 9_000_000n,
    currency: 'CNY',
    paidAtMs: at(20),
    invoiceIds: ['inv-1'],
  },
];

/** The coil's truck from the works to the warehouse. */
export const plantedShipments: Shipment[] = [
  {
    shipmentId: 'sh-1',
    waybillNumber: 'YT-88001',
    purchaseOrderId: 'po-1',
    shipperOrganisationId: 'org-steel',
    consigneeOrganisationId: 'org-a',
    carrierOrganisationId: 'org-carrier',
    trackerDeviceId: 'gps-truck-1',
    origin: { lat: 29.9, lon: 121.6, radiusMetres: 800 },
    destination: { lat: 30.18, lon: 120.27, radiusMetres: 800 },
    windowStartMs: at(2),
    windowEndMs: at(3, 12),
    lines: [{ lineNumber: 1, purchaseOrderLineNumber: 1, itemCode: 'HRC-Q235', quantity: 20_000, unit: 'kg' }],
  },
];

/** Its GPS fixes: at the works, on the road, at the warehouse. */
export const plantedGpsTrailPoints: GpsTrailPoint[] = [
  { frameId: 'fr-gps-1', deviceId: 'gps-truck-1', atMs: at(3, 2), lat: 29.9001, lon: 121.6002 },
  { frameId: 'fr-gps-2', deviceId: 'gps-truck-1', atMs: at(3, 5), lat: 30.05, lon: 120.9 },
  { frameId: 'fr-gps-3', deviceId: 'gps-truck-1', atMs: at(3, 8), lat: 30.1801, lon: 120.2699 },
];
