/**
 * The records of the collateral module. Quantities are grams in `bigint` (the base unit of
 * weighed goods; a count of pieces would be a second unit added beside it); money is `bigint`
 * minor units with its ISO 4217 currency; ratios are integer basis points; time is UTC ms.
 */

/** The four lines of a pledge, in basis points of loan ÷ lending value (质押率 / 预警线 / 补仓 / 平仓线). */
export interface LoanToValueLines {
  /** Highest loan-to-value at which the pledge may be made or restored (质押率), e.g. 6,500. */
  pledgeRatioBasisPoints: number;
  /** At or above this line the bank is warned (预警线), e.g. 7,000. */
  warningBasisPoints: number;
  /** At or above this line the borrower must top up or repay (补仓, a margin call), e.g. 8,000. */
  topUpBasisPoints: number;
  /** At or above this line the bank may sell the goods (平仓线), e.g. 9,000. */
  forcedSaleBasisPoints: number;
}

/** A lot of goods pledged to a bank, in a monitored site. */
export interface PledgedLot {
  /** Caller-supplied id of the lot. */
  lotId: string;
  /** The organisation that pledges the goods (the borrower). */
  pledgorId: string;
  /** The organisation the goods are pledged to (the bank). */
  pledgeeId: string;
  /** The loan the lot secures. */
  loanId: string;
  /** Commodity code, the key of the price feed (e.g. `copper-cathode`). */
  commodity: string;
  /** The warehouse or yard that holds the goods. */
  siteId: string;
  /** What identifies these goods at the site (a bay and batch mark, an RFID lot id). */
  goodsIdentity: string;
  /** Warehouse receipt numbers the lot stands behind (each issuer-qualified, e.g. `WH1:R-0042`). */
  receiptNumbers: readonly string[];
  /** Devices (load cells, RFID readers, cameras) that watch the goods. */
  monitoringDeviceIds: readonly string[];
  /** Quantity now held, in grams, as moved by IoT stock-movement events. */
  quantityGrams: bigint;
  /** Haircut on market value, basis points (2,000 = 20%). */
  haircutBasisPoints: number;
  /** The loan-to-value lines of this pledge. */
  lines: LoanToValueLines;
  /** Currency of the loan and of the prices used to value the lot. */
  currency: string;
  /** When the pledge was made, UTC ms. */
  pledgedAtMs: number;
  /** The `pledge.created` decision that recorded it. */
  pledgeDecisionId: string;
  /** `pledged` while it secures the loan; `released` once discharged. */
  status: 'pledged' | 'released';
}

/**
 * A goods movement derived by the edge from load-cell or RFID frames (the edge's event functions
 * live in the edge package; this is the structural shape finance needs).
 */
export interface StockMovementEvent {
  /** Id of the derived event (idempotency key). */
  eventId: string;
  /** The device whose readings show the movement. */
  deviceId: string;
  /** The site where it happened. */
  siteId: string;
  /** `in` adds goods, `out` removes them. */
  direction: 'in' | 'out';
  /** Weight moved, grams, positive. */
  weightGrams: bigint;
  /** When it happened (device time), UTC ms. */
  atMs: number;
  /** The signed frames it was derived from (its evidence). */
  frameIds: readonly string[];
}

/** A market price of a commodity, from a manual entry, a CSV file or an HTTP source. */
export interface PriceRecord {
  /** Commodity code. */
  commodity: string;
  /** Price of one price unit, minor units. */
  priceMinorPerUnit: bigint;
  /** Grams in one price unit (1,000,000 for a tonne). */
  unitGrams: bigint;
  /** ISO 4217 currency of the price. */
  currency: string;
  /** When the price was observed, UTC ms. */
  asOfMs: number;
  /** Where it came from: `manual:<actorId>`, `csv:<file>`, `http:<host>`. */
  source: string;
}

/** The bank's order authorising goods to leave a pledged lot. */
export interface ReleaseOrder {
  /** Caller-supplied id. */
  releaseOrderId: string;
  /** The lot the goods leave. */
  lotId: string;
  /** Grams authorised to leave. */
  authorisedGrams: bigint;
  /** Grams already matched to out-events. */
  releasedGrams: bigint;
  /** First moment goods may leave under it, UTC ms. */
  validFromMs: number;
  /** Last moment goods may leave under it, UTC ms. */
  validUntilMs: number;
  /** `open` while it has grams left and is not cancelled. */
  status: 'open' | 'completed' | 'cancelled';
  /** The `release.ordered` decision that recorded it. */
  decisionId: string;
}

/**
 * What the cloud stores for the collateral module (SQLite or PostgreSQL later; an in-memory
 * implementation ships here for embedded use and tests). Finders return pledged (active) lots only.
 */
export interface CollateralStore {
  /** The lot with this id, active or not. */
  getLot(lotId: string): Promise<PledgedLot | undefined>;
  /** Active lots at a site. */
  findActiveLotsAtSite(siteId: string): Promise<PledgedLot[]>;
  /** Active lots watched by a device. */
  findActiveLotsByDevice(deviceId: string): Promise<PledgedLot[]>;
  /** Active lots standing behind a receipt number. */
  findActiveLotsByReceipt(receiptNumber: string): Promise<PledgedLot[]>;
  /** Insert or replace a lot. */
  putLot(lot: PledgedLot): Promise<void>;
  /** The release order with this id. */
  getReleaseOrder(releaseOrderId: string): Promise<ReleaseOrder | undefined>;
  /** All release orders of a lot. */
  findReleaseOrders(lotId: string): Promise<ReleaseOrder[]>;
  /** Insert or replace a release order. */
  putReleaseOrder(order: ReleaseOrder): Promise<void>;
  /** Whether a stock-movement event was already applied. */
  hasAppliedEvent(eventId: string): Promise<boolean>;
  /** Remember that an event was applied (to the lot named). */
  recordAppliedEvent(eventId: string, lotId: string): Promise<void>;
}
