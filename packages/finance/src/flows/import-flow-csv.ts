import type * as z from 'zod';
import { compareText } from './finding.ts';
import { FlowError } from './flow-error.ts';
import { parseCsv } from './parse-csv.ts';
import {
  type Contract,
  ContractSchema,
  type GoodsMovement,
  GoodsMovementSchema,
  type Invoice,
  InvoiceSchema,
  type Payment,
  PaymentSchema,
  type PurchaseOrder,
  PurchaseOrderSchema,
  type Shipment,
  ShipmentSchema,
  type WarehouseReceipt,
  WarehouseReceiptSchema,
} from './records.ts';

/** Most characters of CSV text one import accepts. */
export const csvCharactersMax = 20_000_000;
/** Most data rows one import accepts. */
export const csvRowsMax = 100_000;

/** Stable codes of per-row CSV errors. */
export type CsvRowErrorCode =
  /** The header lacks a required column (reported on row 1). */
  | 'csv_column_missing'
  /** The header names a column twice (reported on row 1). */
  | 'csv_column_duplicate'
  /** The row has a different number of fields from the header. */
  | 'csv_row_width'
  /** A quoted field is never closed; the rest of the file is unreadable. */
  | 'csv_quote_unterminated'
  /** A required value is empty. */
  | 'csv_value_missing'
  /** A value cannot be read as its type (integer, amount, time). */
  | 'csv_value_invalid'
  /** The assembled record breaks a rule of its schema. */
  | 'csv_schema_invalid'
  /** A document-level column differs between rows of one document. */
  | 'csv_document_inconsistent'
  /** Two rows of one document carry the same line number. */
  | 'csv_line_duplicate'
  /** A one-row record reuses the id of an earlier row (the earlier one is kept). */
  | 'csv_id_duplicate'
  /** The row is fine, but another row of its document failed, so the document was not imported. */
  | 'csv_document_rejected';

/** One error, pinned to a row and (when it has one) a column. */
export interface CsvRowError {
  /** 1-based record number in the file; the header is row 1. */
  rowNumber: number;
  /** The column, or undefined for a whole-row error. */
  column: string | undefined;
  /** Stable code. */
  code: CsvRowErrorCode;
  /** What is wrong, for the person who fixes the file. */
  message: string;
}

/** The record types a CSV file can carry, and the record each yields. */
export interface FlowCsvRecords {
  purchase_order: PurchaseOrder;
  contract: Contract;
  invoice: Invoice;
  shipment: Shipment;
  warehouse_receipt: WarehouseReceipt;
  goods_movement: GoodsMovement;
  payment: Payment;
}
/** One of the record types a CSV file can carry. */
export type FlowCsvRecordType = keyof FlowCsvRecords;

/** Parameters of {@link importFlowCsv}. */
export interface ImportFlowCsvParameters<T extends FlowCsvRecordType> {
  /** What the file holds. */
  recordType: T;
  /** The CSV text, header first. */
  text: string;
}

/** Result of {@link importFlowCsv}. */
export interface ImportFlowCsvResult<T extends FlowCsvRecordType> {
  /** Every valid record, in order of first appearance in the file. */
  records: FlowCsvRecords[T][];
  /** Every error, sorted by row number then column. */
  errors: CsvRowError[];
}

type ValueType = 'text' | 'integer' | 'number' | 'amount' | 'time' | 'list';
interface ColumnSpec {
  /** Column name in the header. */
  column: string;
  /** Where the value goes: a dotted path in the record (header columns) or in a line (line columns). */
  path: string;
  /** How to read it. */
  type: ValueType;
  /** May be empty. */
  optional?: boolean;
  /** Belongs to the line, not the document. */
  line?: boolean;
}
interface Layout {
  /** Column holding the document id that groups rows (line documents only). */
  groupColumn?: string;
  /** Column holding the record id of one-row records. */
  idColumn?: string;
  columns: ColumnSpec[];
  schema: z.ZodType;
}

