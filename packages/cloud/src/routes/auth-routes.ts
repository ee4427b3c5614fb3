import { IdSchema } from '@fieldproof/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { JsonObjectSchema } from '../api/openapi-schemas.ts';
import type { AuthDeps } from '../auth/auth-deps.ts';
import type { ApiKeyRow, OrganisationRow, SiteRow, UserRow } from '../auth/auth-store.ts';
import { createApiKey } from '../auth/create-api-key.ts';
import { createOrganisation } from '../auth/create-organisation.ts';
import { createSession } from '../auth/create-session.ts';
import { createSite } from '../auth/create-site.ts';
import { createUser } from '../auth/create-user.ts';
import { passwordLengthMax, passwordLengthMin } from '../auth/password-hash.ts';
import { roles } from '../auth/principal.ts';
import { requirePermission } from '../auth/require-permission.ts';
import { mayManageApiKey, revokeApiKey } from '../auth/revoke-api-key.ts';

const Email = z.string().trim().min(3).max(254).email();
const Name = z.string().trim().min(1).max(200);
const SessionBody = z.object({ email: Email, password: z.string().min(1).max(passwordLengthMax) }).strict();
const ApiKeyBody = z.object({ name: Name, role: z.enum(roles).optional() }).strict();
const OrganisationBody = z
  .object({ id: IdSchema.optional(), name: Name, kind: z.enum(['bank', 'enterprise', 'logistics', 'witness']) })
  .strict();
const UserBody = z
  .object({
    organisationId: IdSchema.optional(),
    email: Email,
    name: Name,
    role: z.enum(roles),
    password: z.string().min(passwordLengthMin).max(passwordLengthMax),
  })
  .strict();
const SiteBody = z
  .object({
    id: IdSchema.optional(),
    organisationId: IdSchema.optional(),
    name: Name,
    address: z.string().max(500).optional(),
  })
  .strict();
const ApiKeyParams = z.object({ id: z.string().regex(/^[0-9a-f]{16}$/) }).strict();

/** A user as the API shows it (never the password hash). */
export function userView(row: UserRow, organisation?: OrganisationRow) {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    organisationId: row.organisation_id,
    ...(organisation ? { organisationName: organisation.name } : {}),
    createdAtMs: row.created_at_ms,
    disabledAtMs: row.disabled_at_ms,
  };
}

const organisationView = (row: OrganisationRow) => ({ id: row.id, name: row.name, kind: row.kind });
const siteView = (row: SiteRow) => ({
  id: row.id,
  organisationId: row.organisation_id,
  name: row.name,
  address: row.address,
  createdAtMs: row.created_at_ms,
});
const apiKeyView = (row: ApiKeyRow) => ({
  id: row.id,
  name: row.name,
  role: row.role,
  organisationId: row.organisation_id,
  userId: row.user_id,
  createdAtMs: row.created_at_ms,
  revokedAtMs: row.revoked_at_ms,
  lastUsedAtMs: row.last_used_at_ms,
});

