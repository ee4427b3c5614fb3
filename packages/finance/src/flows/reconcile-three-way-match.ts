import { assert } from '@fieldproof/protocol';
import { compareText, type Finding, type FindingEvidence, makeFinding, sortFindings } from './finding.ts';
import { checkBasisPoints, checkUniqueIds } from './flow-error.ts';
import type { Contract, Invoice, PurchaseOrder, WarehouseReceipt } from './records.ts';

/** Parameters of {@link reconcileThreeWayMatch}. */
export interface ReconcileThreeWayMatchParameters {
  /** Purchase orders (commercial flow). */
  purchaseOrders: readonly PurchaseOrder[];
  /** Warehouse receipts (logistics flow); lines name the PO line they receive. */
  warehouseReceipts: readonly WarehouseReceipt[];
  /** Invoices (document flow); lines name the PO line they bill. */
  invoices: readonly Invoice[];
  /** Contracts the orders are placed under; when given, each order naming a contract is checked against it. */
  contracts?: readonly Contract[];
  /** Allowed excess of received over ordered, and of invoiced over received, in basis points (200 = 2%). */
  quantityToleranceBasisPoints: number;
  /** Allowed deviation of an invoice unit price from the PO unit price, either way, in basis points. */
  priceToleranceBasisPoints: number;
}

/** Where one purchase-order line stands. */
export interface PurchaseOrderLineStatus {
  /** The order. */
  purchaseOrderId: string;
  /** The line. */
  lineNumber: number;
  /** Ordered quantity. */
  orderedQuantity: number;
  /** Sum of received quantities over all receipts naming this line. */
  receivedQuantity: number;
  /** Sum of invoiced quantities over all invoices naming this line. */
  invoicedQuantity: number;
  /** `none` nothing received; `partial` less than ordered less tolerance; `complete` otherwise. */
  deliveryState: 'none' | 'partial' | 'complete';
}

/** Result of {@link reconcileThreeWayMatch}. */
export interface ReconcileThreeWayMatchResult {
  /** One status per PO line, sorted by order id then line number. */
  lineStatuses: PurchaseOrderLineStatus[];
  /** Every mismatch, sorted by finding id. */
  findings: Finding[];
}

const document = (id: string): FindingEvidence => ({ kind: 'document', id });

/**
 * The three-way match: joins purchase orders, warehouse receipts and invoices on PO id and PO line
 * number, and reports parties, currencies, quantities and prices that disagree. Partial deliveries
 * are normal (a line may be received and invoiced in several parts); only excess is a finding.
 *
 * Tolerances are exact integer comparisons with no rounding: received is over when
 * `received × 10000 > ordered × (10000 + tolerance)`; a price is off when
 * `|invoiced − ordered| × 10000 > ordered × tolerance`.
 * Precondition: ids are unique per kind (else `flow_document_duplicate_id`). The result does not
 * depend on the order of the inputs.
 */
