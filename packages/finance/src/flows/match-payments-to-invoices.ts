import { compareText, type Finding, type FindingEvidence, makeFinding, sortFindings } from './finding.ts';
import { checkUniqueIds } from './flow-error.ts';
import type { Invoice, Payment } from './records.ts';

/** Parameters of {@link matchPaymentsToInvoices}. */
export interface MatchPaymentsToInvoicesParameters {
  /** Invoices that may be paid. */
  invoices: readonly Invoice[];
  /** Payments, each naming the invoices it settles. */
  payments: readonly Payment[];
}

/** Where one invoice stands after allocation. */
export interface InvoicePaymentStatus {
  /** The invoice. */
  invoiceId: string;
  /** Its total, minor units. */
  totalAmountMinor: bigint;
  /** Allocated to it from payments, minor units. */
  paidAmountMinor: bigint;
  /** Total less paid, never below zero. */
  outstandingAmountMinor: bigint;
  /** `unpaid`, `partially_paid` or `paid` (paid in full or over). */
  state: 'unpaid' | 'partially_paid' | 'paid';
  /** The payments allocated to it, sorted. */
  paymentIds: string[];
}

/** Result of {@link matchPaymentsToInvoices}. */
export interface MatchPaymentsToInvoicesResult {
  /** One status per invoice, sorted by invoice id. */
  statuses: InvoicePaymentStatus[];
  /** Findings sorted by id. */
  findings: Finding[];
}

const document = (id: string): FindingEvidence => ({ kind: 'document', id });

/**
 * The capital leg of the four flows: payments against the invoices they name. Money must come from
 * the invoice's buyer and go to its seller (a third party paying is how circular funds hide), in
 * the invoice's currency. A payment naming several invoices is allocated to them oldest first
 * (issuedAtMs, then id), each up to its outstanding amount; payments are taken in (paidAtMs, id)
 * order. Whatever is left of a payment once all its invoices are full is an overpayment, put on
 * its last invoice and flagged. Exact bigint arithmetic; the result does not depend on input order.
 */
export function matchPaymentsToInvoices(
  _deps: Record<string, never>,
  parameters: MatchPaymentsToInvoicesParameters,
): MatchPaymentsToInvoicesResult {
  checkUniqueIds('invoice', parameters.invoices, (invoice) => invoice.invoiceId);
  checkUniqueIds('payment', parameters.payments, (payment) => payment.paymentId);
  const invoices = new Map(parameters.invoices.map((invoice) => [invoice.invoiceId, invoice]));
  const paid = new Map<string, { amount: bigint; paymentIds: Set<string> }>(
    parameters.invoices.map((invoice) => [invoice.invoiceId, { amount: 0n, paymentIds: new Set() }]),
  );
  const findings: Finding[] = [];
  const payments = [...parameters.payments].sort(
    (a, b) => a.paidAtMs - b.paidAtMs || compareText(a.paymentId, b.paymentId),
  );
  for (const payment of payments) {
    const named: Invoice[] = [];
    for (const invoiceId of [...new Set(payment.invoiceIds)].sort(compareText)) {
      const invoice = invoices.get(invoiceId);
      if (!invoice) {
        findings.push(
          makeFinding({
            type: 'flow.payment_invoice_unknown',
            severity: 'medium',
            subjectIds: [payment.paymentId],
            message: `Payment ${payment.paymentId} names invoice ${invoiceId}, which is not on file.`,
            evidence: [document(payment.paymentId)],
            details: { invoiceId },
          }),
        );
        continue;
      }
      if (
        payment.payerOrganisationId !== invoice.buyerOrganisationId ||
        payment.payeeOrganisationId !== invoice.sellerOrganisationId
      ) {
        findings.push(
          makeFinding({
            type: 'flow.payment_party_mismatch',
            severity: 'high',
            subjectIds: [payment.paymentId, invoice.invoiceId],
            message: `Payment ${payment.paymentId} goes from ${payment.payerOrganisationId} to ${payment.payeeOrganisationId}, but invoice ${invoice.number} is owed by ${invoice.buyerOrganisationId} to ${invoice.sellerOrganisationId}.`,
            evidence: [document(payment.paymentId), document(invoice.invoiceId)],
            details: {
              payerOrganisationId: payment.payerOrganisationId,
              payeeOrganisationId: payment.payeeOrganisationId,
              buyerOrganisationId: invoice.buyerOrganisationId,
              sellerOrganisationId: invoice.sellerOrganisationId,
            },
          }),
        );
        continue;
      }
      if (payment.currency !== invoice.currency) {
        findings.push(
          makeFinding({
            type: 'flow.currency_mismatch',
            severity: 'high',
            subjectIds: [payment.paymentId, invoice.invoiceId],
            message: `Payment ${payment.paymentId} is in ${payment.currency} but invoice ${invoice.number} is in ${invoice.currency}.`,
            evidence: [document(payment.paymentId), document(invoice.invoiceId)],
            details: { paymentCurrency: payment.currency, invoiceCurrency: invoice.currency },
          }),
        );
        continue;
      }
      named.push(invoice);
    }
    named.sort((a, b) => a.issuedAtMs - b.issuedAtMs || compareText(a.invoiceId, b.invoiceId));
    let remaining = payment.amountMinor;
    for (const invoice of named) {
      const tally = paid.get(invoice.invoiceId);
      if (!tally) continue;
      const outstanding = invoice.totalAmountMinor > tally.amount ? invoice.totalAmountMinor - tally.amount : 0n;
      const share = remaining < outstanding ? remaining : outstanding;
      if (share > 0n) tally.paymentIds.add(payment.paymentId);
      tally.amount += share;
      remaining -= share;
    }
    const last = named.at(-1);
    if (remaining > 0n && last) {
      const tally = paid.get(last.invoiceId);
      if (tally) {
        tally.amount += remaining;
        tally.paymentIds.add(payment.paymentId);
      }
    }
  }
  const statuses: InvoicePaymentStatus[] = [];
  for (const invoice of [...parameters.invoices].sort((a, b) => compareText(a.invoiceId, b.invoiceId))) {
    const tally = paid.get(invoice.invoiceId) ?? { amount: 0n, paymentIds: new Set<string>() };
    const paymentIds = [...tally.paymentIds].sort(compareText);
    const outstanding = invoice.totalAmountMinor > tally.amount ? invoice.totalAmountMinor - tally.amount : 0n;
    statuses.push({
      invoiceId: invoice.invoiceId,
      totalAmountMinor: invoice.totalAmountMinor,
      paidAmountMinor: tally.amount,
      outstandingAmountMinor: outstanding,
      state: tally.amount === 0n ? 'unpaid' : outstanding > 0n ? 'partially_paid' : 'paid',
      paymentIds,
    });
    if (tally.amount > invoice.totalAmountMinor) {
      findings.push(
        makeFinding({
          type: 'flow.invoice_overpaid',
          severity: 'medium',
          subjectIds: [invoice.invoiceId, ...paymentIds],
          message: `Invoice ${invoice.number} for ${invoice.totalAmountMinor} minor units received ${tally.amount}; the excess may be money sent round.`,
          evidence: [document(invoice.invoiceId), ...paymentIds.map(document)],
          details: { totalAmountMinor: String(invoice.totalAmountMinor), paidAmountMinor: String(tally.amount) },
        }),
      );
    }
  }
  return { statuses, findings: sortFindings(findings) };
}
