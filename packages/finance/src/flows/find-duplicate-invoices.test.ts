import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { calendarDay, findDuplicateInvoices, normaliseText } from './find-duplicate-invoices.ts';
import type { Invoice } from './records.ts';

const base: Invoice = {
  invoiceId: 'inv-1',
  number: '04411200',
  sellerOrganisationId: 'seller',
  buyerOrganisationId: 'buyer',
  issuedAtMs: Date.parse('2026-03-01T02:00:00Z'), // 10:00 in Beijing
  currency: 'CNY',
  totalAmountMinor: 1_130_000n,
  lines: [
    {
      lineNumber: 1,
      itemCode: 'STEEL-COIL',
      description: 'Hot-rolled coil, Q235',
      quantity: 100,
      unit: 'kg',
      unitPriceMinor: 10_000n,
    },
    { lineNumber: 2, itemCode: 'FREIGHT', description: 'Freight', quantity: 1, unit: 'lot', unitPriceMinor: 130_000n },
  ],
};

describe('normaliseText', () => {
  it('folds full-width letters, case, spaces and punctuation', () => {
    expect(normaliseText('ＨＯＴ－ＲＯＬＬＥＤ  Coil,  Q235')).toBe('hotrolledcoilq235');
    expect(normaliseText('Hot-rolled coil, Q235')).toBe('hotrolledcoilq235');
  });
});

describe('calendarDay', () => {
  it('puts 15:59Z and 16:01Z of one UTC day on different Beijing days (16:00Z is midnight at UTC+8)', () => {
    expect(calendarDay(Date.parse('2026-03-01T15:59:00Z'), 480)).toBe(
      calendarDay(Date.parse('2026-03-01T00:00:00Z'), 480),
    );
    expect(calendarDay(Date.parse('2026-03-01T16:01:00Z'), 480)).toBe(
      calendarDay(Date.parse('2026-03-01T15:59:00Z'), 480) + 1,
    );
  });
});

describe('findDuplicateInvoices', () => {
  it('finds the same invoice re-submitted under another number, with its lines reordered and re-typed', () => {
    const renumbered: Invoice = {
      ...base,
      invoiceId: 'inv-2',
      number: '04411299',
      issuedAtMs: Date.parse('2026-03-01T09:00:00Z'), // same Beijing day
      lines: [
        { ...base.lines[1]!, lineNumber: 1, description: 'FREIGHT.' },
        { ...base.lines[0]!, lineNumber: 2, description: 'ＨＯＴ－ＲＯＬＬＥＤ coil  Q235' },
      ],
    };
    const other: Invoice = { ...base, invoiceId: 'inv-3', number: '04411300', totalAmountMinor: 1_130_001n };
    const result = findDuplicateInvoices({}, { invoices: [renumbered, other, base] });
    expect(result.duplicateGroups).toEqual([['inv-1', 'inv-2']]);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]).toMatchObject({
      type: 'invoice.duplicate',
      severity: 'high',
      subjectIds: ['inv-1', 'inv-2'],
      details: { totalAmountMinor: '1130000', renumbered: true, count: 2 },
    });
  });

  it('does not pair invoices on different Beijing days, though the same UTC day', () => {
    const early = { ...base, issuedAtMs: Date.parse('2026-03-01T15:59:00Z') };
    const late = { ...base, invoiceId: 'inv-2', number: 'X', issuedAtMs: Date.parse('2026-03-01T16:01:00Z') };
    expect(findDuplicateInvoices({}, { invoices: [early, late] }).duplicateGroups).toEqual([]);
    expect(findDuplicateInvoices({}, { invoices: [early, late], timeZoneOffsetMinutes: 0 }).duplicateGroups).toEqual([
      ['inv-1', 'inv-2'],
    ]);
  });

  it('does not pair invoices whose quantities differ though totals agree', () => {
    const split: Invoice = {
      ...base,
      invoiceId: 'inv-2',
      lines: [{ ...base.lines[0]!, quantity: 50, unitPriceMinor: 20_000n }, base.lines[1]!],
    };
    expect(findDuplicateInvoices({}, { invoices: [base, split] }).findings).toEqual([]);
  });

  it('is independent of input order (property)', () => {
    const invoices = [
      base,
      { ...base, invoiceId: 'inv-2', number: 'B' },
      { ...base, invoiceId: 'inv-3', number: 'C', buyerOrganisationId: 'other' },
      { ...base, invoiceId: 'inv-4', number: 'D', buyerOrganisationId: 'other' },
    ];
    const baseline = findDuplicateInvoices({}, { invoices });
    expect(baseline.duplicateGroups).toEqual([
      ['inv-1', 'inv-2'],
      ['inv-3', 'inv-4'],
    ]);
    fc.assert(
      fc.property(fc.shuffledSubarray(invoices, { minLength: invoices.length }), (shuffled) => {
        expect(findDuplicateInvoices({}, { invoices: shuffled })).toEqual(baseline);
      }),
    );
  });
});