const header = (column: string, type: ValueType, optional = false): ColumnSpec => ({
  column,
  path: column,
  type,
  optional,
});
const line = (column: string, type: ValueType, optional = false): ColumnSpec => ({
  column,
  path: column,
  type,
  optional,
  line: true,
});

const layouts: Record<FlowCsvRecordType, Layout> = {
  purchase_order: {
    groupColumn: 'purchaseOrderId',
    schema: PurchaseOrderSchema,
    columns: [
      header('purchaseOrderId', 'text'),
      header('number', 'text'),
      header('buyerOrganisationId', 'text'),
      header('sellerOrganisationId', 'text'),
      header('contractId', 'text', true),
      header('issuedAtMs', 'time'),
      header('currency', 'text'),
      line('lineNumber', 'integer'),
      line('itemCode', 'text'),
      line('description', 'text', true),
      line('quantity', 'integer'),
      line('unit', 'text'),
      line('unitPriceMinor', 'amount'),
    ],
  },
  contract: {
    idColumn: 'contractId',
    schema: ContractSchema,
    columns: [
      header('contractId', 'text'),
      header('number', 'text'),
      header('buyerOrganisationId', 'text'),
      header('sellerOrganisationId', 'text'),
      header('signedAtMs', 'time'),
      header('validUntilMs', 'time'),
      header('currency', 'text'),
      header('totalAmountMinor', 'amount'),
    ],
  },
  invoice: {
    groupColumn: 'invoiceId',
    schema: InvoiceSchema,
    columns: [
      header('invoiceId', 'text'),
      header('number', 'text'),
      header('sellerOrganisationId', 'text'),
      header('buyerOrganisationId', 'text'),
      header('purchaseOrderId', 'text', true),
      header('issuedAtMs', 'time'),
      header('currency', 'text'),
      header('totalAmountMinor', 'amount'),
      line('lineNumber', 'integer'),
      line('purchaseOrderLineNumber', 'integer', true),
      line('itemCode', 'text'),
      line('description', 'text', true),
      line('quantity', 'integer'),
      line('unit', 'text'),
      line('unitPriceMinor', 'amount'),
    ],
  },
  shipment: {
    groupColumn: 'shipmentId',
    schema: ShipmentSchema,
    columns: [
      header('shipmentId', 'text'),
      header('waybillNumber', 'text'),
      header('purchaseOrderId', 'text', true),
      header('shipperOrganisationId', 'text'),
      header('consigneeOrganisationId', 'text'),
      header('carrierOrganisationId', 'text'),
      header('trackerDeviceId', 'text'),
      { column: 'originLat', path: 'origin.lat', type: 'number' },
      { column: 'originLon', path: 'origin.lon', type: 'number' },
      { column: 'originRadiusMetres', path: 'origin.radiusMetres', type: 'number' },
      { column: 'destinationLat', path: 'destination.lat', type: 'number' },
      { column: 'destinationLon', path: 'destination.lon', type: 'number' },
      { column: 'destinationRadiusMetres', path: 'destination.radiusMetres', type: 'number' },
      header('windowStartMs', 'time'),
      header('windowEndMs', 'time'),
      line('lineNumber', 'integer'),
      line('purchaseOrderLineNumber', 'integer', true),
      line('itemCode', 'text'),
      line('quantity', 'integer'),
      line('unit', 'text'),
    ],
  },
  warehouse_receipt: {
    groupColumn: 'warehouseReceiptId',
    schema: WarehouseReceiptSchema,
    columns: [
      header('warehouseReceiptId', 'text'),
      header('number', 'text'),
      header('warehouseOrganisationId', 'text'),
      header('depositorOrganisationId', 'text'),
      header('siteId', 'text'),
      header('purchaseOrderId', 'text', true),
      header('receivedAtMs', 'time'),
      line('lineNumber', 'integer'),
      line('purchaseOrderLineNumber', 'integer', true),
      line('itemCode', 'text'),
      line('quantity', 'integer'),
      line('unit', 'text'),
      line('weightGrams', 'integer'),
    ],
  },
  goods_movement: {
    idColumn: 'goodsMovementId',
    schema: GoodsMovementSchema,
    columns: [
      header('goodsMovementId', 'text'),
      header('siteId', 'text'),
      header('direction', 'text'),
      header('itemCode', 'text'),
      header('quantity', 'integer'),
      header('unit', 'text'),
      header('weightGrams', 'integer'),
      header('atMs', 'time'),
      header('warehouseReceiptId', 'text', true),
      header('releaseOrderId', 'text', true),
    ],
  },
  payment: {
    idColumn: 'paymentId',
    schema: PaymentSchema,
    columns: [
      header('paymentId', 'text'),
      header('payerOrganisationId', 'text'),
      header('payeeOrganisationId', 'text'),
      header('payerAccountId', 'text'),
      header('payeeAccountId', 'text'),
      header('amountMinor', 'amount'),
      header('currency', 'text'),
      header('paidAtMs', 'time'),
      header('invoiceIds', 'list', true),
    ],
  },
};

