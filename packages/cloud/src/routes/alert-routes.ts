import { RiskError } from '@fieldproof/finance';
import { type Decision, IdSchema } from '@fieldproof/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { actOnAlert } from '../alerts/act-on-alert.ts';
import { alertListLimitMax, type CloudAlertStore, decodeAlertCursor } from '../alerts/kysely-alert-store.ts';
import { JsonObjectSchema } from '../api/openapi-schemas.ts';
import { pageSchema } from '../api/page-cursor.ts';
import type { CloudContext } from '../context.ts';
import { appendDecision } from '../decisions/append-decision.ts';
import { alertInScope, createFinanceAccess } from '../finance/finance-scope.ts';

const ListQuery = z
  .object({
    state: z.enum(['open', 'acknowledged', 'resolved']).optional(),
    severity: z.enum(['low', 'medium', 'high', 'critical']).optional(),
    rule: z
      .string()
      .regex(/^[a-z_]{1,64}$/)
      .optional(),
    subjectId: z.string().min(1).max(256).optional(),
    organisationId: z.string().min(1).max(256).optional(),
    limit: z.coerce.number().int().min(1).max(alertListLimitMax).default(100),
    cursor: z
      .string()
      .max(1024)
      .refine((cursor) => decodeAlertCursor(cursor) !== undefined, 'not a cursor of this API')
      .optional(),
  })
  .strict();
const Actor = z.string().min(1).max(256);
const Note = z.string().min(1).max(4_000);
const AcknowledgeBody = z.object({ actorId: Actor, assigneeId: Actor.optional(), note: Note.optional() }).strict();
const AssignBody = z.object({ actorId: Actor, assigneeId: Actor, note: Note.optional() }).strict();
const ResolveBody = z
  .object({ actorId: Actor, resolution: Note, note: Note.optional(), decisionId: IdSchema.optional() })
  .strict();
const NoteBody = z.object({ actorId: Actor, text: Note }).strict();
const Params = z.object({ id: IdSchema }).strict();

function sendRiskError(reply: FastifyReply, error: unknown) {
  if (error instanceof RiskError) {
    return reply
      .code(error.status)
      .send({ error: { code: error.code, message: error.message, details: error.details } });
  }
  throw error;
}

/**
 * The alert API, scoped to the caller's organisation (docs/access-control.md): GET /v1/alerts (filters state, severity, rule,
 * subjectId, organisationId; `limit` and `cursor` pages, newest first), GET /v1/alerts/:id,
 * POST /v1/alerts/:id/acknowledge | assign | resolve (each with an optional `note`; resolve with a
 * `decisionId` also logs the `alert.resolved` decision and answers its log index) and
 * /v1/alerts/:id/notes. A refused transition answers its RiskError code (409 alert_transition_invalid).
 */
