import type { FastifyInstance, FastifyRequest } from 'fastify';
import * as z from 'zod';
import { JsonObjectSchema } from '../../api/openapi-schemas.ts';
import { applyLoan } from '../apply-loan.ts';
import { approveLoanStep } from '../approve-loan-step.ts';
import { assessLoanStep } from '../assess-loan-step.ts';
import { disburseLoanStep } from '../disburse-loan-step.ts';
import { loanInScope, loanWritable } from '../finance-scope.ts';
import type { FinanceServices } from '../finance-services.ts';
import { getLoanView } from '../loan-view.ts';
import { repayLoanStep } from '../repay-loan-step.ts';
import { scoreCredit } from '../score-credit.ts';
import { jsonSafe } from './json-safe.ts';

const idSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/);
const minorSchema = z.string().regex(/^[0-9]{1,30}$/, 'a non-negative integer of minor units, as digits');
const evidenceSchema = z
  .object({ kind: z.enum(['frame', 'decision', 'document']), id: z.string().min(1).max(200) })
  .strict();

const ApplyBodySchema = z
  .object({
    loanId: idSchema,
    borrowerId: idSchema,
    lenderId: idSchema,
    product: z.enum(['inventory_pledge', 'receivables', 'order']),
    currency: z.string().regex(/^[A-Z]{3}$/),
    principalMinor: minorSchema,
    annualRateBasisPoints: z.number().int().min(0).max(10_000),
    penaltyAnnualRateBasisPoints: z.number().int().min(0).max(10_000),
    termMonths: z.number().int().min(1).max(120),
    repaymentMethod: z.enum(['equal_instalments', 'equal_principal', 'interest_only_bullet']),
    collateral: z
      .object({
        pledgeLotIds: z.array(idSchema).max(1_000).default([]),
        claimId: idSchema.nullable().default(null),
        orderIds: z.array(idSchema).max(1_000).default([]),
      })
      .strict(),
    enteredById: idSchema,
  })
  .strict();
const AssessBodySchema = z
  .object({
    assessorId: idSchema,
    recommendation: z.enum(['recommend', 'decline']),
    inputs: z.array(evidenceSchema).max(1_000).default([]),
  })
  .strict();
const ApproveBodySchema = z.object({ approverId: idSchema }).strict();
const DisburseBodySchema = z.object({ actorId: idSchema, firstDueAtMs: z.number().int().min(0) }).strict();
/** The reading kinds a credit score's IoT features read (energy counters, else integrated power). */
const creditIotReadingKinds = ['energy', 'power'];
const featureSchema = z.number().int().nullable().default(null);
const IotBlockSchema = z
  .object({
    powerMeterDeviceId: idSchema,
    ratedDailyKwh: z.number().int().min(1).max(100_000_000),
    runningThresholdBasisPoints: z.number().int().min(0).max(10_000),
    fromMs: z.number().int().min(0),
    toMs: z.number().int().min(0),
  })
  .strict();
const ScoreBodySchema = z
  .object({
    borrowerId: idSchema,
    iot: IotBlockSchema.optional(),
    features: z
      .object({
        yearsOperating: featureSchema,
        overdueCount24Months: featureSchema,
        relatedPartyFindings: featureSchema,
        electricityIndex: featureSchema,
        operatingRateBasisPoints: featureSchema,
        stockTurnoverHundredths: featureSchema,
        outputTrendBasisPoints: featureSchema,
        onTimeDeliveryBasisPoints: featureSchema,
        fourFlowConsistencyBasisPoints: featureSchema,
      })
      .strict(),
    annualVerifiedSalesMinor: minorSchema,
    collateralLendingValueMinor: minorSchema,
    existingExposureMinor: minorSchema,
    productCapMinor: minorSchema,
    currency: z.string().regex(/^[A-Z]{3}$/),
    organisationId: idSchema,
    actorId: idSchema,
  })
  .strict();
const RepayBodySchema = z.object({ repaymentId: idSchema, amountMinor: minorSchema }).strict();

/**
 * Credit and loans: POST /v1/finance/credit/scores (score with reasons, a limit, a logged decision),
 * POST /v1/finance/loans (apply), POST …/:loanId/assess, …/approve (maker ≠ checker),
 * …/disburse, …/repayments, GET …/:loanId (the loan and its journal entries). Permissions: auth/route-permissions.ts.
 */
