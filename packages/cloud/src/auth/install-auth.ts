import { join } from 'node:path';
import { FieldproofError, type MetricFamily } from '@fieldproof/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CloudContext } from '../context.ts';
import { createDecisionLog } from '../decisions/create-decision-log.ts';
import { authRoutes } from '../routes/auth-routes.ts';
import { consentRoutes } from '../routes/consent-routes.ts';
import type { AuthDeps } from './auth-deps.ts';
import { type AuthStore, createAuthStore } from './auth-store.ts';
import { createDeviceAccess, type DeviceAccess } from './device-access.ts';
import { requirePermission } from './require-permission.ts';
import { resolvePrincipal } from './resolve-principal.ts';
import { routePermissions } from './route-permissions.ts';
import { loadOrCreateSessionSecret } from './session-token.ts';

/** The codes the refusal counter on /metrics counts. */
export const refusalCodes = [
  'unauthorized',
  'session_expired',
  'permission_denied',
  'consent_missing',
  'organisation_forbidden',
] as const;

/** What installAuth needs beyond the context. */
export interface InstallAuthParameters {
  /** The data folder (the session secret is kept in `keys/session-secret`). */
  dataDir: string;
  /** The bootstrap admin token: it keeps working, as a platform admin. */
  adminToken: string;
}

/** The installed access control. */
export interface InstalledAuth {
  auth: AuthStore;
  access: DeviceAccess;
  deps: AuthDeps;
}

/** The permission a route needs, or `public`. HEAD asks what GET asks; an unlisted route needs a platform admin. */
function guardRoute(request: FastifyRequest): void {
  const url = request.routeOptions.url;
  // No route matched: the not-found handler (or the console's fallback) answers.
  if (url === undefined) return;
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  const need = routePermissions[`${method} ${url}`];
  if (need === 'public' || need === 'edge-signed') return;
  if (need !== undefined) {
    requirePermission(request, need);
    return;
  }
  const principal = requirePermission(request, 'status:read');
  if (principal.role !== 'platform_admin') {
    throw new FieldproofError('permission_denied', `${method} ${url} is open to platform admins only`, {
      role: principal.role,
      permission: 'platform_admin',
    });
  }
}

/**
 * Install access control on `app` (docs/access-control.md): an onRequest hook that resolves the
 * caller into `request.principal` and applies the route's permission (route-permissions.ts),
 * the session/key/tenant/consent routes, the device data gate (`context.access`) and a counter
 * of refusals by code on /metrics. Precondition: called before any other route is registered.
 */
export async function installAuth(
  app: FastifyInstance,
  context: CloudContext,
  parameters: InstallAuthParameters,
): Promise<InstalledAuth> {
  const auth = createAuthStore(context.store);
  const sessionSecret = loadOrCreateSessionSecret(join(parameters.dataDir, 'keys', 'session-secret'));
  const deps: AuthDeps = {
    auth,
    clock: context.clock,
    sessionSecret,
    decisionLog: createDecisionLog(context, context.store),
  };
  const access = createDeviceAccess({ auth, clock: context.clock });
  context.auth = auth;
  context.access = access;
  const refusals = new Map<string, number>(refusalCodes.map((code) => [code, 0]));
  context.metricSources = [
    ...(context.metricSources ?? []),
    async (): Promise<MetricFamily[]> => [
      {
        name: 'fieldproof_access_refusals_total',
        help: 'API calls refused by access control, by code.',
        type: 'counter',
        samples: [...refusals].map(([code, value]) => ({ labels: { code }, value })),
      },
    ],
  ];
  // A route missing from the table still works, for platform admins only: say so at start-up.
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      if (routePermissions[`${method} ${route.url}`] === undefined) {
        context.log.warn(
          { method, url: route.url },
          'route not in auth/route-permissions.ts: platform admins only until it is listed',
        );
      }
    }
  });
  app.addHook('onRequest', async (request) => {
    request.principal = await resolvePrincipal(
      { auth, sessionSecret, adminToken: parameters.adminToken, clock: context.clock },
      request.headers.authorization,
    );
    guardRoute(request);
  });
  app.addHook('onError', async (_request, _reply, error) => {
    const code = (error as { code?: unknown }).code;
    if (error instanceof FieldproofError && refusals.has(code as string)) {
      refusals.set(code as string, (refusals.get(code as string) ?? 0) + 1);
    }
  });
  await authRoutes(app, deps);
  await consentRoutes(app, deps);
  return { auth, access, deps };
}
