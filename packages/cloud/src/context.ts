import type { BulkVerifier, CryptoSuiteName, MetricFamily, Signer } from '@fieldproof/protocol';
import type { Logger } from 'pino';
import type { CloudAlertStore } from './alerts/kysely-alert-store.ts';
import type { RouteCatalogue } from './api/route-openapi.ts';
import type { AuthStore } from './auth/auth-store.ts';
import type { DeviceAccess } from './auth/device-access.ts';
import type { CloudConfig } from './config.ts';
import type { EdgeOperationsStore } from './edges/edge-operations-store.ts';
import type { EventStore } from './events/kysely-event-store.ts';
import type { LogSequencer } from './log/log-sequencer.ts';
import type { AnchorStore, CloudStore, CosignatureStore } from './storage/cloud-store.ts';

/** The one object routes and workers get. */
export interface CloudContext {
  config: CloudConfig;
  suite: CryptoSuiteName;
  store: CloudStore;
  sequencer: LogSequencer;
  /** The log's checkpoint signer. */
  logSigner: Signer;
  /** The checkpoint origin line of this log. */
  origin: string;
  /** The key name in checkpoint signature lines. */
  logKeyName: string;
  verifier: BulkVerifier;
  log: Logger;
  clock: () => number;
  /** Witness cosignatures of our checkpoints and each witness's last cosigned size. */
  cosignatures: CosignatureStore;
  /** The anchor table and the chain it is about, when a chain is configured. */
  anchors?: { store: AnchorStore; chainId: number; contractAddress: string };
  /** Edge operations: remote config, heartbeats, key history (set by the server). */
  edgeOperations?: EdgeOperationsStore;
  /** Extra metric families for /metrics, from modules (edge health, …). */
  metricSources?: (() => Promise<MetricFamily[]>)[];
  /** Alerts (finance's AlertStore on the cloud store): raise with finance's raiseAlerts, list, act on. */
  alerts: CloudAlertStore;
  /** Derived events from edges and their re-execution verdicts. */
  events: EventStore;
  /** Every route the server registered, with its OpenAPI description (set by startApi). */
  routeCatalogue?: RouteCatalogue;
  /** Tenants, users, keys, consents, access log (set by the server's installAuth). */
  auth?: AuthStore;
  /** The gate of device data reads by organisation and consent (set by the server's installAuth). */
  access?: DeviceAccess;
}
