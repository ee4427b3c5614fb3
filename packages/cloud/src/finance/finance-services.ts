import { randomUUID } from 'node:crypto';
import type {
  AlertStore,
  CollateralStore,
  FlowStore,
  JournalStore,
  LoanStore,
  PartyStore,
  PledgedLot,
  PriceRecord,
} from '@fieldproof/finance';
import type { DecisionLog } from '@fieldproof/protocol';
import type { Logger } from 'pino';
import { createKyselyAlertStore } from '../alerts/kysely-alert-store.ts';
import type { FieldCipher } from '../crypto-at-rest/field-cipher.ts';
import type { CloudStore, DecisionStore } from '../storage/cloud-store.ts';
import { createFinanceAccess, type FinanceAccess } from './finance-scope.ts';
import { createFinanceStateStore, type FinanceStateStore } from './finance-state-store.ts';
import { openFinanceStores } from './stores/open-finance-stores.ts';
import { createWebhookStore, type WebhookStore } from './webhooks/webhook-store.ts';

/** Rules' thresholds and the workers' timing. */
export interface FinanceSettings {
  /** A price older than this is stale, ms (a pledge is refused on it; the sweep flags it). */
  priceMaxAgeMs: number;
  /** A monitoring device silent longer than this is offline, ms. */
  offlineAfterMs: number;
  /** Weighing tolerance when matching goods out to release orders, grams. */
  toleranceGrams: bigint;
  /** How often the risk sweep runs, ms. */
  sweepIntervalMs: number;
  /** Window of the circular-trade search, ms. */
  circularTradeWindowMs: number;
  /** Most price records kept in the price book (oldest dropped first). */
  priceRecordsMax: number;
  /** The bank whose risk officers see the circular-trade findings. */
  bankOrganisationId: string;
}

/** Defaults: prices a day old are stale, a device silent 10 min is offline, 50 kg tolerance, a sweep every 5 s. */
export const financeSettingsDefaults: FinanceSettings = {
  priceMaxAgeMs: 86_400_000,
  offlineAfterMs: 600_000,
  toleranceGrams: 50_000n,
  sweepIntervalMs: 5_000,
  circularTradeWindowMs: 30 * 86_400_000,
  priceRecordsMax: 100_000,
  bankOrganisationId: 'bank',
};

/** Stock movements remembered per lot as LTV evidence. */
export const lotMovementsKept = 5;

/** Everything the finance routes, operations and workers use. */
export interface FinanceServices {
  /** The journal (double-entry accounts and transfers). */
  journal: JournalStore;
  /** Loans and claims. */
  loans: LoanStore;
  /** Parties and relationships. */
  parties: PartyStore;
  /** The four flows' records. */
  flows: FlowStore;
  /** Pledged lots and release orders. */
  collateral: CollateralStore;
  /** Alerts. */
  alerts: AlertStore;
  /** The price feed's records, newest last (kept in `state` too, and loaded from it at start). */
  prices: PriceRecord[];
  /** Finance state kept across restarts: price records and the workers' watch sets. */
  state: FinanceStateStore;
  /**
   * Lots of other banks' registers (a consortium-shared register, an imported book): never in our
   * registry, which refuses the same goods twice, but checked against it by the sweep.
   */
  externalLots: PledgedLot[];
  /** Sites whose lots the sweep values (every site a pledge named). */
  siteIds: Set<string>;
  /** Loan amount each lot was pledged for, minor units (used until its loan is disbursed). */
  lotLoanAmountMinor: Map<string, bigint>;
  /** The stock movements last applied to each lot (newest last, at most lotMovementsKept): LTV alerts cite their frames. */
  lotMovements: Map<string, { eventId: string; frameIds: readonly string[] }[]>;
  /** The `price.recorded` decision of each commodity's newest price. */
  priceDecisionByCommodity: Map<string, string>;
  /** Loans disbursed through this cloud, which the daily accrual visits. */
  disbursedLoanIds: Set<string>;
  /** Borrowers and core enterprises whose trades the circular-trade rule watches. */
  monitoredOrganisationIds: Set<string>;
  /** Last frame or heartbeat of each device, UTC ms (from device-health and stock-movement events). */
  deviceLastSeenAtMs: Map<string, number>;
  /** Where decisions become log leaves with proof bundles. */
  decisionLog: DecisionLog;
  /** The recorded decisions (to read a pledge's terms back). */
  decisions: DecisionStore;
  /** The cloud store (its logged frames feed the credit score's IoT features). */
  store: CloudStore;
  /** Webhook subscriptions and deliveries. */
  webhooks: WebhookStore;
  /** The finance tenancy gate: each caller's scope, and logged refusals (finance-scope.ts). */
  access: FinanceAccess;
  /** Thresholds and timing. */
  settings: FinanceSettings;
  /** Now, UTC ms. */
  clock: () => number;
  /** A fresh id with a prefix. */
  newId: (prefix: string) => string;
  /** Logger. */
  log: Logger;
}

/** Finance stores to use instead of the cloud store's own (tests, or the server's alert store). */
export interface FinanceStoresInput {
  journal?: JournalStore;
  loans?: LoanStore;
  parties?: PartyStore;
  flows?: FlowStore;
  collateral?: CollateralStore;
  alerts?: AlertStore;
}

/**
 * Build the finance services of a cloud: the finance stores (migration 0005) and webhooks
 * (migration 0006) on the cloud store's own connection(s), SQLite or PostgreSQL.
 */
export function createFinanceServices(parameters: {
  store: CloudStore;
  decisionLog: DecisionLog;
  clock: () => number;
  log: Logger;
  stores?: FinanceStoresInput;
  settings?: Partial<FinanceSettings>;
  /** Seals webhook secrets and party identity details at rest (docs/encryption-at-rest.md). */
  cipher?: FieldCipher;
}): FinanceServices {
  const stores = parameters.stores ?? {};
  const persisted = openFinanceStores(parameters.store, parameters.cipher);
  return {
    journal: stores.journal ?? persisted.journalStore,
    loans: stores.loans ?? persisted.loanStore,
    parties: stores.parties ?? persisted.partyStore,
    flows: stores.flows ?? persisted.flowStore,
    collateral: stores.collateral ?? persisted.collateralStore,
    alerts: stores.alerts ?? createKyselyAlertStore(parameters.store),
    prices: [],
    state: createFinanceStateStore(parameters.store),
    externalLots: [],
    siteIds: new Set(),
    lotLoanAmountMinor: new Map(),
    monitoredOrganisationIds: new Set(),
    disbursedLoanIds: new Set(),
    lotMovements: new Map(),
    priceDecisionByCommodity: new Map(),
    deviceLastSeenAtMs: new Map(),
    decisionLog: parameters.decisionLog,
    decisions: parameters.store,
    store: parameters.store,
    webhooks: createWebhookStore(parameters.store, parameters.cipher),
    access: createFinanceAccess({ store: parameters.store, clock: parameters.clock }),
    settings: { ...financeSettingsDefaults, ...parameters.settings },
    clock: parameters.clock,
    newId: (prefix) => `${prefix}-${randomUUID()}`,
    log: parameters.log,
  };
}
