import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import * as z from 'zod';
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

const DeliveriesQuerySchema = z
  .object({
    subscriptionId: z.string().max(64).optional(),
    state: z.enum(['pending', 'delivered', 'failed']).optional(),
    limit: z.coerce.number().int().min(1).max(webhookDeliveriesPageMax).default(100),
  })
  .strict();

/**
 * Webhooks: POST /v1/webhooks (subscribe; the secret is returned only here), GET /v1/webhooks,
 * DELETE /v1/webhooks/:id, GET /v1/webhooks/deliveries (the delivery log). Permissions: auth/route-permissions.ts.
 */
export async function webhookRoutes(app: FastifyInstance, services: FinanceServices): Promise<void> {
  app.post('/v1/webhooks', async (request, reply) => {
    const body = SubscriptionBodySchema.parse(request.body);
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
    };
    if (!(await services.webhooks.insertSubscription(subscription))) {
      return reply.code(409).send({
        error: { code: 'webhook_conflict', message: `subscription ${body.subscriptionId} exists` },
      });
    }
    return reply.code(201).send(subscription);
  });
  app.get('/v1/webhooks', async () => {
    const subscriptions = await services.webhooks.listSubscriptions();
    return { subscriptions: subscriptions.map(({ secret: _secret, ...rest }) => rest) };
  });
  app.delete<{ Params: { id: string } }>('/v1/webhooks/:id', async (request, reply) => {
    if (!(await services.webhooks.deactivateSubscription(request.params.id))) {
      return reply.code(404).send({ error: { code: 'not_found', message: `no subscription ${request.params.id}` } });
    }
    return reply.code(204).send();
  });
  app.get('/v1/webhooks/deliveries', async (request) => {
    const query = DeliveriesQuerySchema.parse(request.query);
    return { deliveries: await services.webhooks.listDeliveries(query) };
  });
}