/** The columns a CSV file of `recordType` must (or may) have, for templates and docs. */
export function csvColumns(recordType: FlowCsvRecordType): { column: string; optional: boolean }[] {
  return layouts[recordType].columns.map((spec) => ({ column: spec.column, optional: spec.optional === true }));
}

const isoTimePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Read one cell; `undefined` value means empty. Throws a message string when the value is unreadable. */
function readValue(type: ValueType, raw: string): unknown {
  const text = raw.trim();
  switch (type) {
    case 'text':
      return text;
    case 'list':
      return text === '' ? [] : text.split(';').map((item) => item.trim());
    case 'integer': {
      if (!/^-?\d+$/.test(text)) throw 'is not a whole number';
      const value = Number(text);
      if (!Number.isSafeInteger(value)) throw 'is too large';
      return value;
    }
    case 'number': {
      if (!/^-?\d+(\.\d+)?$/.test(text)) throw 'is not a decimal number';
      return Number(text);
    }
    case 'amount':
      // Minor units as a whole number: "12.50" is refused rather than guessed at.
      if (!/^-?\d+$/.test(text)) throw 'is not a whole number of minor units';
      return BigInt(text);
    case 'time': {
      if (/^\d+$/.test(text)) {
        const value = Number(text);
        if (!Number.isSafeInteger(value)) throw 'is too large';
        return value;
      }
      // A zone is required: a local time without one would depend on the importing machine.
      if (!isoTimePattern.test(text)) throw 'is neither UTC ms nor an ISO 8601 time with a zone (Z or ±hh:mm)';
      const value = Date.parse(text);
      if (Number.isNaN(value)) throw 'is not a valid date';
      return value;
    }
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = (node[part] ?? {}) as Record<string, unknown>;
    node[part] = next;
    node = next;
  }
  node[parts[parts.length - 1] as string] = value;
}

/**
 * Import one CSV file of flow records: a pure parser from text to validated records, with one error
 * per bad cell or row (row number, column, code). Flat types (contract, goods movement, payment)
 * are one record per row, and a bad row never costs a good one. Documents with lines (purchase
 * order, invoice, shipment, warehouse receipt) take one row per line, grouped by their id column,
 * with document columns repeated on each row; such a document is all or nothing — a bad line
 * rejects it, and its other rows are reported as `csv_document_rejected` — because a document
 * missing a line would reconcile wrongly. Every data row therefore ends in a record or an error.
 * Amounts are whole minor units; times are UTC ms or ISO 8601 with an explicit zone; lists are `;`-separated.
 * Throws `flow_csv_too_large` above {@link csvCharactersMax} characters or {@link csvRowsMax} rows.
 */
