import type { FastifyInstance, FastifyRequest } from 'fastify';
import * as z from 'zod';
import { JsonObjectSchema } from '../../api/openapi-schemas.ts';
import { applyStockMovementEvents } from '../apply-stock-movement-events.ts';
import { lotInScope, lotWritable } from '../finance-scope.ts';
import type { FinanceServices } from '../finance-services.ts';
import { orderRelease } from '../order-release.ts';
import { pledgeLot } from '../pledge-lot.ts';
import { recordPrices } from '../record-prices.ts';
import { jsonSafe } from './json-safe.ts';

const idSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/);
const minorSchema = z.string().regex(/^[0-9]{1,30}$/, 'a non-negative integer of minor units, as digits');
const gramsSchema = z.string().regex(/^[0-9]{1,30}$/, 'a non-negative integer of grams, as digits');
const evidenceSchema = z
  .object({ kind: z.enum(['frame', 'decision', 'document']), id: z.string().min(1).max(200) })
  .strict();

const PledgeBodySchema = z
  .object({
    lotId: idSchema,
    pledgorId: idSchema,
    pledgeeId: idSchema,
    loanId: idSchema,
    commodity: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/),
    siteId: idSchema,
    goodsIdentity: z.string().min(1).max(200),
    receiptNumbers: z.array(z.string().min(1).max(200)).max(100),
    monitoringDeviceIds: z.array(idSchema).min(1).max(100),
    quantityGrams: gramsSchema,
    haircutBasisPoints: z.number().int().min(0).max(10_000),
    lines: z
      .object({
        pledgeRatioBasisPoints: z.number().int().min(1).max(10_000),
        warningBasisPoints: z.number().int().min(1).max(10_000),
        topUpBasisPoints: z.number().int().min(1).max(10_000),
        forcedSaleBasisPoints: z.number().int().min(1).max(10_000),
      })
      .strict(),
    currency: z.string().regex(/^[A-Z]{3}$/),
    loanAmountMinor: minorSchema,
    actorId: idSchema,
    inputs: z.array(evidenceSchema).max(1_000).default([]),
  })
  .strict();

const PricesBodySchema = z.union([
  z.object({ actorId: idSchema, csv: z.string().min(1).max(1_000_000) }).strict(),
  z.object({ actorId: idSchema, prices: z.array(z.unknown()).min(1).max(10_000) }).strict(),
]);

const ReleaseBodySchema = z
  .object({
    releaseOrderId: idSchema,
    authorisedGrams: gramsSchema,
    validFromMs: z.number().int().min(0),
    validUntilMs: z.number().int().min(0),
    actorId: idSchema,
    inputs: z.array(evidenceSchema).max(1_000).default([]),
  })
  .strict();

const EventsBodySchema = z.object({ events: z.array(z.unknown()).min(1).max(1_000) }).strict();

/**
 * Collateral: POST /v1/finance/collateral/lots (pledge), GET …/lots/:lotId,
 * POST …/lots/:lotId/release-orders, POST /v1/finance/prices (JSON or CSV),
 * POST /v1/finance/stock-movements (accepted derived events). Permissions: auth/route-permissions.ts.
 */