export function reconcileThreeWayMatch(
  _deps: Record<string, never>,
  parameters: ReconcileThreeWayMatchParameters,
): ReconcileThreeWayMatchResult {
  checkBasisPoints('quantityToleranceBasisPoints', parameters.quantityToleranceBasisPoints);
  checkBasisPoints('priceToleranceBasisPoints', parameters.priceToleranceBasisPoints);
  const quantityTolerance = BigInt(parameters.quantityToleranceBasisPoints);
  const priceTolerance = BigInt(parameters.priceToleranceBasisPoints);
  checkUniqueIds('purchase order', parameters.purchaseOrders, (order) => order.purchaseOrderId);
  checkUniqueIds('warehouse receipt', parameters.warehouseReceipts, (receipt) => receipt.warehouseReceiptId);
  checkUniqueIds('invoice', parameters.invoices, (invoice) => invoice.invoiceId);

  const findings: Finding[] = [];
  const orders = new Map(parameters.purchaseOrders.map((order) => [order.purchaseOrderId, order]));
  if (parameters.contracts) findings.push(...checkContracts(parameters.contracts, parameters.purchaseOrders));
  interface LineTally {
    received: bigint;
    invoiced: bigint;
    receiptIds: Set<string>;
    invoiceIds: Set<string>;
  }
  const tallies = new Map<string, LineTally>();
  const lineKey = (orderId: string, lineNumber: number) => `${orderId}#${lineNumber}`;
  for (const order of parameters.purchaseOrders) {
    for (const line of order.lines) {
      tallies.set(lineKey(order.purchaseOrderId, line.lineNumber), {
        received: 0n,
        invoiced: 0n,
        receiptIds: new Set(),
        invoiceIds: new Set(),
      });
    }
  }

  const receipts = [...parameters.warehouseReceipts].sort((a, b) =>
    compareText(a.warehouseReceiptId, b.warehouseReceiptId),
  );
  for (const receipt of receipts) {
    if (receipt.purchaseOrderId === undefined) continue; // a deposit without an order is not part of this match
    const order = orders.get(receipt.purchaseOrderId);
    if (!order) {
      findings.push(
        makeFinding({
          type: 'flow.purchase_order_missing',
          severity: 'medium',
          subjectIds: [receipt.warehouseReceiptId],
          message: `Warehouse receipt ${receipt.number} names purchase order ${receipt.purchaseOrderId}, which is not on file.`,
          evidence: [document(receipt.warehouseReceiptId)],
          details: { purchaseOrderId: receipt.purchaseOrderId },
        }),
      );
      continue;
    }
    if (receipt.depositorOrganisationId !== order.buyerOrganisationId) {
      findings.push(
        makeFinding({
          type: 'flow.party_mismatch',
          severity: 'high',
          subjectIds: [receipt.warehouseReceiptId, order.purchaseOrderId],
          message: `Warehouse receipt ${receipt.number} is held for ${receipt.depositorOrganisationId}, but purchase order ${order.number} was placed by ${order.buyerOrganisationId}.`,
          evidence: [document(receipt.warehouseReceiptId), document(order.purchaseOrderId)],
          details: {
            depositorOrganisationId: receipt.depositorOrganisationId,
            buyerOrganisationId: order.buyerOrganisationId,
          },
        }),
      );
    }
    for (const line of receipt.lines) {
      const orderLine = order.lines.find((candidate) => candidate.lineNumber === line.purchaseOrderLineNumber);
      if (!orderLine || orderLine.unit !== line.unit || orderLine.itemCode !== line.itemCode) {
        findings.push(unknownLine(receipt.warehouseReceiptId, receipt.number, line, order));
        continue;
      }
      const tally = tallies.get(lineKey(order.purchaseOrderId, orderLine.lineNumber));
      assert(tally, 'every PO line has a tally');
      tally.received += BigInt(line.quantity);
      tally.receiptIds.add(receipt.warehouseReceiptId);
    }
  }

  const invoices = [...parameters.invoices].sort((a, b) => compareText(a.invoiceId, b.invoiceId));
  for (const invoice of invoices) {
    const lineSumMinor = invoice.lines.reduce((sum, line) => sum + BigInt(line.quantity) * line.unitPriceMinor, 0n);
    if (lineSumMinor !== invoice.totalAmountMinor) {
      findings.push(
        makeFinding({
          type: 'flow.invoice_total_mismatch',
          severity: 'medium',
          subjectIds: [invoice.invoiceId],
          message: `Invoice ${invoice.number} prints a total of ${invoice.totalAmountMinor} minor units, but its lines add up to ${lineSumMinor}.`,
          evidence: [document(invoice.invoiceId)],
          details: { totalAmountMinor: String(invoice.totalAmountMinor), lineSumMinor: String(lineSumMinor) },
        }),
      );
    }
    const order = invoice.purchaseOrderId === undefined ? undefined : orders.get(invoice.purchaseOrderId);
    if (!order) {
      findings.push(
        makeFinding({
          type: 'flow.purchase_order_missing',
          severity: 'medium',
          subjectIds: [invoice.invoiceId],
          message: `Invoice ${invoice.number} cannot be matched: ${invoice.purchaseOrderId === undefined ? 'it names no purchase order' : `purchase order ${invoice.purchaseOrderId} is not on file`}.`,
          evidence: [document(invoice.invoiceId)],
          details: { purchaseOrderId: invoice.purchaseOrderId ?? '' },
        }),
      );
      continue;
    }
    if (
      invoice.sellerOrganisationId !== order.sellerOrganisationId ||
      invoice.buyerOrganisationId !== order.buyerOrganisationId
    ) {
      findings.push(
        makeFinding({
          type: 'flow.party_mismatch',
          severity: 'high',
          subjectIds: [invoice.invoiceId, order.purchaseOrderId],
          message: `Invoice ${invoice.number} is from ${invoice.sellerOrganisationId} to ${invoice.buyerOrganisationId}, but purchase order ${order.number} is from ${order.buyerOrganisationId} to ${order.sellerOrganisationId}.`,
          evidence: [document(invoice.invoiceId), document(order.purchaseOrderId)],
          details: {
            invoiceSellerOrganisationId: invoice.sellerOrganisationId,
            invoiceBuyerOrganisationId: invoice.buyerOrganisationId,
            orderSellerOrganisationId: order.sellerOrganisationId,
            orderBuyerOrganisationId: order.buyerOrganisationId,
          },
        }),
      );
    }
    const currencyAgrees = invoice.currency === order.currency;
    if (!currencyAgrees) {
      findings.push(
        makeFinding({
          type: 'flow.currency_mismatch',
          severity: 'high',
          subjectIds: [invoice.invoiceId, order.purchaseOrderId],
          message: `Invoice ${invoice.number} is in ${invoice.currency} but purchase order ${order.number} is in ${order.currency}; prices were not compared.`,
          evidence: [document(invoice.invoiceId), document(order.purchaseOrderId)],
          details: { invoiceCurrency: invoice.currency, orderCurrency: order.currency },
        }),
      );
    }
    for (const line of invoice.lines) {
      const orderLine = order.lines.find((candidate) => candidate.lineNumber === line.purchaseOrderLineNumber);
      if (!orderLine || orderLine.unit !== line.unit || orderLine.itemCode !== line.itemCode) {
        findings.push(unknownLine(invoice.invoiceId, invoice.number, line, order));
        continue;
      }
      const tally = tallies.get(lineKey(order.purchaseOrderId, orderLine.lineNumber));
      assert(tally, 'every PO line has a tally');
      tally.invoiced += BigInt(line.quantity);
      tally.invoiceIds.add(invoice.invoiceId);
      if (!currencyAgrees) continue;
      const differenceMinor = line.unitPriceMinor - orderLine.unitPriceMinor;
      const absoluteDifferenceMinor = differenceMinor < 0n ? -differenceMinor : differenceMinor;
      if (absoluteDifferenceMinor * 10_000n > orderLine.unitPriceMinor * priceTolerance) {
        findings.push(
          makeFinding({
            type: 'flow.price_mismatch',
            severity: 'medium',
            subjectIds: [invoice.invoiceId, order.purchaseOrderId],
            message: `Invoice ${invoice.number} line ${line.lineNumber} bills ${line.unitPriceMinor} per ${line.unit}; purchase order ${order.number} line ${orderLine.lineNumber} agreed ${orderLine.unitPriceMinor} (tolerance ${parameters.priceToleranceBasisPoints} bp).`,
            evidence: [document(invoice.invoiceId), document(order.purchaseOrderId)],
            details: {
              invoiceLineNumber: line.lineNumber,
              purchaseOrderLineNumber: orderLine.lineNumber,
              invoicedUnitPriceMinor: String(line.unitPriceMinor),
              orderedUnitPriceMinor: String(orderLine.unitPriceMinor),
            },
          }),
        );
      }
    }
  }

  const lineStatuses: PurchaseOrderLineStatus[] = [];
  const sortedOrders = [...parameters.purchaseOrders].sort((a, b) => compareText(a.purchaseOrderId, b.purchaseOrderId));
  for (const order of sortedOrders) {
    const lines = [...order.lines].sort((a, b) => a.lineNumber - b.lineNumber);
    for (const line of lines) {
      const tally = tallies.get(lineKey(order.purchaseOrderId, line.lineNumber));
      assert(tally, 'every PO line has a tally');
      const ordered = BigInt(line.quantity);
      const evidence = [
        document(order.purchaseOrderId),
        ...[...tally.receiptIds].map(document),
        ...[...tally.invoiceIds].map(document),
      ];
      if (tally.received * 10_000n > ordered * (10_000n + quantityTolerance)) {
        findings.push(
          makeFinding({
            type: 'flow.over_received',
            severity: 'medium',
            subjectIds: [order.purchaseOrderId, ...tally.receiptIds],
            message: `Purchase order ${order.number} line ${line.lineNumber} ordered ${ordered} ${line.unit} but ${tally.received} were received (tolerance ${parameters.quantityToleranceBasisPoints} bp).`,
            evidence,
            details: { lineNumber: line.lineNumber, ordered: String(ordered), received: String(tally.received) },
          }),
        );
      }
      if (tally.invoiced * 10_000n > tally.received * (10_000n + quantityTolerance)) {
        findings.push(
          makeFinding({
            type: 'flow.invoiced_not_received',
            severity: 'high',
            subjectIds: [order.purchaseOrderId, ...tally.invoiceIds],
            message: `Purchase order ${order.number} line ${line.lineNumber}: ${tally.invoiced} ${line.unit} invoiced but only ${tally.received} received (tolerance ${parameters.quantityToleranceBasisPoints} bp).`,
            evidence,
            details: {
              lineNumber: line.lineNumber,
              invoiced: String(tally.invoiced),
              received: String(tally.received),
            },
          }),
        );
      }
      const deliveryState =
        tally.received === 0n
          ? 'none'
          : tally.received * 10_000n >= ordered * (10_000n - quantityTolerance)
            ? 'complete'
            : 'partial';
      lineStatuses.push({
        purchaseOrderId: order.purchaseOrderId,
        lineNumber: line.lineNumber,
        orderedQuantity: line.quantity,
        receivedQuantity: Number(tally.received),
        invoicedQuantity: Number(tally.invoiced),
        deliveryState,
      });
    }
  }
  return { lineStatuses, findings: sortFindings(findings) };
}

