import { IdSchema } from '@fieldproof/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { JsonObjectSchema } from '../api/openapi-schemas.ts';
import type { AuthDeps } from '../auth/auth-deps.ts';
import type { AccessLogRow, ConsentRow } from '../auth/auth-store.ts';
import { consentIsLive } from '../auth/device-read-scope.ts';
import { consentListItemsMax, grantConsent } from '../auth/grant-consent.ts';
import { requirePermission } from '../auth/require-permission.ts';
import { revokeConsent } from '../auth/revoke-consent.ts';

const TimeMs = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const Kind = z.string().regex(/^[a-z][a-z0-9_.]{0,63}$/);
const ConsentBody = z
  .object({
    organisationId: IdSchema.optional(),
    bankId: IdSchema,
    siteIds: z.array(IdSchema).min(1).max(consentListItemsMax).optional(),
    deviceIds: z.array(IdSchema).min(1).max(consentListItemsMax).optional(),
    dataKinds: z.array(Kind).min(1).max(consentListItemsMax).optional(),
    fromMs: TimeMs,
    toMs: TimeMs,
    expiresAtMs: TimeMs.optional(),
  })
  .strict();
const ConsentParams = z.object({ id: IdSchema }).strict();
const AccessLogQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    before: z.coerce.number().int().min(1).optional(),
  })
  .strict();

const list = (text: string | null): string[] | null => (text === null ? null : (JSON.parse(text) as string[]));

/** A consent as the API shows it, with whether it is in force now. */
export function consentView(row: ConsentRow, nowMs: number) {
  return {
    id: row.id,
    organisationId: row.organisation_id,
    bankId: row.bank_id,
    siteIds: list(row.site_ids),
    deviceIds: list(row.device_ids),
    dataKinds: list(row.data_kinds),
    fromMs: row.from_ms,
    toMs: row.to_ms,
    expiresAtMs: row.expires_at_ms,
    createdAtMs: row.created_at_ms,
    createdBy: row.created_by,
    grantDecisionId: row.grant_decision_id,
    revokedAtMs: row.revoked_at_ms,
    revokedBy: row.revoked_by,
    revokeDecisionId: row.revoke_decision_id,
    live: consentIsLive(row, nowMs),
  };
}

const accessView = (row: AccessLogRow) => ({
  id: row.id,
  atMs: row.at_ms,
  subject: row.subject,
  organisationId: row.organisation_id,
  ownerOrganisationId: row.owner_organisation_id,
  route: row.route,
  resource: row.resource,
  consentId: row.consent_id,
  outcome: row.outcome,
  code: row.code,
  remoteAddress: row.remote_address,
});

/** Consents (grant, revoke, list) and the access log of reads of the caller's data. */
export async function consentRoutes(app: FastifyInstance, deps: AuthDeps): Promise<void> {
  const { auth } = deps;
  app.post(
    '/v1/consents',
    {
      config: {
        openapi: {
          operationId: 'grantConsent',
          summary: 'An enterprise grants a bank access to a scope of its data (a log leaf).',
          tags: ['consent'],
          body: ConsentBody,
          responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      const principal = requirePermission(request, 'consents:grant');
      const body = ConsentBody.parse(request.body);
      const granted = await grantConsent(deps, {
        principal,
        bankId: body.bankId,
        fromMs: body.fromMs,
        toMs: body.toMs,
        ...(body.organisationId === undefined ? {} : { organisationId: body.organisationId }),
        ...(body.siteIds === undefined ? {} : { siteIds: body.siteIds }),
        ...(body.deviceIds === undefined ? {} : { deviceIds: body.deviceIds }),
        ...(body.dataKinds === undefined ? {} : { dataKinds: body.dataKinds }),
        ...(body.expiresAtMs === undefined ? {} : { expiresAtMs: body.expiresAtMs }),
      });
      return reply.code(201).send({
        consent: consentView(granted.row, deps.clock()),
        decisionId: granted.decisionId,
        logIndex: granted.logIndex,
      });
    },
  );
  app.post(
    '/v1/consents/:id/revoke',
    {
      config: {
        openapi: {
          operationId: 'revokeConsent',
          summary: 'Revoke a consent; the bank loses access at once (a log leaf).',
          tags: ['consent'],
          responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
        },
      },
    },
    async (request) => {
      const principal = requirePermission(request, 'consents:grant');
      const { id } = ConsentParams.parse(request.params);
      const revoked = await revokeConsent(deps, { principal, consentId: id });
      return {
        consent: consentView(revoked.row, deps.clock()),
        decisionId: revoked.decisionId,
        logIndex: revoked.logIndex,
      };
    },
  );
  app.get(
    '/v1/consents',
    {
      config: {
        openapi: {
          operationId: 'listConsents',
          summary: 'Consents the caller granted or received.',
          tags: ['consent'],
          responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
        },
      },
    },
    async (request) => {
      const principal = requirePermission(request, 'consents:read');
      // A bank sees the grants made to it; an enterprise the grants it made; the platform admin all.
      const bankSide = principal.role === 'bank_officer' || principal.role === 'bank_auditor';
      const side = principal.role === 'platform_admin' ? 'all' : bankSide ? 'bank' : 'grantor';
      const nowMs = deps.clock();
      return { items: (await auth.consents(side, principal.organisationId)).map((row) => consentView(row, nowMs)) };
    },
  );
  app.get(
    '/v1/access-log',
    {
      config: {
        openapi: {
          operationId: 'listAccessLog',
          summary: "Who read the caller's organisation's data, and what was refused.",
          tags: ['consent'],
          responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
        },
      },
    },
    async (request) => {
      const principal = requirePermission(request, 'access-log:read');
      const query = AccessLogQuery.parse(request.query);
      const rows = await auth.accessLog(
        principal.role === 'platform_admin' ? undefined : principal.organisationId,
        query.limit,
        query.before,
      );
      return {
        items: rows.map(accessView),
        next: rows.length === query.limit ? (rows[rows.length - 1]?.id ?? null) : null,
      };
    },
  );
}