/** Sessions, the caller, API keys, organisations, users and sites (docs/access-control.md). */
export async function authRoutes(app: FastifyInstance, deps: AuthDeps): Promise<void> {
  const { auth } = deps;
  app.post(
    '/v1/sessions',
    {
      config: {
        openapi: {
          operationId: 'createSession',
          summary: 'Sign in with email and password: a session token (JWT, 1 h).',
          tags: ['auth'],
          auth: 'none',
          body: SessionBody,
          responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      const body = SessionBody.parse(request.body);
      const session = await createSession(deps, body);
      return reply.code(201).send({
        token: session.token,
        expiresAt: new Date(session.expiresAtMs).toISOString(),
        expiresAtMs: session.expiresAtMs,
        user: userView(session.user, session.organisation),
      });
    },
  );
  app.get(
    '/v1/me',
    {
      config: {
        openapi: {
          operationId: 'getMe',
          summary: 'The caller: user or key, organisation and role.',
          tags: ['auth'],
          responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
        },
      },
    },
    async (request) => {
      const principal = requirePermission(request, 'status:read');
      const organisation = await auth.organisation(principal.organisationId);
      const user = principal.via === 'session' ? await auth.user(principal.subject) : undefined;
      return {
        subject: principal.subject,
        via: principal.via,
        role: principal.role,
        organisationId: principal.organisationId,
        organisationName: organisation?.name ?? null,
        organisationKind: organisation?.kind ?? null,
        ...(principal.apiKeyId === undefined ? {} : { apiKeyId: principal.apiKeyId }),
        user: user ? userView(user, organisation) : null,
      };
    },
  );
  app.post(
    '/v1/api-keys',
    {
      config: {
        openapi: {
          operationId: 'createApiKey',
          summary: "Create an API key (shown once); its role cannot exceed its creator's.",
          tags: ['auth'],
          body: ApiKeyBody,
          responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      const principal = requirePermission(request, 'api-keys:manage');
      const body = ApiKeyBody.parse(request.body);
      const created = await createApiKey(deps, {
        principal,
        name: body.name,
        ...(body.role ? { role: body.role } : {}),
      });
      // The key itself is in this answer only: it is stored as a hash.
      return reply.code(201).send({ ...apiKeyView(created.row), key: created.token });
    },
  );
  app.get(
    '/v1/api-keys',
    {
      config: {
        openapi: {
          operationId: 'listApiKeys',
          summary: "The caller's API keys (never their secrets).",
          tags: ['auth'],
          responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
        },
      },
    },
    async (request) => {
      const principal = requirePermission(request, 'api-keys:manage');
      const rows = await auth.apiKeys(principal.role === 'platform_admin' ? undefined : principal.organisationId);
      return { items: rows.filter((row) => mayManageApiKey(principal, row)).map(apiKeyView) };
    },
  );
  app.delete(
    '/v1/api-keys/:id',
    {
      config: {
        openapi: {
          operationId: 'revokeApiKey',
          summary: 'Revoke an API key at once.',
          tags: ['auth'],
          body: OrganisationBody,
          responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
        },
      },
    },
    async (request) => {
      const principal = requirePermission(request, 'api-keys:manage');
      const { id } = ApiKeyParams.parse(request.params);
      return apiKeyView(await revokeApiKey(deps, { principal, apiKeyId: id }));
    },
  );
  app.post(
    '/v1/organisations',
    {
      config: {
        openapi: {
          operationId: 'createOrganisation',
          summary: 'Create an organisation (platform admin).',
          tags: ['tenants'],
          body: OrganisationBody,
          responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      requirePermission(request, 'organisations:manage');
      const body = OrganisationBody.parse(request.body);
      const result = await createOrganisation(deps, body);
      return reply.code(result.created ? 201 : 200).send(organisationView(result.row));
    },
  );
  app.get(
    '/v1/organisations',
    {
      config: {
        openapi: {
          operationId: 'listOrganisations',
          summary: 'Organisations the caller may see.',
          tags: ['tenants'],
          responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
        },
      },
    },
    async (request) => {
      const principal = requirePermission(request, 'users:read');
      const rows = await auth.organisations();
      // Everyone sees its own organisation and the banks (an enterprise grants consents to a bank by id).
      const visible =
        principal.role === 'platform_admin'
          ? rows
          : rows.filter((row) => row.id === principal.organisationId || row.kind === 'bank');
      return { items: visible.map(organisationView) };
    },
  );
  app.post(
    '/v1/users',
    {
      config: {
        openapi: {
          operationId: 'createUser',
          summary: 'Create a user with one role in an organisation.',
          tags: ['tenants'],
          body: UserBody,
          responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      const principal = requirePermission(request, 'users:manage');
      const body = UserBody.parse(request.body);
      const row = await createUser(deps, {
        principal,
        email: body.email,
        name: body.name,
        role: body.role,
        password: body.password,
        ...(body.organisationId === undefined ? {} : { organisationId: body.organisationId }),
      });
      return reply.code(201).send(userView(row, await auth.organisation(row.organisation_id)));
    },
  );
  app.get(
    '/v1/users',
    {
      config: {
        openapi: {
          operationId: 'listUsers',
          summary: "Users of the caller's organisation.",
          tags: ['tenants'],
          body: SiteBody,
          responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
        },
      },
    },
    async (request) => {
      const principal = requirePermission(request, 'users:read');
      const rows = await auth.users(principal.role === 'platform_admin' ? undefined : principal.organisationId);
      return { items: rows.map((row) => userView(row)) };
    },
  );
  app.post(
    '/v1/sites',
    {
      config: {
        openapi: {
          operationId: 'createSite',
          summary: 'Create a site of an enterprise.',
          tags: ['tenants'],
          body: SiteBody,
          responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      const principal = requirePermission(request, 'registry:write');
      const body = SiteBody.parse(request.body);
      const row = await createSite(deps, {
        principal,
        name: body.name,
        ...(body.id === undefined ? {} : { id: body.id }),
        ...(body.organisationId === undefined ? {} : { organisationId: body.organisationId }),
        ...(body.address === undefined ? {} : { address: body.address }),
      });
      return reply.code(201).send(siteView(row));
    },
  );
  app.get(
    '/v1/sites',
    {
      config: {
        openapi: {
          operationId: 'listSites',
          summary: 'Sites the caller may see.',
          tags: ['tenants'],
          responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
        },
      },
    },
    async (request) => {
      const principal = requirePermission(request, 'registry:read');
      const rows = await auth.sites(principal.role === 'platform_admin' ? undefined : principal.organisationId);
      return { items: rows.map(siteView) };
    },
  );
}
