import { IdSchema } from '@fieldproof/protocol';
import * as z from 'zod';

/** Most lines one document may carry (enforced where documents enter the package). */
export const documentLinesMax = 1_000;

const timeMsSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** ISO 4217 currency code, upper case (CNY, USD). */
export const CurrencySchema = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as CNY');
/** Non-negative money in minor units (fen), exact. */
const amountMinorSchema = z.bigint().min(0n);
/** A positive whole quantity in the line's unit (choose the unit so quantities are whole: kg, piece). */
const quantitySchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const textSchema = z.string().max(500);

/** A geofence: a circle around a point, in WGS-84 degrees and metres. */
export const GeofenceSchema = z
  .object({
    /** Latitude of the centre, degrees. */
    lat: z.number().min(-90).max(90),
    /** Longitude of the centre, degrees. */
    lon: z.number().min(-180).max(180),
    /** Radius, metres. */
    radiusMetres: z.number().positive().max(100_000),
  })
  .strict();
export type Geofence = z.infer<typeof GeofenceSchema>;

/** One ordered line of a purchase order. */
export const PurchaseOrderLineSchema = z
  .object({
    /** Line number, unique within the order. */
    lineNumber: z.number().int().positive(),
    /** The item's code in the buyer's catalogue. */
    itemCode: z.string().min(1).max(64),
    /** Free-text description. */
    description: textSchema,
    /** Ordered quantity, in `unit`. */
    quantity: quantitySchema,
    /** Unit of quantity (kg, piece, t). */
    unit: z.string().min(1).max(16),
    /** Agreed price per unit, minor units. */
    unitPriceMinor: amountMinorSchema,
  })
  .strict();

/** A purchase order (commercial flow). */
export const PurchaseOrderSchema = z
  .object({
    /** Id of the order. */
    purchaseOrderId: IdSchema,
    /** The buyer's order number as printed. */
    number: z.string().min(1).max(64),
    /** Buying organisation. */
    buyerOrganisationId: IdSchema,
    /** Selling organisation. */
    sellerOrganisationId: IdSchema,
    /** The framework contract it is placed under, if any. */
    contractId: IdSchema.optional(),
    /** When it was issued, UTC ms. */
    issuedAtMs: timeMsSchema,
    /** Currency of every price on it. */
    currency: CurrencySchema,
    /** Ordered lines. */
    lines: z.array(PurchaseOrderLineSchema).min(1).max(documentLinesMax),
  })
  .strict();
export type PurchaseOrder = z.infer<typeof PurchaseOrderSchema>;

/** A sales or framework contract (commercial flow). */
export const ContractSchema = z
  .object({
    /** Id of the contract. */
    contractId: IdSchema,
    /** Contract number as printed. */
    number: z.string().min(1).max(64),
    /** Buying organisation. */
    buyerOrganisationId: IdSchema,
    /** Selling organisation. */
    sellerOrganisationId: IdSchema,
    /** When it was signed, UTC ms. */
    signedAtMs: timeMsSchema,
    /** End of validity, UTC ms (exclusive). */
    validUntilMs: timeMsSchema,
    /** Currency of the contract value. */
    currency: CurrencySchema,
    /** Total contract value, minor units. */
    totalAmountMinor: amountMinorSchema,
  })
  .strict();
export type Contract = z.infer<typeof ContractSchema>;

/** One line of an invoice. */
export const InvoiceLineSchema = z
  .object({
    /** Line number, unique within the invoice. */
    lineNumber: z.number().int().positive(),
    /** The purchase-order line it bills, when known. */
    purchaseOrderLineNumber: z.number().int().positive().optional(),
    /** Item code. */
    itemCode: z.string().min(1).max(64),
    /** Free-text description. */
    description: textSchema,
    /** Billed quantity, in `unit`. */
    quantity: quantitySchema,
    /** Unit of quantity. */
    unit: z.string().min(1).max(16),
    /** Billed price per unit, minor units. */
    unitPriceMinor: amountMinorSchema,
  })
  .strict();

/** An invoice (information / document flow), e.g. a VAT invoice. */
export const InvoiceSchema = z
  .object({
    /** Id of the invoice record. */
    invoiceId: IdSchema,
    /** Invoice number as printed. */
    number: z.string().min(1).max(64),
    /** Seller (issuer). */
    sellerOrganisationId: IdSchema,
    /** Buyer (debtor). */
    buyerOrganisationId: IdSchema,
    /** The purchase order it bills, when known. */
    purchaseOrderId: IdSchema.optional(),
    /** When it was issued, UTC ms. */
    issuedAtMs: timeMsSchema,
    /** Currency. */
    currency: CurrencySchema,
    /** Printed total, minor units (checked against the lines). */
    totalAmountMinor: amountMinorSchema,
    /** Billed lines. */
    lines: z.array(InvoiceLineSchema).min(1).max(documentLinesMax),
  })
  .strict();
export type Invoice = z.infer<typeof InvoiceSchema>;

/** One line of a shipment or waybill. */
export const ShipmentLineSchema = z
  .object({
    /** Line number. */
    lineNumber: z.number().int().positive(),
    /** The purchase-order line it carries, when known. */
    purchaseOrderLineNumber: z.number().int().positive().optional(),
    /** Item code. */
    itemCode: z.string().min(1).max(64),
    /** Quantity, in `unit`. */
    quantity: quantitySchema,
    /** Unit of quantity. */
    unit: z.string().min(1).max(16),
  })
  .strict();

