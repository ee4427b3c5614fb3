import type { FastifyInstance } from 'fastify';
import { JsonObjectSchema } from '../../api/openapi-schemas.ts';
import { alertInScope } from '../finance-scope.ts';
import type { FinanceServices } from '../finance-services.ts';
import type { RiskSweeper } from '../workers/risk-sweeper.ts';

/**
 * Risk: POST /v1/finance/risk/sweep (sweep now, answer what it found); the alerts it raises are
 * served by /v1/alerts. The counts are of the whole sweep; the raised alert ids only the caller's.
 * Permissions: auth/route-permissions.ts.
 */
export async function riskRoutes(app: FastifyInstance, sweeper: RiskSweeper, services: FinanceServices): Promise<void> {
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
      const result = await sweeper.runOnce();
      // Tenancy: the sweep covers every book; the caller hears only of the alerts it may see.
      const scope = services.access.scopeOf(request);
      if (scope.kind === 'all') return result;
      const raisedAlertIds: string[] = [];
      for (const alertId of result.raisedAlertIds) {
        const alert = await services.alerts.get(alertId);
        if (alert && alertInScope(scope, alert)) raisedAlertIds.push(alertId);
      }
      return { ...result, raisedAlertIds };
    },
  );
}
