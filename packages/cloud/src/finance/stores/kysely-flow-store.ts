import {
  type FlowCsvRecords,
  type FlowCsvRecordType,
  type FlowRecordQuery,
  type FlowStore,
  FlowStoreConflictError,
  flowRecordFingerprint,
  flowRecordId,
  flowRecordOrganisationIds,
  flowRecordTimeMs,
} from '@fieldproof/finance';
import { assert } from '@fieldproof/protocol';
import type { Kysely } from 'kysely';
import { decodeDocument, encodeDocument } from './finance-codec.ts';
import type { FinanceDatabase, FinanceStoreDialect } from './finance-database.ts';

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
      const recordId = flowRecordId(recordType, record);
      const atMs = flowRecordTimeMs(record);
      assert(typeof atMs === 'number', `a ${recordType} record has a main time`);
      const organisationIds = flowRecordOrganisationIds(record);
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
        if (flowRecordFingerprint(decodeDocument(existing.document)) === flowRecordFingerprint(record))
          return 'duplicate' as const;
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
