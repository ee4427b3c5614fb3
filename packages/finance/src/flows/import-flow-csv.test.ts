import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { importFlowCsv } from './import-flow-csv.ts';
import { parseCsv } from './parse-csv.ts';

describe('parseCsv', () => {
  it('reads quotes, doubled quotes, commas and line breaks inside quotes, CRLF and a byte-order mark', () => {
    const text = '\uFEFFa,b,c\r\n1,"x, ""y""",3\r\n\r\n4,"multi\nline",\n';
    expect(parseCsv(text)).toEqual({
      rows: [
        { rowNumber: 1, fields: ['a', 'b', 'c'] },
        { rowNumber: 2, fields: ['1', 'x, "y"', '3'] },
        { rowNumber: 3, fields: ['4', 'multi\nline', ''] },
      ],
      unterminatedQuoteRowNumber: undefined,
    });
  });

  it('reports an unterminated quote and keeps the rows before it', () => {
    expect(parseCsv('a,b\n1,2\n3,"open\n')).toEqual({
      rows: [
        { rowNumber: 1, fields: ['a', 'b'] },
        { rowNumber: 2, fields: ['1', '2'] },
      ],
      unterminatedQuoteRowNumber: 3,
    });
  });
});

const paymentHeader =
  'paymentId,payerOrganisationId,payeeOrganisationId,payerAccountId,payeeAccountId,amountMinor,currency,paidAtMs,invoiceIds';