export function importFlowCsv<T extends FlowCsvRecordType>(
  _deps: Record<string, never>,
  parameters: ImportFlowCsvParameters<T>,
): ImportFlowCsvResult<T> {
  if (parameters.text.length > csvCharactersMax) {
    throw new FlowError('flow_csv_too_large', `the CSV text is over ${csvCharactersMax} characters`, {
      characters: parameters.text.length,
    });
  }
  const layout = layouts[parameters.recordType];
  const errors: CsvRowError[] = [];
  const parsed = parseCsv(parameters.text);
  if (parsed.rows.length - 1 > csvRowsMax) {
    throw new FlowError('flow_csv_too_large', `the CSV has over ${csvRowsMax} data rows`, {
      rows: parsed.rows.length - 1,
    });
  }
  if (parsed.unterminatedQuoteRowNumber !== undefined) {
    errors.push({
      rowNumber: parsed.unterminatedQuoteRowNumber,
      column: undefined,
      code: 'csv_quote_unterminated',
      message: 'a quoted field starts here and is never closed; this row and the rest of the file were not read',
    });
  }
  const [headerRow, ...dataRows] = parsed.rows;
  if (!headerRow) return { records: [], errors: sortErrors(errors) };
  const headerNames = headerRow.fields.map((name) => name.trim());
  const columnIndex = new Map<string, number>();
  headerNames.forEach((name, index) => {
    if (columnIndex.has(name)) {
      errors.push({
        rowNumber: 1,
        column: name,
        code: 'csv_column_duplicate',
        message: `column ${name} appears twice`,
      });
    }
    columnIndex.set(name, index);
  });
  for (const spec of layout.columns) {
    if (!spec.optional && !columnIndex.has(spec.column)) {
      errors.push({
        rowNumber: 1,
        column: spec.column,
        code: 'csv_column_missing',
        message: `the header has no ${spec.column} column`,
      });
    }
  }
  if (errors.some((error) => error.rowNumber === 1)) {
    // Without the header nothing can be read; say so for every row so none is silently dropped.
    for (const row of dataRows) {
      errors.push({
        rowNumber: row.rowNumber,
        column: undefined,
        code: 'csv_document_rejected',
        message: 'the header is unusable',
      });
    }
    return { records: [], errors: sortErrors(errors) };
  }

  interface ReadRow {
    rowNumber: number;
    values: Map<ColumnSpec, unknown>;
    raw: Map<string, string>;
    ok: boolean;
  }
  const readRows: ReadRow[] = [];
  for (const row of dataRows) {
    const readRow: ReadRow = { rowNumber: row.rowNumber, values: new Map(), raw: new Map(), ok: true };
    readRows.push(readRow);
    if (row.fields.length !== headerNames.length) {
      errors.push({
        rowNumber: row.rowNumber,
        column: undefined,
        code: 'csv_row_width',
        message: `the row has ${row.fields.length} fields but the header has ${headerNames.length}`,
      });
      readRow.ok = false;
      continue;
    }
    for (const spec of layout.columns) {
      const index = columnIndex.get(spec.column);
      const raw = index === undefined ? '' : (row.fields[index] ?? '');
      readRow.raw.set(spec.column, raw);
      if (raw.trim() === '') {
        if (spec.optional) {
          // An empty list is a list; an empty description is text. Other optional fields are left out.
          if (spec.type === 'list') readRow.values.set(spec, []);
          else if (spec.column === 'description') readRow.values.set(spec, '');
          continue;
        }
        errors.push({
          rowNumber: row.rowNumber,
          column: spec.column,
          code: 'csv_value_missing',
          message: `${spec.column} is empty`,
        });
        readRow.ok = false;
        continue;
      }
      try {
        readRow.values.set(spec, readValue(spec.type, raw));
      } catch (problem) {
        errors.push({
          rowNumber: row.rowNumber,
          column: spec.column,
          code: 'csv_value_invalid',
          message: `${spec.column} ${JSON.stringify(raw)} ${String(problem)}`,
        });
        readRow.ok = false;
      }
    }
  }

  // Group rows into documents (one row each for flat types), in order of first appearance.
  const groups = new Map<string, ReadRow[]>();
  for (const [position, readRow] of readRows.entries()) {
    const key =
      layout.groupColumn === undefined ? `#${position}` : `=${readRow.raw.get(layout.groupColumn)?.trim() ?? ''}`;
    const group = groups.get(key) ?? [];
    group.push(readRow);
    groups.set(key, group);
  }

  const records: FlowCsvRecords[T][] = [];
  const idRows = new Map<string, number>();
  const columnOfPath = new Map(layout.columns.map((spec) => [spec.path, spec.column]));
  for (const group of groups.values()) {
    const first = group[0] as ReadRow;
    let groupOk = group.every((readRow) => readRow.ok);
    const record: Record<string, unknown> = {};
    const lines: Record<string, unknown>[] = [];
    if (groupOk) {
      for (const spec of layout.columns) {
        if (spec.line) continue;
        if (first.values.has(spec)) setPath(record, spec.path, first.values.get(spec));
        for (const other of group.slice(1)) {
          if ((other.raw.get(spec.column) ?? '').trim() !== (first.raw.get(spec.column) ?? '').trim()) {
            errors.push({
              rowNumber: other.rowNumber,
              column: spec.column,
              code: 'csv_document_inconsistent',
              message: `${spec.column} differs from row ${first.rowNumber} of the same document`,
            });
            other.ok = false;
            groupOk = false;
          }
        }
      }
      if (layout.groupColumn !== undefined) {
        const lineNumbers = new Map<unknown, number>();
        for (const readRow of group) {
          const lineRecord: Record<string, unknown> = {};
          for (const spec of layout.columns) {
            if (spec.line && readRow.values.has(spec)) setPath(lineRecord, spec.path, readRow.values.get(spec));
          }
          const earlier = lineNumbers.get(lineRecord.lineNumber);
          if (earlier !== undefined) {
            errors.push({
              rowNumber: readRow.rowNumber,
              column: 'lineNumber',
              code: 'csv_line_duplicate',
              message: `line ${String(lineRecord.lineNumber)} already appears on row ${earlier}`,
            });
            readRow.ok = false;
            groupOk = false;
          }
          lineNumbers.set(lineRecord.lineNumber, readRow.rowNumber);
          lines.push(lineRecord);
        }
        record.lines = lines;
      }
    }
    if (groupOk) {
      const result = layout.schema.safeParse(record);
      if (result.success) {
        const id = layout.idColumn === undefined ? undefined : (first.raw.get(layout.idColumn) ?? '').trim();
        const earlierRow = id === undefined ? undefined : idRows.get(id);
        if (id !== undefined && earlierRow !== undefined) {
          errors.push({
            rowNumber: first.rowNumber,
            column: layout.idColumn,
            code: 'csv_id_duplicate',
            message: `${id} was already imported from row ${earlierRow}`,
          });
          continue;
        }
        if (id !== undefined) idRows.set(id, first.rowNumber);
        records.push(result.data as FlowCsvRecords[T]);
        continue;
      }
      for (const issue of result.error.issues) {
        const [head, lineIndex, ...rest] = issue.path.map(String);
        const inLine = head === 'lines' && lineIndex !== undefined && /^\d+$/.test(lineIndex);
        const target = inLine ? (group[Number(lineIndex)] ?? first) : first;
        const path = inLine ? rest.join('.') : issue.path.map(String).join('.');
        target.ok = false;
        errors.push({
          rowNumber: target.rowNumber,
          column: columnOfPath.get(path),
          code: 'csv_schema_invalid',
          message: `${path || 'record'}: ${issue.message}`,
        });
      }
    }
    for (const readRow of group) {
      if (readRow.ok) {
        errors.push({
          rowNumber: readRow.rowNumber,
          column: undefined,
          code: 'csv_document_rejected',
          message: 'this row is valid, but another row of its document is not, so the document was not imported',
        });
      }
    }
  }
  return { records, errors: sortErrors(errors) };
}

function sortErrors(errors: CsvRowError[]): CsvRowError[] {
  return errors.sort(
    (a, b) => a.rowNumber - b.rowNumber || compareText(a.column ?? '', b.column ?? '') || compareText(a.code, b.code),
  );
}
