import {
  type FlowCsvRecords,
  type FlowCsvRecordType,
  type FlowRecordQuery,
  type FlowStore,
  FlowStoreConflictError,
} from '@fieldproof/finance';
import { assert } from '@fieldproof/protocol';
import type { Kysely } from 'kysely';
import { decodeDocument, encodeDocument } from './finance-codec.ts';
import type { FinanceDatabase, FinanceStoreDialect } from './finance-database.ts';

// The same id, time and party fields as the in-memory FlowStore (finance/src/flows/flow-store.ts);
// the contract test runs both stores on the same records to keep them in step.
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

/** Canonical text of a record for the duplicate test: keys sorted, bigints tagged, undefined fields left out. */
function canonical(value: unknown): string {
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

/**
 * The four flows' records in the cloud store: one table keyed by (record type, id) with the
 * record's main time, and one row per organisation the record names (buyer, seller, payer, payee,
 * depositor, warehouse, shipper, consignee, carrier), indexed by organisation, type and time for
 * the reconciliation queries. `put` is insert-if-absent in one statement, so two writers of one id
 * cannot both store: an identical record (canonically equal) is `duplicate`, a different one throws
 * FlowStoreConflictError, as the in-memory store does.
 */
export function createKyselyFlowStore(db: Kysely<FinanceDatabase>, _dialect: FinanceStoreDialect): FlowStore {
  return {
    async put(recordType, record) {
      const fields = record as unknown as Record<string, unknown>;
      const recordId = String(fields[idField[recordType]]);
      const atMs = timeFields.map((field) => fields[field]).find((value) => typeof value === 'number');
      assert(typeof atMs === 'number', `a ${recordType} record has a main time`);
      const organisationIds = [
        ...new Set(partyFields.map((field) => fields[field]).filter((id): id is string => typeof id === 'string')),
      ];
      return db.transaction().execute(async (tx) => {
        const inserted = await tx
          .insertInto('finance_flow_record')
          .values({ record_type: recordType, record_id: recordId, at_ms: atMs, document: encodeDocument(record) })
          .onConflict((conflict) => conflict.columns(['record_type', 'record_id']).doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) {
          if (organisationIds.length > 0) {
            await tx
              .insertInto('finance_flow_party')
              .values(
                organisationIds.map((organisationId) => ({
                  organisation_id: organisationId,
                  record_type: recordType,
                  record_id: recordId,
                  at_ms: atMs,
                })),
              )
              .execute();
          }
          return 'stored' as const;
        }
        const existing = await tx
          .selectFrom('finance_flow_record')
          .select('document')
          .where('record_type', '=', recordType)
          .where('record_id', '=', recordId)
          .executeTakeFirstOrThrow();
        if (canonical(decodeDocument(existing.document)) === canonical(record)) return 'duplicate' as const;
        throw new FlowStoreConflictError(`a different ${recordType} with id ${recordId} is already stored`);
      });
    },
    async list<T extends FlowCsvRecordType>(recordType: T, query: FlowRecordQuery): Promise<FlowCsvRecords[T][]> {
      let select = db
        .selectFrom('finance_flow_record')
        .select('finance_flow_record.document')
        .where('finance_flow_record.record_type', '=', recordType);
      if (query.organisationId !== undefined) {
        select = select
          .innerJoin('finance_flow_party', (join) =>
            join
              .onRef('finance_flow_party.record_type', '=', 'finance_flow_record.record_type')
              .onRef('finance_flow_party.record_id', '=', 'finance_flow_record.record_id'),
          )
          .where('finance_flow_party.organisation_id', '=', query.organisationId);
      }
      if (query.fromMs !== undefined) select = select.where('finance_flow_record.at_ms', '>=', query.fromMs);
      if (query.toMs !== undefined) select = select.where('finance_flow_record.at_ms', '<', query.toMs);
      const rows = await select.orderBy('finance_flow_record.record_id').execute();
      return rows.map((row) => decodeDocument<FlowCsvRecords[T]>(row.document));
    },
  };
}