describe('importFlowCsv', () => {
  it('keeps the good payment rows and pins each bad one to its row, column and code', () => {
    const text = [
      paymentHeader,
      'pay-1,buyer,seller,acc-b,acc-s,1130000,CNY,1767225600000,inv-1;inv-2',
      'pay-2,buyer,seller,acc-b,acc-s,12.50,CNY,1767225600000,', // decimal amount refused
      'pay-3,buyer,seller,acc-b,acc-s,500,cny,2026-01-01T08:00:00+08:00,', // lower-case currency
      'pay-4,buyer,seller,acc-b,acc-s,500,CNY,2026-01-01 08:00,', // no zone
      'pay-5,buyer,seller,acc-b,acc-s,500,CNY,2026-01-01T08:00:00+08:00,inv-9',
      'pay-6,buyer,seller,acc-b,acc-s', // too few fields
      'pay-1,buyer,seller,acc-b,acc-s,1,CNY,1767225600000,', // the id of row 2 again
    ].join('\n');
    const result = importFlowCsv({}, { recordType: 'payment', text });
    expect(result.records.map((record) => record.paymentId)).toEqual(['pay-1', 'pay-5']);
    expect(result.records[0]).toEqual({
      paymentId: 'pay-1',
      payerOrganisationId: 'buyer',
      payeeOrganisationId: 'seller',
      payerAccountId: 'acc-b',
      payeeAccountId: 'acc-s',
      amountMinor: 1_130_000n,
      currency: 'CNY',
      paidAtMs: 1_767_225_600_000,
      invoiceIds: ['inv-1', 'inv-2'],
    });
    // 2026-01-01T08:00+08:00 is 2026-01-01T00:00Z = 1,767,225,600,000 ms.
    expect(result.records[1]?.paidAtMs).toBe(1_767_225_600_000);
    expect(result.errors.map(({ rowNumber, column, code }) => ({ rowNumber, column, code }))).toEqual([
      { rowNumber: 3, column: 'amountMinor', code: 'csv_value_invalid' },
      { rowNumber: 4, column: 'currency', code: 'csv_schema_invalid' },
      { rowNumber: 5, column: 'paidAtMs', code: 'csv_value_invalid' },
      { rowNumber: 7, column: undefined, code: 'csv_row_width' },
      { rowNumber: 8, column: 'paymentId', code: 'csv_id_duplicate' },
    ]);
  });

  const invoiceHeader =
    'invoiceId,number,sellerOrganisationId,buyerOrganisationId,purchaseOrderId,issuedAtMs,currency,totalAmountMinor,lineNumber,purchaseOrderLineNumber,itemCode,description,quantity,unit,unitPriceMinor';

  it('groups invoice lines by invoice id and rejects a whole invoice when one line is bad, naming every row', () => {
    const text = [
      invoiceHeader,
      'inv-1,0001,seller,buyer,po-1,1767225600000,CNY,1130000,1,1,STEEL,"Coil, hot-rolled",100,kg,10000',
      'inv-2,0002,seller,buyer,po-1,1767225600000,CNY,500,1,1,STEEL,Coil,0,kg,10000', // quantity 0
      'inv-1,0001,seller,buyer,po-1,1767225600000,CNY,1130000,2,,FREIGHT,,1,lot,130000',
      'inv-2,0002,seller,buyer,po-1,1767225600000,CNY,500,2,,FREIGHT,,1,lot,500',
      'inv-3,0003,seller,buyer,,1767225600000,CNY,100,1,,A,,1,kg,100',
      'inv-3,0003,seller,OTHER,,1767225600000,CNY,100,2,,B,,1,kg,100', // buyer differs between rows
      'inv-4,0004,seller,buyer,,1767225600000,CNY,100,1,,A,,1,kg,100',
      'inv-4,0004,seller,buyer,,1767225600000,CNY,100,1,,B,,1,kg,100', // line 1 twice
    ].join('\r\n');
    const result = importFlowCsv({}, { recordType: 'invoice', text });
    expect(result.records).toHaveLength(1);
    expect(result.records[0]).toMatchObject({
      invoiceId: 'inv-1',
      totalAmountMinor: 1_130_000n,
      lines: [
        {
          lineNumber: 1,
          purchaseOrderLineNumber: 1,
          description: 'Coil, hot-rolled',
          quantity: 100,
          unitPriceMinor: 10_000n,
        },
        { lineNumber: 2, itemCode: 'FREIGHT', description: '', quantity: 1, unit: 'lot', unitPriceMinor: 130_000n },
      ],
    });
    expect(result.records[0]?.lines[1]).not.toHaveProperty('purchaseOrderLineNumber');
    expect(result.errors.map(({ rowNumber, column, code }) => ({ rowNumber, column, code }))).toEqual([
      { rowNumber: 3, column: 'quantity', code: 'csv_schema_invalid' },
      { rowNumber: 5, column: undefined, code: 'csv_document_rejected' },
      { rowNumber: 6, column: undefined, code: 'csv_document_rejected' },
      { rowNumber: 7, column: 'buyerOrganisationId', code: 'csv_document_inconsistent' },
      { rowNumber: 8, column: undefined, code: 'csv_document_rejected' },
      { rowNumber: 9, column: 'lineNumber', code: 'csv_line_duplicate' },
    ]);
  });

  it('reports a missing required column on row 1 and rejects every data row, losing none silently', () => {
    const result = importFlowCsv({}, { recordType: 'payment', text: 'paymentId,amountMinor\npay-1,5\npay-2,6\n' });
    expect(result.records).toEqual([]);
    expect(result.errors.filter((error) => error.rowNumber === 1).map((error) => error.column)).toEqual([
      'currency',
      'paidAtMs',
      'payeeAccountId',
      'payeeOrganisationId',
      'payerAccountId',
      'payerOrganisationId',
    ]);
    expect(result.errors.filter((error) => error.rowNumber > 1).map((error) => error.code)).toEqual([
      'csv_document_rejected',
      'csv_document_rejected',
    ]);
  });

  it('reads a warehouse receipt and a shipment with its geofences', () => {
    const receipts = importFlowCsv(
      {},
      {
        recordType: 'warehouse_receipt',
        text: 'warehouseReceiptId,number,warehouseOrganisationId,depositorOrganisationId,siteId,receivedAtMs,lineNumber,itemCode,quantity,unit,weightGrams\nwr-1,WR1,wh,borrower,site-1,1767225600000,1,CU,1000,kg,1000000\n',
      },
    );
    expect(receipts.errors).toEqual([]);
    expect(receipts.records[0]?.lines[0]?.weightGrams).toBe(1_000_000);
    const shipments = importFlowCsv(
      {},
      {
        recordType: 'shipment',
        text: 'shipmentId,waybillNumber,shipperOrganisationId,consigneeOrganisationId,carrierOrganisationId,trackerDeviceId,originLat,originLon,originRadiusMetres,destinationLat,destinationLon,destinationRadiusMetres,windowStartMs,windowEndMs,lineNumber,itemCode,quantity,unit\nsh-1,WB1,s,b,c,gps-1,29.87,121.55,1000,30.27,120.15,1000,100,50,1,CU,1,kg\n',
      },
    );
    // windowEndMs 50 is before windowStartMs 100: the schema's refinement names the column.
    expect(shipments.records).toEqual([]);
    expect(shipments.errors.map(({ rowNumber, column, code }) => ({ rowNumber, column, code }))).toEqual([
      { rowNumber: 2, column: 'windowEndMs', code: 'csv_schema_invalid' },
    ]);
  });

  it('accounts for every data row: each becomes part of a record or carries an error (property)', () => {
    const row = fc.record({
      id: fc.integer({ min: 1, max: 50 }),
      amount: fc.oneof(fc.nat({ max: 10_000 }).map(String), fc.constantFrom('', '1.5', 'x', '-3')),
      currency: fc.constantFrom('CNY', 'USD', 'cny', ''),
    });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 30 }), (rows) => {
        const text = [
          paymentHeader,
          ...rows.map((r) => `pay-${r.id},a,b,acc-a,acc-b,${r.amount},${r.currency},1000,`),
        ].join('\n');
        const result = importFlowCsv({}, { recordType: 'payment', text });
        const rowsWithErrors = new Set(result.errors.map((error) => error.rowNumber));
        expect(result.records.length + rowsWithErrors.size).toBe(rows.length);
        // Hand rule: a row imports exactly when its amount is a positive whole number, its currency valid, and no
        // earlier row of the same id was imported.
        const valid = rows.filter(
          (r) => /^\d+$/.test(r.amount) && Number(r.amount) > 0 && /^[A-Z]{3}$/.test(r.currency),
        );
        expect(result.records.map((record) => record.paymentId)).toEqual([...new Set(valid.map((r) => `pay-${r.id}`))]);
      }),
    );
  });
});
