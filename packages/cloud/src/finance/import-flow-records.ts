import {
  ContractSchema,
  type FlowCsvRecordType,
  FlowStoreConflictError,
  GoodsMovementSchema,
  InvoiceSchema,
  importFlowCsv,
  PaymentSchema,
  PurchaseOrderSchema,
  ShipmentSchema,
  WarehouseReceiptSchema,
} from '@fieldproof/finance';
import type * as z from 'zod';
import type { FinanceServices } from './finance-services.ts';

/** Most records one import takes. */
export const flowRecordsPerImportMax = 10_000;

const schemas: Record<FlowCsvRecordType, z.ZodType> = {
  purchase_order: PurchaseOrderSchema,
  contract: ContractSchema,
  invoice: InvoiceSchema,
  shipment: ShipmentSchema,
  warehouse_receipt: WarehouseReceiptSchema,
  goods_movement: GoodsMovementSchema,
  payment: PaymentSchema,
};

/** The record types an import may carry. */
export const flowRecordTypes = Object.keys(schemas) as FlowCsvRecordType[];

/** One refused row: 1-based row (a CSV's header is row 1; a JSON array's first item is row 1). */
export interface FlowImportRowError {
  /** The row. */
  rowNumber: number;
  /** The column or field path, when one is to blame. */
  column: string | undefined;
  /** Stable code. */
  code: string;
  /** What to fix. */
  message: string;
}

/**
 * Records of one type, as CSV text or as JSON objects (money as decimal strings in fields ending
 * `Minor`). `organisationsAllowed`: when given, a record must name at least one of these
 * organisations in an `…OrganisationId` field (a bank imports its borrowers' trade, not another
 * bank's); other rows are refused `organisation_forbidden`.
 */
export type ImportFlowRecordsParameters = {
  recordType: FlowCsvRecordType;
  organisationsAllowed?: ReadonlySet<string>;
} & ({ csv: string } | { records: readonly unknown[] });

/** The organisations a flow record names (its `…OrganisationId` fields). */
export function organisationsOfFlowRecord(record: unknown): string[] {
  if (record === null || typeof record !== 'object') return [];
  return Object.entries(record)
    .filter(([key, value]) => key.endsWith('OrganisationId') && typeof value === 'string')
    .map(([, value]) => value as string);
}

/** What was stored and what was refused. */
export interface ImportFlowRecordsResult {
  /** Records stored now. */
  stored: number;
  /** Records already stored identically (a re-sent file). */
  duplicates: number;
  /** Refused rows with their reasons; the other rows are stored. */
  errors: FlowImportRowError[];
}

/** JSON has no bigint: a decimal string in a field named `…Minor` becomes one. */
function withBigintMoney(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withBigintMoney);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      key.endsWith('Minor') && typeof item === 'string' && /^[0-9]{1,30}$/.test(item)
        ? BigInt(item)
        : withBigintMoney(item),
    ]),
  );
}

/**
 * Import four-flow records (purchase orders, contracts, invoices, shipments, warehouse receipts,
 * goods movements, payments) into the flow store, row by row: a bad row is reported with its
 * number, column and code and the good rows are stored; a row whose id holds a different record
 * is refused with `flow_record_conflict`.
 */
export async function importFlowRecords(
  services: FinanceServices,
  parameters: ImportFlowRecordsParameters,
): Promise<ImportFlowRecordsResult> {
  const errors: FlowImportRowError[] = [];
  let rows: { rowNumber: number; record: unknown }[];
  if ('csv' in parameters) {
    const parsed = importFlowCsv({}, { recordType: parameters.recordType, text: parameters.csv });
    errors.push(...parsed.errors);
    rows = parsed.records.map((record) => ({ rowNumber: 0, record }));
  } else {
    rows = [];
    parameters.records.forEach((raw, index) => {
      const parsed = schemas[parameters.recordType].safeParse(withBigintMoney(raw));
      if (parsed.success) rows.push({ rowNumber: index + 1, record: parsed.data });
      else {
        const issue = parsed.error.issues[0];
        errors.push({
          rowNumber: index + 1,
          column: issue?.path.join('.') || undefined,
          code: 'flow_record_invalid',
          message: issue?.message ?? 'invalid',
        });
      }
    });
  }
  let stored = 0;
  let duplicates = 0;
  const allowed = parameters.organisationsAllowed;
  for (const row of rows) {
    const named = organisationsOfFlowRecord(row.record);
    if (allowed && !named.some((organisationId) => allowed.has(organisationId))) {
      errors.push({
        rowNumber: row.rowNumber,
        column: undefined,
        code: 'organisation_forbidden',
        message: `the record names none of your organisation's parties (${named.join(', ') || 'no organisation'})`,
      });
      continue;
    }
    try {
      const status = await services.flows.put(parameters.recordType, row.record as never);
      if (status === 'stored') stored++;
      else duplicates++;
    } catch (error) {
      if (!(error instanceof FlowStoreConflictError)) throw error;
      errors.push({
        rowNumber: row.rowNumber,
        column: undefined,
        code: 'flow_record_conflict',
        message: error.message,
      });
    }
  }
  return { stored, duplicates, errors: errors.sort((a, b) => a.rowNumber - b.rowNumber) };
}
