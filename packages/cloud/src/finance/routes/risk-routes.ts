import type { Alert } from '@fieldproof/finance';
import type { FastifyInstance } from 'fastify';
import type { FinanceServices } from '../finance-services.ts';
import type { RiskSweeper } from '../workers/risk-sweeper.ts';

/**
 * Risk: POST /v1/finance/risk/sweep (sweep now, answer what it found) and GET /v1/finance/alerts
 * (the alerts of this process's store until the cloud's alert store serves /v1/alerts). Admin token.
 */
export async function riskRoutes(
  app: FastifyInstance,
  services: FinanceServices,
  sweeper: RiskSweeper,
  requireAdmin: (authorization: string | undefined) => void,
): Promise<void> {
  app.post('/v1/finance/risk/sweep', async (request) => {
    requireAdmin(request.headers.authorization);
    return sweeper.runOnce();
  });
  app.get('/v1/finance/alerts', async (request) => {
    requireAdmin(request.headers.authorization);
    const listing = services.alerts as { all?: () => Alert[] };
    return { alerts: listing.all ? listing.all() : [] };
  });
}