export async function collateralRoutes(app: FastifyInstance, services: FinanceServices): Promise<void> {
  // Tenancy (finance-scope.ts): a lot outside the caller's scope, or unknown to a scoped caller, is
  // refused and logged; only its pledgee (or its loan's lender) orders releases.
  const gateLot = async (request: FastifyRequest, lotId: string, mode: 'read' | 'write'): Promise<void> => {
    const scope = services.access.scopeOf(request);
    if (scope.kind === 'all') return;
    const lot = await services.collateral.getLot(lotId);
    const loan = lot ? await services.loans.getLoan(lot.loanId) : undefined;
    if (lot && (mode === 'read' ? lotInScope(scope, lot, loan) : lotWritable(scope, lot, loan))) return;
    await services.access.refuse(request, lot?.pledgeeId ?? null, `lot:${lotId}`);
  };
  app.post(
    '/v1/finance/collateral/lots',
    {
      config: {
        openapi: {
          operationId: 'pledgeLot',
          summary: 'Pledge a monitored lot as collateral for a loan (a logged decision).',
          tags: ['collateral'],
          body: PledgeBodySchema,
          responses: { 201: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      const body = PledgeBodySchema.parse(request.body);
      // A bank pledges to itself only, for a loan it lends (or one not applied for yet).
      const scope = services.access.scopeOf(request);
      if (scope.kind !== 'all') {
        const loan = await services.loans.getLoan(body.loanId);
        const own = scope.kind === 'lender' ? scope.organisationId : undefined;
        if (body.pledgeeId !== own || (loan !== undefined && loan.lenderId !== own)) {
          await services.access.refuse(request, loan?.lenderId ?? body.pledgeeId, `lot:${body.lotId}`);
        }
        const existing = await services.collateral.getLot(body.lotId);
        if (existing && existing.pledgeeId !== own) {
          await services.access.refuse(request, existing.pledgeeId, `lot:${body.lotId}`);
        }
      }
      const { loanAmountMinor, actorId, inputs, quantityGrams, ...lot } = body;
      const result = await pledgeLot(services, {
        lot: { ...lot, quantityGrams: BigInt(quantityGrams), pledgedAtMs: services.clock() },
        loanAmountMinor: BigInt(loanAmountMinor),
        actorId,
        inputs,
      });
      return reply.code(201).send(jsonSafe(result));
    },
  );
  app.get<{ Params: { lotId: string } }>(
    '/v1/finance/collateral/lots/:lotId',
    {
      config: {
        openapi: {
          operationId: 'getLot',
          summary: 'A pledged lot and its release orders.',
          tags: ['collateral'],
          responses: { 200: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      await gateLot(request, request.params.lotId, 'read');
      const lot = await services.collateral.getLot(request.params.lotId);
      if (!lot) {
        return reply
          .code(404)
          .send({ error: { code: 'collateral_lot_unknown', message: `no lot ${request.params.lotId}` } });
      }
      return jsonSafe({ lot, releaseOrders: await services.collateral.findReleaseOrders(lot.lotId) });
    },
  );
  app.post<{ Params: { lotId: string } }>(
    '/v1/finance/collateral/lots/:lotId/release-orders',
    {
      config: {
        openapi: {
          operationId: 'orderRelease',
          summary: 'Order the release of goods from a pledged lot.',
          tags: ['collateral'],
          body: ReleaseBodySchema,
          responses: { 201: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      const body = ReleaseBodySchema.parse(request.body);
      await gateLot(request, request.params.lotId, 'write');
      const result = await orderRelease(services, {
        ...body,
        lotId: request.params.lotId,
        authorisedGrams: BigInt(body.authorisedGrams),
      });
      return reply.code(201).send(jsonSafe(result));
    },
  );
  app.post(
    '/v1/finance/prices',
    {
      config: {
        openapi: {
          operationId: 'recordPrices',
          summary: 'Record commodity prices (JSON objects or CSV).',
          tags: ['collateral'],
          body: PricesBodySchema,
          responses: { 201: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      const body = PricesBodySchema.parse(request.body);
      const result = await recordPrices(
        services,
        'csv' in body ? { actorId: body.actorId, csv: body.csv } : { actorId: body.actorId, objects: body.prices },
      );
      return reply.code(201).send(jsonSafe(result));
    },
  );
  app.get(
    '/v1/finance/prices',
    {
      config: {
        openapi: {
          operationId: 'listPrices',
          summary: 'The latest 500 recorded prices.',
          tags: ['collateral'],
          responses: { 200: JsonObjectSchema },
        },
      },
    },
    async (request) => {
      return jsonSafe({ prices: services.prices.slice(-500) });
    },
  );
  app.post(
    '/v1/finance/stock-movements',
    {
      config: {
        openapi: {
          operationId: 'applyStockMovements',
          summary: 'Apply accepted stock-movement events to pledged lots.',
          tags: ['collateral'],
          body: EventsBodySchema,
          responses: { 200: JsonObjectSchema },
        },
      },
    },
    async (request) => {
      const body = EventsBodySchema.parse(request.body);
      return applyStockMovementEvents(services, { events: body.events as never });
    },
  );
}