function unknownLine(
  documentId: string,
  documentNumber: string,
  line: { lineNumber: number; purchaseOrderLineNumber?: number | undefined; itemCode: string; unit: string },
  order: PurchaseOrder,
): Finding {
  const orderLine = order.lines.find((candidate) => candidate.lineNumber === line.purchaseOrderLineNumber);
  const reason =
    line.purchaseOrderLineNumber === undefined
      ? 'names no purchase-order line'
      : !orderLine
        ? `names line ${line.purchaseOrderLineNumber}, which purchase order ${order.number} does not have`
        : `is ${line.itemCode} in ${line.unit}, but the order line is ${orderLine.itemCode} in ${orderLine.unit}`;
  return makeFinding({
    type: 'flow.line_unknown',
    severity: 'medium',
    subjectIds: [documentId, order.purchaseOrderId],
    message: `Document ${documentNumber} line ${line.lineNumber} ${reason}.`,
    evidence: [document(documentId), document(order.purchaseOrderId)],
    details: { lineNumber: line.lineNumber },
  });
}

/** Orders against their contracts: the contract exists, binds the same parties, was in force, and is not overdrawn. */
function checkContracts(contracts: readonly Contract[], purchaseOrders: readonly PurchaseOrder[]): Finding[] {
  checkUniqueIds('contract', contracts, (contract) => contract.contractId);
  const byId = new Map(contracts.map((contract) => [contract.contractId, contract]));
  const findings: Finding[] = [];
  const ordered = new Map<string, { amount: bigint; orderIds: string[] }>();
  const sortedOrders = [...purchaseOrders].sort((a, b) => compareText(a.purchaseOrderId, b.purchaseOrderId));
  for (const order of sortedOrders) {
    if (order.contractId === undefined) continue;
    const contract = byId.get(order.contractId);
    const evidence = [document(order.purchaseOrderId), document(order.contractId)];
    if (!contract) {
      findings.push(
        makeFinding({
          type: 'flow.contract_missing',
          severity: 'medium',
          subjectIds: [order.purchaseOrderId],
          message: `Purchase order ${order.number} is placed under contract ${order.contractId}, which is not on file.`,
          evidence: [document(order.purchaseOrderId)],
          details: { contractId: order.contractId },
        }),
      );
      continue;
    }
    if (
      contract.buyerOrganisationId !== order.buyerOrganisationId ||
      contract.sellerOrganisationId !== order.sellerOrganisationId
    ) {
      findings.push(
        makeFinding({
          type: 'flow.party_mismatch',
          severity: 'high',
          subjectIds: [order.purchaseOrderId, contract.contractId],
          message: `Purchase order ${order.number} is between ${order.buyerOrganisationId} and ${order.sellerOrganisationId}, but contract ${contract.number} binds ${contract.buyerOrganisationId} and ${contract.sellerOrganisationId}.`,
          evidence,
          details: { contractId: contract.contractId },
        }),
      );
    }
    if (order.issuedAtMs < contract.signedAtMs || order.issuedAtMs >= contract.validUntilMs) {
      findings.push(
        makeFinding({
          type: 'flow.contract_out_of_term',
          severity: 'medium',
          subjectIds: [order.purchaseOrderId, contract.contractId],
          message: `Purchase order ${order.number} was issued at ${order.issuedAtMs}, outside contract ${contract.number}'s term [${contract.signedAtMs}, ${contract.validUntilMs}).`,
          evidence,
          details: {
            issuedAtMs: order.issuedAtMs,
            signedAtMs: contract.signedAtMs,
            validUntilMs: contract.validUntilMs,
          },
        }),
      );
    }
    if (order.currency !== contract.currency) {
      findings.push(
        makeFinding({
          type: 'flow.currency_mismatch',
          severity: 'high',
          subjectIds: [order.purchaseOrderId, contract.contractId],
          message: `Purchase order ${order.number} is in ${order.currency} but contract ${contract.number} is in ${contract.currency}.`,
          evidence,
          details: { orderCurrency: order.currency, contractCurrency: contract.currency },
        }),
      );
      continue;
    }
    const tally = ordered.get(contract.contractId) ?? { amount: 0n, orderIds: [] };
    tally.amount += order.lines.reduce((sum, line) => sum + BigInt(line.quantity) * line.unitPriceMinor, 0n);
    tally.orderIds.push(order.purchaseOrderId);
    ordered.set(contract.contractId, tally);
  }
  for (const [contractId, tally] of ordered) {
    const contract = byId.get(contractId);
    if (!contract || tally.amount <= contract.totalAmountMinor) continue;
    findings.push(
      makeFinding({
        type: 'flow.contract_exceeded',
        severity: 'medium',
        subjectIds: [contractId, ...tally.orderIds],
        message: `Orders under contract ${contract.number} add up to ${tally.amount} minor units, over its value of ${contract.totalAmountMinor}.`,
        evidence: [document(contractId), ...tally.orderIds.map(document)],
        details: { orderedAmountMinor: String(tally.amount), contractAmountMinor: String(contract.totalAmountMinor) },
      }),
    );
  }
  return findings;
}
