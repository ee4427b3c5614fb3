import type { FastifyInstance } from 'fastify';
import type { CloudContext } from '../context.ts';
import { apiRoutes } from './api-routes.ts';
import { createAuditTrailStore } from './audit-trail-store.ts';
import { createIdempotencyStore } from './idempotency-store.ts';
import { installApiHooks } from './install-api-hooks.ts';
import { catalogueRoutes, type RouteCatalogue } from './route-openapi.ts';

/**
 * Set up the open API on `app` before any other route is added: the route catalogue behind
 * /openapi.json, rate limits, idempotency keys, the audit trail, request logs, /docs, /readyz and
 * /v1/audit-trail. Keeps the catalogue on `context.routeCatalogue` (tests check that every /v1
 * route is described).
 */
export async function startApi(app: FastifyInstance, context: CloudContext): Promise<RouteCatalogue> {
  const catalogue = catalogueRoutes(app);
  context.routeCatalogue = catalogue;
  const auditTrail = createAuditTrailStore(context.store);
  installApiHooks(app, context, { idempotency: createIdempotencyStore(context.store), auditTrail });
  await apiRoutes(app, context, catalogue, auditTrail);
  return catalogue;
}
