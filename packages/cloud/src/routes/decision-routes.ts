import type { FastifyInstance } from 'fastify';
import type { CloudContext } from '../context.ts';
import { appendDecision } from '../decisions/append-decision.ts';
import { buildDecisionBundle } from '../decisions/build-decision-bundle.ts';
import type { DecisionStore } from '../storage/cloud-store.ts';

/**
 * Decisions as log leaves: POST /v1/decisions (a platform admin: auth/route-permissions.ts),
 * GET /v1/decisions/:id and GET /v1/decisions/:id/proof.
 */
export async function decisionRoutes(
  app: FastifyInstance,
  context: CloudContext,
  decisions: DecisionStore,
): Promise<void> {
  app.post('/v1/decisions', async (request, reply) => {
    const result = await appendDecision(context, { decision: request.body });
    return reply.code(result.status === 'appended' ? 201 : 200).send(result);
  });
  app.get<{ Params: { id: string } }>('/v1/decisions/:id', async (request, reply) => {
    const row = await decisions.decisionById(request.params.id);
    if (!row)
      return reply
        .code(404)
        .send({ error: { code: 'decision_not_found', message: `no decision ${request.params.id}` } });
    return { logIndex: row.log_index, decision: JSON.parse(row.body) };
  });
  app.get<{ Params: { id: string } }>('/v1/decisions/:id/proof', async (request) =>
    buildDecisionBundle(context, decisions, { decisionId: request.params.id }),
  );
}