export async function alertRoutes(app: FastifyInstance, context: CloudContext, alerts: CloudAlertStore): Promise<void> {
  // Tenancy (finance/finance-scope.ts): an alert belongs to the organisation whose officers act on
  // it. Lists are filtered in the query; another organisation's alert, or one unknown to a scoped
  // caller, is refused and logged.
  const access = createFinanceAccess({ store: context.store, clock: context.clock });
  const gateAlert = async (request: FastifyRequest, alertId: string): Promise<void> => {
    const scope = access.scopeOf(request);
    if (scope.kind === 'all') return;
    const alert = await alerts.get(alertId);
    if (alert && alertInScope(scope, alert)) return;
    await access.refuse(request, alert?.organisationId ?? null, `alert:${alertId}`);
  };
  app.get(
    '/v1/alerts',
    {
      config: {
        openapi: {
          operationId: 'listAlerts',
          summary: 'Alerts newest first, filtered, a page at a time.',
          tags: ['alerts'],
          query: ListQuery,
          responses: { 200: pageSchema(JsonObjectSchema) },
        },
      },
    },
    async (request) => {
      const query = ListQuery.parse(request.query);
      const scope = access.scopeOf(request);
      if (scope.kind !== 'all' && query.organisationId !== undefined && query.organisationId !== scope.organisationId) {
        await access.refuse(request, query.organisationId, 'alerts');
      }
      const organisationId = scope.kind === 'all' ? query.organisationId : scope.organisationId;
      const page = await alerts.list({
        limit: query.limit,
        ...(query.state === undefined ? {} : { state: query.state }),
        ...(query.severity === undefined ? {} : { severity: query.severity }),
        ...(query.rule === undefined ? {} : { rule: query.rule as never }),
        ...(query.subjectId === undefined ? {} : { subjectId: query.subjectId }),
        ...(organisationId === undefined ? {} : { organisationId }),
        ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
      });
      return { items: page.alerts, ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) };
    },
  );
  app.get(
    '/v1/alerts/:id',
    {
      config: {
        openapi: {
          operationId: 'getAlert',
          summary: 'One alert.',
          tags: ['alerts'],
          params: Params,
          responses: { 200: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      const { id } = Params.parse(request.params);
      await gateAlert(request, id);
      const alert = await alerts.get(id);
      if (!alert) return reply.code(404).send({ error: { code: 'alert_not_found', message: `no alert ${id}` } });
      return { alert };
    },
  );
  const dependencies = {
    store: alerts,
    clock: context.clock,
    appendDecision: (decision: Decision) => appendDecision(context, { decision }),
  };
  app.post(
    '/v1/alerts/:id/acknowledge',
    {
      config: {
        openapi: {
          operationId: 'acknowledgeAlert',
          summary: 'Acknowledge an alert (optionally assign it).',
          tags: ['alerts'],
          params: Params,
          body: AcknowledgeBody,
          responses: { 200: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      const { id } = Params.parse(request.params);
      await gateAlert(request, id);
      const body = AcknowledgeBody.parse(request.body ?? {});
      const { note, ...action } = body;
      return actOnAlert(dependencies, {
        alertId: id,
        action: { type: 'acknowledge', ...action },
        ...(note === undefined ? {} : { note }),
      }).catch((error) => sendRiskError(reply, error));
    },
  );
  app.post(
    '/v1/alerts/:id/assign',
    {
      config: {
        openapi: {
          operationId: 'assignAlert',
          summary: 'Assign an alert.',
          tags: ['alerts'],
          params: Params,
          body: AssignBody,
          responses: { 200: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      const { id } = Params.parse(request.params);
      await gateAlert(request, id);
      const { note, ...action } = AssignBody.parse(request.body ?? {});
      return actOnAlert(dependencies, {
        alertId: id,
        action: { type: 'assign', ...action },
        ...(note === undefined ? {} : { note }),
      }).catch((error) => sendRiskError(reply, error));
    },
  );
  app.post(
    '/v1/alerts/:id/resolve',
    {
      config: {
        openapi: {
          operationId: 'resolveAlert',
          summary: 'Resolve an alert (with a decisionId, also logs the alert.resolved decision).',
          tags: ['alerts'],
          params: Params,
          body: ResolveBody,
          responses: { 200: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      const { id } = Params.parse(request.params);
      await gateAlert(request, id);
      const { note, ...action } = ResolveBody.parse(request.body ?? {});
      return actOnAlert(dependencies, {
        alertId: id,
        action: { type: 'resolve', ...action },
        ...(note === undefined ? {} : { note }),
      }).catch((error) => sendRiskError(reply, error));
    },
  );
  app.post(
    '/v1/alerts/:id/notes',
    {
      config: {
        openapi: {
          operationId: 'addAlertNote',
          summary: 'Add a note to an alert.',
          tags: ['alerts'],
          params: Params,
          body: NoteBody,
          responses: { 200: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      const { id } = Params.parse(request.params);
      await gateAlert(request, id);
      const body = NoteBody.parse(request.body ?? {});
      return actOnAlert(dependencies, { alertId: id, action: { type: 'note', ...body } }).catch((error) =>
        sendRiskError(reply, error),
      );
    },
  );
}