/** A shipment with its waybill (logistics flow). */
export const ShipmentSchema = z
  .object({
    /** Id of the shipment. */
    shipmentId: IdSchema,
    /** Waybill number as printed. */
    waybillNumber: z.string().min(1).max(64),
    /** The purchase order it fulfils, when known. */
    purchaseOrderId: IdSchema.optional(),
    /** Shipper (usually the seller). */
    shipperOrganisationId: IdSchema,
    /** Consignee (usually the buyer). */
    consigneeOrganisationId: IdSchema,
    /** Carrier (logistics firm). */
    carrierOrganisationId: IdSchema,
    /** The GPS tracker on the truck. */
    trackerDeviceId: IdSchema,
    /** Where the goods are loaded. */
    origin: GeofenceSchema,
    /** Where they are delivered. */
    destination: GeofenceSchema,
    /** Start of the shipment window, UTC ms (inclusive). */
    windowStartMs: timeMsSchema,
    /** End of the shipment window, UTC ms (inclusive). */
    windowEndMs: timeMsSchema,
    /** Carried lines. */
    lines: z.array(ShipmentLineSchema).min(1).max(documentLinesMax),
  })
  .strict()
  .refine((shipment) => shipment.windowEndMs >= shipment.windowStartMs, {
    message: 'windowEndMs must not be before windowStartMs',
    path: ['windowEndMs'],
  });
export type Shipment = z.infer<typeof ShipmentSchema>;

/** One line of a warehouse receipt. */
export const WarehouseReceiptLineSchema = z
  .object({
    /** Line number. */
    lineNumber: z.number().int().positive(),
    /** The purchase-order line it receives, when known. */
    purchaseOrderLineNumber: z.number().int().positive().optional(),
    /** Item code. */
    itemCode: z.string().min(1).max(64),
    /** Received quantity, in `unit`. */
    quantity: quantitySchema,
    /** Unit of quantity. */
    unit: z.string().min(1).max(16),
    /** Net weight received on this line, grams (what the load cell must have seen). */
    weightGrams: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  })
  .strict();

/** A warehouse receipt (logistics flow): the warehouse's statement that goods came in. */
export const WarehouseReceiptSchema = z
  .object({
    /** Id of the receipt. */
    warehouseReceiptId: IdSchema,
    /** Receipt number as printed. */
    number: z.string().min(1).max(64),
    /** Warehouse operator that issued it. */
    warehouseOrganisationId: IdSchema,
    /** The owner of the goods (depositor). */
    depositorOrganisationId: IdSchema,
    /** The monitored site the goods were put in. */
    siteId: IdSchema,
    /** The purchase order the goods were bought under, when known. */
    purchaseOrderId: IdSchema.optional(),
    /** When the goods were received, UTC ms. */
    receivedAtMs: timeMsSchema,
    /** Received lines. */
    lines: z.array(WarehouseReceiptLineSchema).min(1).max(documentLinesMax),
  })
  .strict();
export type WarehouseReceipt = z.infer<typeof WarehouseReceiptSchema>;

/** A goods-in or goods-out record kept by the warehouse (logistics flow, one row per movement). */
export const GoodsMovementSchema = z
  .object({
    /** Id of the movement. */
    goodsMovementId: IdSchema,
    /** Site. */
    siteId: IdSchema,
    /** In or out of the site. */
    direction: z.enum(['in', 'out']),
    /** Item code. */
    itemCode: z.string().min(1).max(64),
    /** Quantity, in `unit`. */
    quantity: quantitySchema,
    /** Unit of quantity. */
    unit: z.string().min(1).max(16),
    /** Net weight, grams. */
    weightGrams: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    /** When, UTC ms. */
    atMs: timeMsSchema,
    /** The receipt it belongs to, when known. */
    warehouseReceiptId: IdSchema.optional(),
    /** The release order that authorised an outbound movement, when known. */
    releaseOrderId: IdSchema.optional(),
  })
  .strict();
export type GoodsMovement = z.infer<typeof GoodsMovementSchema>;

/** A payment (capital flow). */
export const PaymentSchema = z
  .object({
    /** Id of the payment. */
    paymentId: IdSchema,
    /** Payer. */
    payerOrganisationId: IdSchema,
    /** Payee. */
    payeeOrganisationId: IdSchema,
    /** Payer's account id. */
    payerAccountId: IdSchema,
    /** Payee's account id. */
    payeeAccountId: IdSchema,
    /** Amount, minor units, positive. */
    amountMinor: z.bigint().positive(),
    /** Currency. */
    currency: CurrencySchema,
    /** Value date and time, UTC ms. */
    paidAtMs: timeMsSchema,
    /** The invoices it settles. */
    invoiceIds: z.array(IdSchema).max(documentLinesMax),
  })
  .strict();
export type Payment = z.infer<typeof PaymentSchema>;

/** A load-cell stock movement derived at the edge (one definition for the package: grams as bigint). */
export type { StockMovementEvent } from '../collateral/collateral-types.ts';

/** One GPS fix of a tracker, from a signed frame. */
export interface GpsTrailPoint {
  /** The signed frame carrying the fix. */
  frameId: string;
  /** The tracker. */
  deviceId: string;
  /** Time of the fix, UTC ms. */
  atMs: number;
  /** Latitude, WGS-84 degrees. */
  lat: number;
  /** Longitude, WGS-84 degrees. */
  lon: number;
}
