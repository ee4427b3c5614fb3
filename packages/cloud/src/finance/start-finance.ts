import type { CryptoSuiteName, DecisionLog } from '@fieldproof/protocol';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { FieldCipher } from '../crypto-at-rest/field-cipher.ts';
import type { EventStore } from '../events/kysely-event-store.ts';
import type { CloudStore } from '../storage/cloud-store.ts';
import { storeKysely } from '../storage/store-kysely.ts';
import { demoOrganisations, loadDemoSupplyChain } from './demo/load-demo-supply-chain.ts';
import {
  createFinanceServices,
  type FinanceServices,
  type FinanceSettings,
  type FinanceStoresInput,
} from './finance-services.ts';
import { collateralRoutes } from './routes/collateral-routes.ts';
import { loanRoutes } from './routes/loan-routes.ts';
import { partyFlowRoutes } from './routes/party-flow-routes.ts';
import { riskRoutes } from './routes/risk-routes.ts';
import { webhookRoutes } from './routes/webhook-routes.ts';
import type { FinanceDatabase } from './stores/finance-database.ts';
import { type InterestAccruer, startInterestAccruer } from './workers/interest-accruer.ts';
import { type RiskSweeper, startRiskSweeper } from './workers/risk-sweeper.ts';
import { type StockMovementFollower, startStockMovementFollower } from './workers/stock-movement-follower.ts';
import {
  startWebhookDeliverer,
  type WebhookDeliverer,
  type WebhookDelivererOptions,
  webhookDelivererDefaults,
} from './workers/webhook-deliverer.ts';

/** The finance part of a running cloud. */
export interface CloudFinance {
  /** Stores, price book, settings. */
  services: FinanceServices;
  /** The risk sweep worker. */
  sweeper: RiskSweeper;
  /** The webhook worker. */
  deliverer: WebhookDeliverer;
  /** The daily interest accrual worker. */
  accruer: InterestAccruer;
  /** The worker deriving stock movements from monitoring devices' stored frames. */
  follower: StockMovementFollower;
  /** Stop the workers. */
  stop(): Promise<void>;
}

/** Options of the finance module. */
export interface StartFinanceOptions {
  /** Thresholds and timing. */
  settings?: Partial<FinanceSettings>;
  /** Webhook retry timing and limits. */
  webhooks?: Partial<WebhookDelivererOptions>;
  /** Finance stores (in memory when left out). */
  stores?: FinanceStoresInput;
  /** Load the demo supply chain at start (loadDemoSupplyChain; idempotent). */
  demo?: boolean;
  /** How often monitoring devices' new frames are turned into stock movements, ms (2,000 by default). */
  followIntervalMs?: number;
}

/** Register the finance and webhook routes on the cloud's server and start their workers. */
export async function startFinance(
  app: FastifyInstance,
  parameters: {
    store: CloudStore;
    suite: CryptoSuiteName;
    /** The events edges send, with their re-execution verdicts (accepted stock movements are applied). */
    events?: EventStore;
    decisionLog: DecisionLog;
    clock: () => number;
    log: Logger;
    /** Seals webhook secrets and party identity details at rest. */
    cipher?: FieldCipher;
  },
  options: StartFinanceOptions = {},
): Promise<CloudFinance> {
  const services = createFinanceServices({
    store: parameters.store,
    decisionLog: parameters.decisionLog,
    clock: parameters.clock,
    log: parameters.log,
    ...(parameters.cipher ? { cipher: parameters.cipher } : {}),
    ...(options.stores ? { stores: options.stores } : {}),
    // The demo's circular-trade alerts belong to the demo bank, so its officers see them (tenancy).
    ...(options.settings || options.demo
      ? { settings: { ...(options.demo ? { bankOrganisationId: demoOrganisations.bank } : {}), ...options.settings } }
      : {}),
  });
  // The sites of lots pledged before this start, so the sweep and the follower see them again.
  const sites = await storeKysely<FinanceDatabase>(parameters.store)
    .selectFrom('finance_lot')
    .select('site_id')
    .distinct()
    .where('status', '=', 'pledged')
    .execute();
  for (const row of sites) services.siteIds.add(row.site_id);
  // The price feed and the workers' watch sets, as they were at the last stop.
  for (const { record, decisionId } of await services.state.latestPrices(services.settings.priceRecordsMax)) {
    services.prices.push(record);
    services.priceDecisionByCommodity.set(record.commodity, decisionId);
  }
  for (const id of await services.state.watched('disbursed_loan')) services.disbursedLoanIds.add(id);
  for (const id of await services.state.watched('monitored_organisation')) services.monitoredOrganisationIds.add(id);
  if (options.demo) await loadDemoSupplyChain(services);
  const sweeper = startRiskSweeper(services);
  const accruer = startInterestAccruer(services, { intervalMs: 3_600_000 });
  const follower = startStockMovementFollower(services, parameters.store, {
    intervalMs: options.followIntervalMs ?? 2_000,
    suite: parameters.suite,
    ...(parameters.events ? { events: parameters.events } : {}),
  });
  const deliverer = startWebhookDeliverer(
    { webhooks: services.webhooks, clock: parameters.clock, log: parameters.log },
    { ...webhookDelivererDefaults, ...options.webhooks },
  );
  await collateralRoutes(app, services);
  await riskRoutes(app, sweeper, services);
  await partyFlowRoutes(app, services);
  await loanRoutes(app, services);
  await webhookRoutes(app, services);
  return {
    services,
    sweeper,
    deliverer,
    follower,
    accruer,
    async stop() {
      await accruer.stop();
      await follower.stop();
      await sweeper.stop();
      await deliverer.stop();
    },
  };
}
