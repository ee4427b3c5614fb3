import type { FastifyInstance } from 'fastify';
import { JsonObjectSchema } from '../../api/openapi-schemas.ts';
import type { RiskSweeper } from '../workers/risk-sweeper.ts';

/**
 * Risk: POST /v1/finance/risk/sweep (sweep now, answer what it found); the alerts it raises are
 * served by /v1/alerts. Permissions: auth/route-permissions.ts.
 */
export async function riskRoutes(app: FastifyInstance, sweeper: RiskSweeper): Promise<void> {
  app.post(
    '/v1/finance/risk/sweep',
    {
      config: {
        openapi: {
          operationId: 'runRiskSweep',
          summary: 'Run the risk rules now and answer what they found.',
          tags: ['risk'],
          responses: { 200: JsonObjectSchema },
        },
      },
    },
    async (request) => {
      return sweeper.runOnce();
    },
  );
}
