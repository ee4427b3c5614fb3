import {
  type Alert,
  assessLoanToValue,
  defaultScorecard,
  type Loan,
  type PledgedLot,
  scoreBorrower,
} from '@fieldproof/finance';
import { FieldproofError } from '@fieldproof/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { JsonObjectSchema } from '../api/openapi-schemas.ts';
import { deviceAccessOf } from '../auth/device-access.ts';
import type { RequireReader } from '../auth/require-reader.ts';
import type { CloudContext } from '../context.ts';
import { type FinanceScope, partiesInScope, whereLoanInScope, whereLotInScope } from '../finance/finance-scope.ts';
import type { FinanceServices } from '../finance/finance-services.ts';
import { findFinanceFindings } from '../finance/find-finance-findings.ts';
import { flowRecordTypes } from '../finance/import-flow-records.ts';
import { jsonSafe } from '../finance/routes/json-safe.ts';
import { decodeDocument } from '../finance/stores/finance-codec.ts';
import type { FinanceDatabase } from '../finance/stores/finance-database.ts';
import { storeKysely } from '../storage/store-kysely.ts';

/** Most loans and lots one portfolio read returns (the console pages a larger book later). */
export const portfolioRowsMax = 5_000;
/** Most unresolved alerts counted by severity in one portfolio read. */
export const portfolioAlertsMax = 500;
/** Most readings one device read returns. */
export const deviceReadingsMax = 1_000;
/** Most IoT frames per device on a borrower's timeline. */
export const timelineFramesPerDeviceMax = 50;

const IdParams = z.object({ id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/) }).strict();
const ReadingsQuery = z.object({ limit: z.coerce.number().int().min(1).max(deviceReadingsMax).default(200) }).strict();

/** The four flows, by the record types that belong to each. */
const flowOfRecordType: Record<string, 'commercial' | 'logistics' | 'capital'> = {
  purchase_order: 'commercial',
  contract: 'commercial',
  invoice: 'commercial',
  shipment: 'logistics',
  warehouse_receipt: 'logistics',
  goods_movement: 'logistics',
  payment: 'capital',
};

/** One lot valued at the newest price of its commodity. */
export interface LotValuation {
  /** The lot as pledged. */
  lot: PledgedLot;
  /** The loan it secures, if known. */
  loanId: string;
  /** Loan outstanding against it, minor units (the loan's outstanding principal). */
  loanOutstandingMinor: bigint;
  /** Market and lending value and the LTV line, or null without a price in the lot's currency. */
  valuation: ReturnType<typeof assessLoanToValue> | null;
}

/** The alert list filter of a scope: a bank's or an enterprise's own alerts, everything for the platform. */
function alertScope(scope: FinanceScope): { organisationId?: string } {
  return scope.kind === 'all' ? {} : { organisationId: scope.organisationId };
}

/** A loan's principal still outstanding: the principal less every repayment's principal part. */
function outstandingPrincipalMinor(loan: Loan): bigint {
  if (loan.state !== 'disbursed') return loan.state === 'closed' ? 0n : loan.principalMinor;
  return loan.repayments.reduce((left, repayment) => left - repayment.principalMinor, loan.principalMinor);
}

/** The scope's loans, filtered in the query (finance-scope.ts), so the row limit counts only them. */
async function listLoans(services: FinanceServices, scope: FinanceScope): Promise<Loan[]> {
  const rows = await whereLoanInScope(
    storeKysely<FinanceDatabase>(services.store).selectFrom('finance_loan').select('document'),
    scope,
  )
    .orderBy('loan_id')
    .limit(portfolioRowsMax)
    .execute();
  return rows.map((row) => decodeDocument<Loan>(row.document));
}

/** The scope's lots, filtered in the query. */
async function listLots(services: FinanceServices, scope: FinanceScope): Promise<PledgedLot[]> {
  const rows = await whereLotInScope(
    storeKysely<FinanceDatabase>(services.store).selectFrom('finance_lot').select('document'),
    scope,
  )
    .orderBy('lot_id')
    .limit(portfolioRowsMax)
    .execute();
  return rows.map((row) => decodeDocument<PledgedLot>(row.document));
}

function valueLots(services: FinanceServices, lots: readonly PledgedLot[], loans: readonly Loan[]): LotValuation[] {
  const loanById = new Map(loans.map((loan) => [loan.loanId, loan]));
  return lots.map((lot) => {
    const loan = loanById.get(lot.loanId) ?? loans.find((each) => each.collateral.pledgeLotIds.includes(lot.lotId));
    const loanOutstandingMinor = loan
      ? outstandingPrincipalMinor(loan)
      : (services.lotLoanAmountMinor.get(lot.lotId) ?? 0n);
    const price = services.prices.findLast(
      (record) => record.commodity === lot.commodity && record.currency === lot.currency,
    );
    const valuation =
      price && lot.status === 'pledged'
        ? assessLoanToValue({
            loanOutstandingMinor,
            currency: lot.currency,
            quantityGrams: lot.quantityGrams,
            price,
            haircutBasisPoints: lot.haircutBasisPoints,
            lines: lot.lines,
          })
        : null;
    return { lot, loanId: loan?.loanId ?? lot.loanId, loanOutstandingMinor, valuation };
  });
}

