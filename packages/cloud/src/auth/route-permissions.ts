import type { Permission } from './role-permissions.ts';

/**
 * Routes anyone may call: the log's public face (checkpoints, tiles, proofs of consistency, the
 * trust file), liveness and metrics, and the edge-signed routes, which authenticate the edge's
 * own signature instead of a user (ingest batches, event uploads, heartbeats, edge config).
 */
export type PublicAccess = 'public' | 'edge-signed';

/**
 * What each route needs, keyed `METHOD /path` as Fastify registers it. A route that is not listed
 * needs `platform_admin` (fail closed: a new route is never open by accident; list it here).
 * A HEAD route needs what its GET needs.
 */
export const routePermissions: Readonly<Record<string, Permission | PublicAccess>> = {
  'GET /healthz': 'public',
  'GET /metrics': 'public',
  'GET /checkpoint': 'public',
  'GET /tile/*': 'public',
  'GET /v1/log/checkpoint': 'public',
  'GET /v1/log/consistency': 'public',
  'GET /v1/trust': 'public',
  'POST /v1/sessions': 'public',
  // The console's static files (@fastify/static at /).
  'GET /': 'public',
  'GET /*': 'public',
  'POST /v1/ingest/batches': 'edge-signed',
  'POST /v1/edges/:id/keys': 'edge-signed',
  'POST /v1/events': 'edge-signed',
  'POST /v1/edges/:id/heartbeats': 'edge-signed',
  'GET /v1/edges/:id/config': 'edge-signed',
  // The open API's description and its docs page, and readiness (docs/api.md).
  'GET /openapi.json': 'public',
  'GET /docs': 'public',
  'GET /readyz': 'public',
  // Direct ingest: each frame is authenticated by its device's signature (docs/direct-ingest.md).
  'POST /v1/ingest/frames': 'public',
  // The audit trail of state-changing calls: platform admins and bank auditors.
  'GET /v1/audit-trail': 'audit-trail:read',
  // Identity lifecycle and provisioning (docs/identity-lifecycle.md): they act on any organisation's
  // devices, so only the platform admin may, until they check ownership the way registration does.
  'POST /v1/devices/:id/activate': 'identity:manage',
  'POST /v1/devices/:id/suspend': 'identity:manage',
  'POST /v1/devices/:id/resume': 'identity:manage',
  'POST /v1/devices/:id/revoke': 'identity:manage',
  'POST /v1/devices/:id/retire': 'identity:manage',
  'POST /v1/devices/:id/assign': 'identity:manage',
  'POST /v1/devices/:id/keys': 'identity:manage',
  'POST /v1/edges/:id/suspend': 'identity:manage',
  'POST /v1/edges/:id/resume': 'identity:manage',
  'POST /v1/edges/:id/revoke': 'identity:manage',
  'POST /v1/edges/:id/retire': 'identity:manage',
  'POST /v1/provisioning/devices': 'identity:manage',
  'GET /v1/devices/:id': 'registry:read',
  'GET /v1/edges/:id/history': 'registry:read',
  // The console's read models (docs/console.md) and its live stream.
  'GET /v1/portfolio': 'finance:read',
  'GET /v1/finance/loans': 'finance:read',
  'GET /v1/finance/lots': 'finance:read',
  'GET /v1/borrowers/:id': 'finance:read',
  'GET /v1/devices/:id/readings': 'data:read',
  'GET /v1/stream': 'status:read',
  'GET /v1/status': 'status:read',
  'GET /v1/me': 'status:read',
  // Registry.
  'POST /v1/edges': 'registry:write',
  'POST /v1/devices': 'registry:write',
  'GET /v1/edges': 'registry:read',
  'GET /v1/devices': 'data:read',
  'GET /v1/quarantine': 'quarantine:read',
  'PUT /v1/edges/:id/config': 'edge-operations:manage',
  'GET /v1/edges/:id/health': 'registry:read',
  'GET /v1/edges/:id/keys': 'registry:read',
  'POST /v1/edges/:id/keys/:keyId/approve': 'edge-operations:manage',
  // Device data (scoped further by organisation and consent).
  'GET /v1/frames': 'data:read',
  'GET /v1/frames/:id': 'data:read',
  'GET /v1/frames/:id/proof': 'data:read',
  'GET /v1/events': 'data:read',
  'GET /v1/events/:id': 'data:read',
  'GET /v1/events/:id/frames': 'data:read',
  // Decisions.
  'POST /v1/decisions': 'decisions:write',
  'GET /v1/decisions/:id': 'decisions:read',
  'GET /v1/decisions/:id/proof': 'decisions:read',
  // Alerts.
  'GET /v1/alerts': 'alerts:read',
  'GET /v1/alerts/:id': 'alerts:read',
  'POST /v1/alerts/:id/acknowledge': 'alerts:act',
  'POST /v1/alerts/:id/assign': 'alerts:act',
  'POST /v1/alerts/:id/resolve': 'alerts:act',
  'POST /v1/alerts/:id/notes': 'alerts:act',
  // Finance: bank roles (the auditor reads only), enterprises read their own; every route is
  // scoped further to the caller's organisation by finance/finance-scope.ts.
  'POST /v1/finance/parties': 'finance:write',
  'POST /v1/finance/relationships': 'finance:write',
  'GET /v1/finance/parties': 'finance:read',
  'POST /v1/finance/flows/:recordType': 'finance:write',
  'GET /v1/finance/findings': 'finance:read',
  'POST /v1/finance/risk/sweep': 'finance:write',
  'POST /v1/finance/collateral/lots': 'finance:write',
  'GET /v1/finance/collateral/lots/:lotId': 'finance:read',
  'POST /v1/finance/collateral/lots/:lotId/release-orders': 'finance:write',
  // Market prices and stock movements feed every bank's valuations: platform inputs, not one bank's.
  'POST /v1/finance/prices': 'finance:operate',
  'GET /v1/finance/prices': 'finance:read',
  'POST /v1/finance/stock-movements': 'finance:operate',
  'POST /v1/finance/credit/scores': 'finance:write',
  'POST /v1/finance/loans': 'finance:write',
  'GET /v1/finance/loans/:loanId': 'finance:read',
  'POST /v1/finance/loans/:loanId/assess': 'finance:write',
  'POST /v1/finance/loans/:loanId/approve': 'finance:write',
  'POST /v1/finance/loans/:loanId/disburse': 'finance:write',
  'POST /v1/finance/loans/:loanId/repayments': 'finance:write',
  'POST /v1/webhooks': 'webhooks:manage',
  'GET /v1/webhooks': 'webhooks:manage',
  'DELETE /v1/webhooks/:id': 'webhooks:manage',
  'GET /v1/webhooks/deliveries': 'webhooks:manage',
  // Tenants, keys, consents, access log.
  'POST /v1/organisations': 'organisations:manage',
  'GET /v1/organisations': 'users:read',
  'POST /v1/users': 'users:manage',
  'GET /v1/users': 'users:read',
  'POST /v1/sites': 'registry:write',
  'GET /v1/sites': 'registry:read',
  'POST /v1/api-keys': 'api-keys:manage',
  'GET /v1/api-keys': 'api-keys:manage',
  'DELETE /v1/api-keys/:id': 'api-keys:manage',
  'POST /v1/consents': 'consents:grant',
  'POST /v1/consents/:id/revoke': 'consents:grant',
  'GET /v1/consents': 'consents:read',
  'GET /v1/access-log': 'access-log:read',
};
