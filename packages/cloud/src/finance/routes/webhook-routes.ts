import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import * as z from 'zod';
import { JsonObjectSchema } from '../../api/openapi-schemas.ts';
import { decodePageCursor, pageQueryFields, pageSchema, toPage } from '../../api/page-cursor.ts';
import type { FinanceServices } from '../finance-services.ts';

/** Most subscriptions a cloud keeps active. */
export const webhookSubscriptionsMax = 100;
/** Most deliveries one GET returns. */
export const webhookDeliveriesPageMax = 500;

const SubscriptionBodySchema = z
  .object({
    subscriptionId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/),
    url: z
      .string()
      .url()
      .max(2_000)
      .refine((url) => /^https?:\/\//.test(url), 'an http or https URL'),
    eventTypes: z
      .array(z.string().regex(/^(\*|[a-z][a-z0-9_.]{0,63})$/))
      .min(1)
      .max(50),
    /** The HMAC key; made here (32 random bytes, base64url) when left out, and returned once. */
    secret: z.string().min(16).max(200).optional(),
  })
  .strict();

const SubscriptionsQuerySchema = z.object(pageQueryFields(['string'])).strict();

const DeliveriesQuerySchema = z
  .object({
    subscriptionId: z.string().max(64).optional(),
    state: z.enum(['pending', 'delivered', 'failed']).optional(),
    limit: z.coerce.number().int().min(1).max(webhookDeliveriesPageMax).default(100),
    cursor: pageQueryFields(['number', 'string']).cursor,
  })
  .strict();

/**
 * Webhooks: POST /v1/webhooks (subscribe; the secret is returned only here), GET /v1/webhooks,
 * DELETE /v1/webhooks/:id, GET /v1/webhooks/deliveries (the delivery log). Permissions: auth/route-permissions.ts.
 */
export async function webhookRoutes(app: FastifyInstance, services: FinanceServices): Promise<void> {
  app.post(
    '/v1/webhooks',
    {
      config: {
        openapi: {
          operationId: 'createWebhook',
          summary: 'Subscribe a URL to event types; the secret is returned only here.',
          tags: ['webhooks'],
          body: SubscriptionBodySchema,
          responses: { 201: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      const body = SubscriptionBodySchema.parse(request.body);
      // Tenancy: a subscription belongs to the caller's organisation (the platform's gets every event).
      const scope = services.access.scopeOf(request);
      const organisationId = scope.kind === 'all' ? null : scope.organisationId;
      if ((await services.webhooks.listSubscriptions()).length >= webhookSubscriptionsMax) {
        return reply.code(409).send({
          error: {
            code: 'webhook_limit',
            message: `at most webhookSubscriptionsMax ${webhookSubscriptionsMax} subscriptions`,
          },
        });
      }
      const subscription = {
        subscriptionId: body.subscriptionId,
        url: body.url,
        eventTypes: body.eventTypes,
        secret: body.secret ?? randomBytes(32).toString('base64url'),
        createdAtMs: services.clock(),
        active: true,
        organisationId,
      };
      if (!(await services.webhooks.insertSubscription(subscription))) {
        return reply.code(409).send({
          error: { code: 'webhook_conflict', message: `subscription ${body.subscriptionId} exists` },
        });
      }
      return reply.code(201).send(subscription);
    },
  );
  app.get(
    '/v1/webhooks',
    {
      config: {
        openapi: {
          operationId: 'listWebhooks',
          summary: 'Subscriptions (without secrets) by id, a page at a time.',
          tags: ['webhooks'],
          query: SubscriptionsQuerySchema,
          responses: { 200: pageSchema(JsonObjectSchema) },
        },
      },
    },
    async (request) => {
      const query = SubscriptionsQuerySchema.parse(request.query);
      const after = query.cursor === undefined ? undefined : String(decodePageCursor(query.cursor, ['string'])?.[0]);
      // At most webhookSubscriptionsMax active ones, so the list is read whole and cut here.
      const scope = services.access.scopeOf(request);
      const subscriptions = (
        await services.webhooks.listSubscriptions(scope.kind === 'all' ? undefined : scope.organisationId)
      )
        .filter((subscription) => after === undefined || subscription.subscriptionId > after)
        .sort((a, b) => (a.subscriptionId < b.subscriptionId ? -1 : a.subscriptionId > b.subscriptionId ? 1 : 0));
      return toPage(
        subscriptions,
        query.limit,
        (subscription) => [subscription.subscriptionId],
        ({ secret: _secret, ...rest }) => rest,
      );
    },
  );
  app.delete<{ Params: { id: string } }>(
    '/v1/webhooks/:id',
    {
      config: {
        openapi: {
          operationId: 'deleteWebhook',
          summary: 'Deactivate a subscription.',
          tags: ['webhooks'],
          params: z.object({ id: z.string() }),
          responses: { 204: null },
        },
      },
    },
    async (request, reply) => {
      const scope = services.access.scopeOf(request);
      if (scope.kind !== 'all') {
        const subscription = await services.webhooks.getSubscription(request.params.id);
        if (!subscription || subscription.organisationId !== scope.organisationId) {
          await services.access.refuse(request, subscription?.organisationId ?? null, `webhook:${request.params.id}`);
        }
      }
      if (!(await services.webhooks.deactivateSubscription(request.params.id))) {
        return reply.code(404).send({ error: { code: 'not_found', message: `no subscription ${request.params.id}` } });
      }
      return reply.code(204).send();
    },
  );
  app.get(
    '/v1/webhooks/deliveries',
    {
      config: {
        openapi: {
          operationId: 'listWebhookDeliveries',
          summary: 'The delivery log, a page at a time.',
          tags: ['webhooks'],
          query: DeliveriesQuerySchema,
          responses: { 200: pageSchema(JsonObjectSchema) },
        },
      },
    },
    async (request) => {
      const query = DeliveriesQuerySchema.parse(request.query);
      const position = query.cursor === undefined ? undefined : decodePageCursor(query.cursor, ['number', 'string']);
      const scope = services.access.scopeOf(request);
      const rows = await services.webhooks.listDeliveries({
        limit: query.limit + 1,
        ...(scope.kind === 'all' ? {} : { organisationId: scope.organisationId }),
        ...(query.subscriptionId === undefined ? {} : { subscriptionId: query.subscriptionId }),
        ...(query.state === undefined ? {} : { state: query.state }),
        ...(position === undefined
          ? {}
          : { after: { createdAtMs: position[0] as number, deliveryId: position[1] as string } }),
      });
      return toPage(
        rows,
        query.limit,
        (delivery) => [delivery.createdAtMs, delivery.deliveryId],
        (delivery) => delivery,
      );
    },
  );
}
