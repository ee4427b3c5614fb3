import { compareText, type Finding, makeFinding, sortFindings } from './finding.ts';
import { checkUniqueIds, FlowError } from './flow-error.ts';
import type { Invoice } from './records.ts';

/** China Standard Time (UTC+8), the zone in which Chinese invoices print their date. */
export const chinaStandardTimeOffsetMinutes = 480;

/** Parameters of {@link findDuplicateInvoices}. */
export interface FindDuplicateInvoicesParameters {
  /** Invoices to compare with each other (e.g. one seller's, or everything a bank financed). */
  invoices: readonly Invoice[];
  /** Offset of the zone whose calendar day counts as the invoice date, minutes east of UTC (default 480, UTC+8). */
  timeZoneOffsetMinutes?: number;
}

/** Result of {@link findDuplicateInvoices}. */
export interface FindDuplicateInvoicesResult {
  /** Groups of invoice ids that are the same invoice, each sorted; groups sorted by their first id. */
  duplicateGroups: string[][];
  /** One `invoice.duplicate` finding per group, sorted by id. */
  findings: Finding[];
}

/**
 * Text as a comparison key: Unicode NFKC (full-width letters and digits become ASCII), lower case,
 * punctuation and spaces removed. So "ＳＴＥＥＬ  coil-A" and "steel coil a" compare equal.
 */
export function normaliseText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\p{P}\p{S}\p{Z}\s]+/gu, '');
}

/** The calendar day number (days since 1970-01-01) of `atMs` in a zone `offsetMinutes` east of UTC. */
export function calendarDay(atMs: number, offsetMinutes: number): number {
  return Math.floor((atMs + offsetMinutes * 60_000) / 86_400_000);
}

/**
 * The duplicate check that the three-way match misses: the same invoice submitted again, or under
 * another number. Two invoices are the same when seller, buyer, currency, total, invoice date
 * (calendar day in the given zone) and the multiset of lines (normalised item code and
 * description, quantity, unit, unit price) agree; the invoice number is deliberately ignored.
 * Precondition: invoice ids are unique (else `flow_document_duplicate_id`).
 */
export function findDuplicateInvoices(
  _deps: Record<string, never>,
  parameters: FindDuplicateInvoicesParameters,
): FindDuplicateInvoicesResult {
  const offsetMinutes = parameters.timeZoneOffsetMinutes ?? chinaStandardTimeOffsetMinutes;
  if (!Number.isInteger(offsetMinutes) || Math.abs(offsetMinutes) > 14 * 60) {
    throw new FlowError('flow_parameter_invalid', 'timeZoneOffsetMinutes must be whole minutes within ±840', {
      timeZoneOffsetMinutes: offsetMinutes,
    });
  }
  checkUniqueIds('invoice', parameters.invoices, (invoice) => invoice.invoiceId);
  const groups = new Map<string, Invoice[]>();
  for (const invoice of parameters.invoices) {
    const lines = invoice.lines
      .map((line) =>
        JSON.stringify([
          normaliseText(line.itemCode),
          normaliseText(line.description),
          line.quantity,
          normaliseText(line.unit),
          String(line.unitPriceMinor),
        ]),
      )
      .sort();
    const key = JSON.stringify([
      invoice.sellerOrganisationId,
      invoice.buyerOrganisationId,
      invoice.currency,
      String(invoice.totalAmountMinor),
      calendarDay(invoice.issuedAtMs, offsetMinutes),
      lines,
    ]);
    const group = groups.get(key) ?? [];
    group.push(invoice);
    groups.set(key, group);
  }
  const duplicateGroups: string[][] = [];
  const findings: Finding[] = [];
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    group.sort((a, b) => compareText(a.invoiceId, b.invoiceId));
    const ids = group.map((invoice) => invoice.invoiceId);
    duplicateGroups.push(ids);
    const first = group[0] as Invoice;
    const numbers = group.map((invoice) => invoice.number);
    const renumbered = new Set(numbers.map(normaliseText)).size > 1;
    findings.push(
      makeFinding({
        type: 'invoice.duplicate',
        severity: 'high',
        subjectIds: ids,
        message: `Invoices ${numbers.join(', ')} from ${first.sellerOrganisationId} to ${first.buyerOrganisationId} carry the same date, amount and lines${renumbered ? ' under different numbers' : ''}: the same invoice may be financed twice.`,
        evidence: ids.map((id) => ({ kind: 'document' as const, id })),
        details: { totalAmountMinor: String(first.totalAmountMinor), renumbered, count: group.length },
      }),
    );
  }
  duplicateGroups.sort((a, b) => compareText(a[0] as string, b[0] as string));
  return { duplicateGroups, findings: sortFindings(findings) };
}
