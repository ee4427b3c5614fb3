import { DecisionSchema } from '@fieldproof/protocol';
import type { FastifyInstance } from 'fastify';
import { JsonObjectSchema } from '../api/openapi-schemas.ts';
import type { CloudContext } from '../context.ts';
import { appendDecision } from '../decisions/append-decision.ts';
import { buildDecisionBundle } from '../decisions/build-decision-bundle.ts';
import type { DecisionStore } from '../storage/cloud-store.ts';

/**
 * Decisions as log leaves: POST /v1/decisions (admin token until roles land with the platform
 * issue), GET /v1/decisions/:id and GET /v1/decisions/:id/proof.
 */
export async function decisionRoutes(
  app: FastifyInstance,
  context: CloudContext,
  decisions: DecisionStore,
): Promise<void> {
  app.post(
    '/v1/decisions',
    {
      config: {
        openapi: {
          operationId: 'appendDecision',
          summary: 'Append a decision as a log leaf (201 appended, 200 the same decision again).',
          tags: ['decisions'],
          body: DecisionSchema,
          responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      const result = await appendDecision(context, { decision: request.body });
      return reply.code(result.status === 'appended' ? 201 : 200).send(result);
    },
  );
  app.get<{ Params: { id: string } }>(
    '/v1/decisions/:id',
    {
      config: {
        openapi: {
          operationId: 'getDecision',
          summary: 'A logged decision and its log index.',
          tags: ['decisions'],
          responses: { 200: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      const row = await decisions.decisionById(request.params.id);
      if (!row)
        return reply
          .code(404)
          .send({ error: { code: 'decision_not_found', message: `no decision ${request.params.id}` } });
      return { logIndex: row.log_index, decision: JSON.parse(row.body) };
    },
  );
  app.get<{ Params: { id: string } }>(
    '/v1/decisions/:id/proof',
    {
      config: {
        openapi: {
          operationId: 'getDecisionProof',
          summary: "A decision's proof bundle.",
          tags: ['decisions'],
          auth: 'none',
          responses: { 200: JsonObjectSchema },
        },
      },
    },
    async (request) => buildDecisionBundle(context, decisions, { decisionId: request.params.id }),
  );
}