function sumBy<Item>(items: readonly Item[], key: (item: Item) => string, amount: (item: Item) => bigint) {
  const sums = new Map<string, bigint>();
  for (const item of items) sums.set(key(item), (sums.get(key(item)) ?? 0n) + amount(item));
  return [...sums.entries()].map(([id, amountMinor]) => ({ id, amountMinor })).sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * The console's read API over the finance stores (the pages of issue 7): GET /v1/portfolio
 * (exposure by product and borrower, each lot's LTV, unresolved alerts by severity, anchor and
 * witness status), GET /v1/finance/loans, GET /v1/finance/lots (each valued), GET /v1/borrowers/:id
 * (the borrower 360: party, loans, lots, alerts, the four flows on one timeline, findings and a
 * credit score preview with its reasons), GET /v1/devices/:id/readings (a device's newest frames'
 * readings, for the operating charts). Each read is scoped to the caller's finance
 * (finance/finance-scope.ts; docs/access-control.md, "Finance").
 */
export async function portfolioRoutes(
  app: FastifyInstance,
  context: CloudContext,
  services: FinanceServices,
  requireReader: RequireReader,
): Promise<void> {
  app.get(
    '/v1/portfolio',
    {
      config: {
        openapi: {
          operationId: 'getPortfolio',
          summary: 'Exposure by product and borrower, LTV spread, alerts, anchor and witness status.',
          tags: ['console'],
          responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
        },
      },
    },
    async (request) => {
      requireReader(request);
      const scope = services.access.scopeOf(request);
      const loans = await listLoans(services, scope);
      const lots = valueLots(services, await listLots(services, scope), loans);
      const live = loans.filter((loan) => loan.state === 'disbursed');
      const unresolved: Alert[] = [];
      for (const state of ['open', 'acknowledged'] as const) {
        unresolved.push(
          ...(await context.alerts.list({ state, limit: portfolioAlertsMax, ...alertScope(scope) })).alerts,
        );
      }
      const alertsBySeverity = { low: 0, medium: 0, high: 0, critical: 0 };
      for (const alert of unresolved) alertsBySeverity[alert.severity] += 1;
      const checkpoint = await context.store.latestCheckpoint();
      return jsonSafe({
        currency: loans[0]?.currency ?? 'CNY',
        loanCount: loans.length,
        exposureByProduct: sumBy(live, (loan) => loan.product, outstandingPrincipalMinor),
        exposureByBorrower: sumBy(live, (loan) => loan.borrowerId, outstandingPrincipalMinor),
        lots: lots.map((valued) => ({
          lotId: valued.lot.lotId,
          siteId: valued.lot.siteId,
          pledgorId: valued.lot.pledgorId,
          loanId: valued.loanId,
          ltvBasisPoints: valued.valuation?.ltvBasisPoints ?? null,
          line: valued.valuation?.line ?? null,
        })),
        alertsBySeverity,
        log: {
          size: context.sequencer.size,
          checkpointSize: checkpoint?.size ?? 0,
          witnesses: await Promise.all(
            context.config.witnesses.map(async (witness) => ({
              name: witness.name,
              cosignedSize: await context.cosignatures.witnessSize(witness.name),
            })),
          ),
          witnessThreshold: context.config.witnessThreshold,
        },
        anchor: context.anchors
          ? { chainId: context.anchors.chainId, anchoredSize: await context.anchors.store.lastSettledSize() }
          : null,
      });
    },
  );

  app.get(
    '/v1/finance/loans',
    {
      config: {
        openapi: {
          operationId: 'listLoans',
          summary: 'Loans with their state and balances.',
          tags: ['loans'],
          responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
        },
      },
    },
    async (request) => {
      requireReader(request);
      return jsonSafe({ items: await listLoans(services, services.access.scopeOf(request)) });
    },
  );

  app.get(
    '/v1/finance/lots',
    {
      config: {
        openapi: {
          operationId: 'listLots',
          summary: 'Pledged lots with measured stock and LTV.',
          tags: ['collateral'],
          responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
        },
      },
    },
    async (request) => {
      requireReader(request);
      const scope = services.access.scopeOf(request);
      const loans = await listLoans(services, scope);
      return jsonSafe({ items: valueLots(services, await listLots(services, scope), loans) });
    },
  );

  app.get(
    '/v1/borrowers/:id',
    {
      config: {
        openapi: {
          operationId: 'getBorrower',
          summary: 'Borrower 360: credit dimensions, four flows, IoT features, findings.',
          tags: ['console'],
          responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
        },
      },
    },
    async (request) => {
      requireReader(request);
      const { id } = IdParams.parse(request.params);
      // Tenancy: a bank sees its borrowers (and of them, only its own loans, lots and alerts), an
      // enterprise itself; any other party, known or not, is refused and logged.
      const scope = services.access.scopeOf(request);
      const visible = await partiesInScope(services.store, scope);
      if (visible && !visible.has(id)) await services.access.refuse(request, id, `borrower:${id}`);
      const party = (await services.parties.listParties()).find((each) => each.partyId === id);
      if (!party) throw new FieldproofError('not_found', `no borrower ${id}`);
      const allLoans = await listLoans(services, scope);
      const loans = allLoans.filter((loan) => loan.borrowerId === id);
      const lots = valueLots(
        services,
        (await listLots(services, scope)).filter((lot) => lot.pledgorId === id),
        allLoans,
      );
      const deviceIds = [...new Set(lots.flatMap((valued) => valued.lot.monitoringDeviceIds))];
      const subjects = new Set<string>([
        id,
        ...loans.map((loan) => loan.loanId),
        ...lots.map((valued) => valued.lot.lotId),
        ...deviceIds,
      ]);
      const alerts = (await context.alerts.list({ limit: portfolioAlertsMax, ...alertScope(scope) })).alerts.filter(
        (alert) => subjects.has(alert.subjectId) || alert.organisationId === id,
      );
      const timeline: { flow: string; recordType: string; recordId: string; atMs: number }[] = [];
      for (const recordType of flowRecordTypes) {
        const records = await services.flows.list(recordType, { organisationId: id });
        for (const record of records) {
          const fields = record as unknown as Record<string, unknown>;
          const idField = Object.keys(fields).find((key) => key.endsWith('Id') && !key.includes('Organisation'));
          const atMs = ['issuedAtMs', 'signedAtMs', 'windowStartMs', 'receivedAtMs', 'atMs', 'paidAtMs']
            .map((key) => fields[key])
            .find((value): value is number => typeof value === 'number');
          if (atMs === undefined) continue;
          timeline.push({
            flow: flowOfRecordType[recordType] ?? 'commercial',
            recordType,
            recordId: String(idField ? fields[idField] : ''),
            atMs,
          });
        }
      }
      for (const deviceId of deviceIds) {
        // Frames are device data: the caller's organisation or a consent must cover each (device-access.ts).
        const frames = await deviceAccessOf(context).filter(
          request,
          await context.store.recentFrames(timelineFramesPerDeviceMax, deviceId),
          (frame) => ({ deviceId: frame.device_id, timeMs: frame.device_time_ms }),
          `borrower:${id}/timeline`,
        );
        for (const frame of frames) {
          timeline.push({ flow: 'information', recordType: 'frame', recordId: frame.id, atMs: frame.device_time_ms });
        }
      }
      timeline.sort((a, b) => a.atMs - b.atMs);
      const findings = await findFinanceFindings(services, { organisationId: id });
      // A preview on what the platform knows; an officer's scored decision is POST /v1/finance/credit/scores.
      const credit = scoreBorrower(
        { scorecard: defaultScorecard },
        {
          borrowerId: id,
          features: {
            yearsOperating: null,
            overdueCount24Months: null,
            relatedPartyFindings: findings.relatedParties.length,
            electricityIndex: null,
            operatingRateBasisPoints: null,
            stockTurnoverHundredths: null,
            outputTrendBasisPoints: null,
            onTimeDeliveryBasisPoints: null,
            fourFlowConsistencyBasisPoints: null,
          },
        },
      );
      return jsonSafe({ party, loans, lots, deviceIds, alerts, timeline, findings, credit });
    },
  );

  app.get(
    '/v1/devices/:id/readings',
    {
      config: {
        openapi: {
          operationId: 'listDeviceReadings',
          summary: "A device's recent readings (scoped by organisation and consent).",
          tags: ['frames'],
          responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
        },
      },
    },
    async (request) => {
      requireReader(request);
      const { id } = IdParams.parse(request.params);
      const { limit } = ReadingsQuery.parse(request.query);
      // Device data: the caller's organisation or a consent must cover it (docs/access-control.md).
      await deviceAccessOf(context).authorize(request, id, {}, `device:${id}/readings`);
      const items = [];
      for (const row of await context.store.recentFrames(limit, id)) {
        const frame = await context.store.frame(row.id);
        if (!frame) continue;
        // The stored body is the signed frame: the readings sit in its `frame`.
        const body = JSON.parse(frame.body) as { frame?: { readings?: unknown } };
        items.push({
          frameId: row.id,
          seq: row.seq,
          deviceTimeMs: row.device_time_ms,
          readings: body.frame?.readings ?? [],
        });
      }
      return { items: items.reverse() };
    },
  );
}
