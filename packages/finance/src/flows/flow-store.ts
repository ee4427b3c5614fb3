import type { FlowCsvRecords, FlowCsvRecordType } from './import-flow-csv.ts';

/** Which records to list: those naming an organisation (as any party), within a time range. */
export interface FlowRecordQuery {
  /** Only records where this organisation is buyer, seller, payer, payee, depositor, shipper or consignee. */
  organisationId?: string;
  /** Only records whose main time (issued, received, paid, at) is at or after this, UTC ms. */
  fromMs?: number;
  /** Only records whose main time is before this, UTC ms. */
  toMs?: number;
}

/**
 * Where the four flows' records live. The finance package codes against it; the cloud implements it
 * on SQLite and PostgreSQL (unique on the record id per type; `put` of an identical record is a no-op).
 */
export interface FlowStore {
  /** Store a validated record; resolves `duplicate` when an identical record with that id is already there. */
  put<T extends FlowCsvRecordType>(recordType: T, record: FlowCsvRecords[T]): Promise<'stored' | 'duplicate'>;
  /** The records of one type matching the query, sorted by id. */
  list<T extends FlowCsvRecordType>(recordType: T, query: FlowRecordQuery): Promise<FlowCsvRecords[T][]>;
}

const idField: { [T in FlowCsvRecordType]: keyof FlowCsvRecords[T] & string } = {
  purchase_order: 'purchaseOrderId',
  contract: 'contractId',
  invoice: 'invoiceId',
  shipment: 'shipmentId',
  warehouse_receipt: 'warehouseReceiptId',
  goods_movement: 'goodsMovementId',
  payment: 'paymentId',
};
/** A record's main time is the first of these it has. */
const timeFields = ['issuedAtMs', 'signedAtMs', 'windowStartMs', 'receivedAtMs', 'atMs', 'paidAtMs'];
const partyFields = [
  'buyerOrganisationId',
  'sellerOrganisationId',
  'payerOrganisationId',
  'payeeOrganisationId',
  'depositorOrganisationId',
  'warehouseOrganisationId',
  'shipperOrganisationId',
  'consigneeOrganisationId',
  'carrierOrganisationId',
];

/** A record's id, by its type's id field. Every FlowStore keys records by (type, id). */
export function flowRecordId<T extends FlowCsvRecordType>(recordType: T, record: FlowCsvRecords[T]): string {
  return String((record as Record<string, unknown>)[idField[recordType]]);
}

/** A record's main time, UTC ms (issued, signed, window start, received, at, paid: the first it has). */
export function flowRecordTimeMs(record: object): number | undefined {
  const fields = record as Record<string, unknown>;
  return timeFields.map((field) => fields[field]).find((value): value is number => typeof value === 'number');
}

/** The organisations a record names (buyer, seller, payer, payee, depositor, warehouse, shipper, consignee, carrier), once each. */
export function flowRecordOrganisationIds(record: object): string[] {
  const fields = record as Record<string, unknown>;
  return [...new Set(partyFields.map((field) => fields[field]).filter((id): id is string => typeof id === 'string'))];
}

/**
 * A record's canonical text for the duplicate test: keys sorted, bigints tagged, undefined fields
 * left out, so a record read back from any store compares equal to the one written.
 */
export function flowRecordFingerprint(value: unknown): string {
  const sort = (item: unknown): unknown => {
    if (typeof item === 'bigint') return `${item}n`;
    if (Array.isArray(item)) return item.map(sort);
    if (item === null || typeof item !== 'object') return item;
    return Object.fromEntries(
      Object.entries(item)
        .filter(([, field]) => field !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([key, field]) => [key, sort(field)]),
    );
  };
  return JSON.stringify(sort(value));
}

/** The error a store throws when a different record already holds the id. */
export class FlowStoreConflictError extends Error {
  override name = 'FlowStoreConflictError';
}

/** An in-memory {@link FlowStore} for embedded use and tests (records are kept as given; no I/O). */
export function createMemoryFlowStore(): FlowStore {
  const tables = new Map<FlowCsvRecordType, Map<string, unknown>>();
  return {
    async put(recordType, record) {
      const table = tables.get(recordType) ?? new Map<string, unknown>();
      tables.set(recordType, table);
      const id = flowRecordId(recordType, record);
      const existing = table.get(id);
      if (existing !== undefined) {
        if (flowRecordFingerprint(existing) === flowRecordFingerprint(record)) return 'duplicate';
        throw new FlowStoreConflictError(`a different ${recordType} with id ${id} is already stored`);
      }
      table.set(id, structuredClone(record));
      return 'stored';
    },
    async list(recordType, query) {
      const table = tables.get(recordType) ?? new Map<string, unknown>();
      const result = [...table.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, record]) => record as Record<string, unknown>)
        .filter((record) => {
          if (query.organisationId !== undefined && !flowRecordOrganisationIds(record).includes(query.organisationId)) {
            return false;
          }
          const time = flowRecordTimeMs(record) as number;
          if (query.fromMs !== undefined && time < query.fromMs) return false;
          if (query.toMs !== undefined && time >= query.toMs) return false;
          return true;
        });
      return structuredClone(result) as never;
    },
  };
}