export async function loanRoutes(app: FastifyInstance, services: FinanceServices): Promise<void> {
  // Tenancy (finance-scope.ts): a loan outside the caller's scope, or unknown to a scoped caller
  // (so ids cannot be probed), is refused and logged; only its lender acts on it.
  const gateLoan = async (request: FastifyRequest, loanId: string, mode: 'read' | 'write'): Promise<void> => {
    const scope = services.access.scopeOf(request);
    if (scope.kind === 'all') return;
    const loan = await services.loans.getLoan(loanId);
    if (loan && (mode === 'read' ? loanInScope(scope, loan) : loanWritable(scope, loan))) return;
    await services.access.refuse(request, loan?.lenderId ?? null, `loan:${loanId}`);
  };
  const gateLoanIdFree = async (request: FastifyRequest, loanId: string): Promise<void> => {
    const scope = services.access.scopeOf(request);
    if (scope.kind === 'all') return;
    const loan = await services.loans.getLoan(loanId);
    if (loan && !loanWritable(scope, loan)) await services.access.refuse(request, loan.lenderId, `loan:${loanId}`);
  };
  // A write naming the bank it acts for (a loan's lender, a score's bank) must name the caller's own.
  const gateOwnBank = async (request: FastifyRequest, bankId: string, resource: string): Promise<void> => {
    const scope = services.access.scopeOf(request);
    if (scope.kind === 'all' || (scope.kind === 'lender' && scope.organisationId === bankId)) return;
    await services.access.refuse(request, bankId, resource);
  };
  app.post(
    '/v1/finance/credit/scores',
    {
      config: {
        openapi: {
          operationId: 'scoreCredit',
          summary: 'Score a borrower (entity, asset, transaction credit) with reasons and a limit; a logged decision.',
          tags: ['credit'],
          body: ScoreBodySchema,
          responses: { 201: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      const body = ScoreBodySchema.parse(request.body);
      await gateOwnBank(request, body.organisationId, `credit-score:${body.borrowerId}`);
      const { iot, ...rest } = body;
      if (iot) {
        // The IoT features read the meter's frames on the bank's behalf: a live consent of the
        // meter's owner must cover its energy or power readings at both ends of the window.
        const resource = `device:${iot.powerMeterDeviceId}/credit-features`;
        for (const timeMs of [iot.fromMs, iot.toMs]) {
          await services.access.devices.authorize(
            request,
            iot.powerMeterDeviceId,
            { timeMs, kinds: creditIotReadingKinds },
            resource,
          );
        }
      }
      const result = await scoreCredit(services, {
        ...rest,
        ...(iot ? { iot } : {}),
        annualVerifiedSalesMinor: BigInt(body.annualVerifiedSalesMinor),
        collateralLendingValueMinor: BigInt(body.collateralLendingValueMinor),
        existingExposureMinor: BigInt(body.existingExposureMinor),
        productCapMinor: BigInt(body.productCapMinor),
      });
      return reply.code(201).send(jsonSafe(result));
    },
  );
  app.post(
    '/v1/finance/loans',
    {
      config: {
        openapi: {
          operationId: 'applyLoan',
          summary: 'Apply for a loan (201 created, 200 the same application again).',
          tags: ['loans'],
          body: ApplyBodySchema,
          responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      const body = ApplyBodySchema.parse(request.body);
      await gateOwnBank(request, body.lenderId, `loan:${body.loanId}`);
      // An id already taken by another bank's loan is refused, not answered as "the same application".
      await gateLoanIdFree(request, body.loanId);
      const result = await applyLoan(services, { ...body, principalMinor: BigInt(body.principalMinor) });
      return reply.code(result.status === 'created' ? 201 : 200).send(jsonSafe(result));
    },
  );
  app.get<{ Params: { loanId: string } }>(
    '/v1/finance/loans/:loanId',
    {
      config: {
        openapi: {
          operationId: 'getLoan',
          summary: 'A loan and its journal entries.',
          tags: ['loans'],
          responses: { 200: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      await gateLoan(request, request.params.loanId, 'read');
      const view = await getLoanView(services, request.params.loanId);
      if (!view)
        return reply.code(404).send({ error: { code: 'loan_not_found', message: `no loan ${request.params.loanId}` } });
      return jsonSafe(view);
    },
  );
  app.post<{ Params: { loanId: string } }>(
    '/v1/finance/loans/:loanId/assess',
    {
      config: {
        openapi: {
          operationId: 'assessLoan',
          summary: 'Assess a loan (recommend or decline) with evidence.',
          tags: ['loans'],
          body: AssessBodySchema,
          responses: { 200: JsonObjectSchema },
        },
      },
    },
    async (request) => {
      const body = AssessBodySchema.parse(request.body);
      await gateLoan(request, request.params.loanId, 'write');
      return jsonSafe(await assessLoanStep(services, { loanId: request.params.loanId, ...body }));
    },
  );
  app.post<{ Params: { loanId: string } }>(
    '/v1/finance/loans/:loanId/approve',
    {
      config: {
        openapi: {
          operationId: 'approveLoan',
          summary: 'Approve a loan (the checker must not be the maker).',
          tags: ['loans'],
          body: ApproveBodySchema,
          responses: { 200: JsonObjectSchema },
        },
      },
    },
    async (request) => {
      const body = ApproveBodySchema.parse(request.body);
      await gateLoan(request, request.params.loanId, 'write');
      return jsonSafe(await approveLoanStep(services, { loanId: request.params.loanId, ...body }));
    },
  );
  app.post<{ Params: { loanId: string } }>(
    '/v1/finance/loans/:loanId/disburse',
    {
      config: {
        openapi: {
          operationId: 'disburseLoan',
          summary: 'Disburse an approved loan onto the journal.',
          tags: ['loans'],
          body: DisburseBodySchema,
          responses: { 200: JsonObjectSchema },
        },
      },
    },
    async (request) => {
      const body = DisburseBodySchema.parse(request.body);
      await gateLoan(request, request.params.loanId, 'write');
      return jsonSafe(await disburseLoanStep(services, { loanId: request.params.loanId, ...body }));
    },
  );
  app.post<{ Params: { loanId: string } }>(
    '/v1/finance/loans/:loanId/repayments',
    {
      config: {
        openapi: {
          operationId: 'repayLoan',
          summary: 'Apply a repayment (201 applied, 200 the same repayment again).',
          tags: ['loans'],
          body: RepayBodySchema,
          responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      const body = RepayBodySchema.parse(request.body);
      await gateLoan(request, request.params.loanId, 'write');
      const result = await repayLoanStep(services, {
        loanId: request.params.loanId,
        repaymentId: body.repaymentId,
        amountMinor: BigInt(body.amountMinor),
      });
      return reply.code(result.status === 'applied' ? 201 : 200).send(jsonSafe(result));
    },
  );
}
