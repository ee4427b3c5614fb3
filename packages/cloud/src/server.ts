import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  type BulkVerifier,
  CodedError,
  createTlsFetch,
  createWebServer,
  type DecisionLog,
  defaultEventRegistry,
  FieldproofError,
  inlineVerifier,
  keyPairSigner,
  readTlsFiles,
} from '@fieldproof/protocol';
import Fastify from 'fastify';
import pino, { type Logger } from 'pino';
import { ZodError } from 'zod';
import { createKyselyAlertStore } from './alerts/kysely-alert-store.ts';
import { startApi } from './api/start-api.ts';
import type { AuthDeps } from './auth/auth-deps.ts';
import { installAuth } from './auth/install-auth.ts';
import { createRequireReader } from './auth/require-reader.ts';
import { createEvmAnchorer, type EvmAnchorer } from './chain/evm/evm-anchorer.ts';
import { type CloudConfigInput, parseCloudConfig } from './config.ts';
import { serveConsole } from './console/serve-console.ts';
import type { CloudContext } from './context.ts';
import { createFieldCipher } from './crypto-at-rest/field-cipher.ts';
import { openFileKeyProvider } from './crypto-at-rest/file-key-provider.ts';
import type { KeyProvider } from './crypto-at-rest/key-provider.ts';
import { resealValues } from './crypto-at-rest/reseal-values.ts';
import { createDecisionLog } from './decisions/create-decision-log.ts';
import {
  type DirectIngest,
  type StartDirectIngestOptions,
  startDirectIngest,
} from './direct-ingest/start-direct-ingest.ts';
import { edgeHealthMetrics } from './edges/edge-health.ts';
import { createEdgeOperationsStore } from './edges/edge-operations-store.ts';
import { createKyselyEventStore } from './events/kysely-event-store.ts';
import { financeErrorStatus } from './finance/finance-error-status.ts';
import { type CloudFinance, type StartFinanceOptions, startFinance } from './finance/start-finance.ts';
import { checkpointFinality } from './log/checkpoint-finality.ts';
import { loadLogIdentity } from './log/load-log-identity.ts';
import { openLogSequencer } from './log/log-sequencer.ts';
import { alertRoutes } from './routes/alert-routes.ts';
import { consistencyRoutes } from './routes/consistency-routes.ts';
import { decisionRoutes } from './routes/decision-routes.ts';
import { edgeOperationsRoutes } from './routes/edge-operations-routes.ts';
import { eventRoutes } from './routes/event-routes.ts';
import { identityRoutes } from './routes/identity-routes.ts';
import { ingestRoutes } from './routes/ingest-routes.ts';
import { portfolioRoutes } from './routes/portfolio-routes.ts';
import { proofRoutes } from './routes/proof-routes.ts';
import { provisioningRoutes } from './routes/provisioning-routes.ts';
import { registryRoutes } from './routes/registry-routes.ts';
import { statusRoutes } from './routes/status-routes.ts';
import { streamRoutes } from './routes/stream-routes.ts';
import { tileRoutes } from './routes/tile-routes.ts';
import { configuredRoles, directIngestForRoles, openScaleOut, type ScaleOut } from './scale-out/start-scale-out.ts';
import type { CloudStore } from './storage/cloud-store.ts';
import { openPostgresCloudStore } from './storage/postgres/open-postgres-cloud-store.ts';
import { openSqliteCloudStore } from './storage/sqlite/open-sqlite-cloud-store.ts';
import { storeUnavailableError } from './storage/store-unavailable.ts';
import { type DevelopmentCa, loadOrCreateDevelopmentCa } from './tls/development-ca.ts';
import { publishCheckpoint, startCheckpointer } from './workers/checkpointer.ts';
import { type Cosigner, startCosigner } from './workers/cosigner.ts';
import { type EventReexecutor, startEventReexecutor } from './workers/event-reexecutor.ts';

/** Collaborators supplied by the hosting process. */
export interface StartCloudOptions {
  /** Logger; silent by default. */
  log?: Logger;
  /** Bulk signature verifier (a worker pool); inline by default. */
  verifier?: BulkVerifier;
  /** Clock in UTC ms. */
  clock?: () => number;
  /** Finance module settings, webhook timing and stores. */
  finance?: StartFinanceOptions;
  /** Direct ingest (when `directIngest` is configured): another frame bus (JetStream), or no sequencer here. */
  directIngest?: StartDirectIngestOptions;
  /**
   * Holder of the master keys for encryption at rest: a KMS or HSM adapter; by default the file
   * provider in `<dataDir>/keys/master-keys.json` (docs/encryption-at-rest.md).
   */
  keyProvider?: KeyProvider;
}

/** A running cloud server. */
export interface CloudServer {
  /** Base URL of the API. */
  url: string;
  /** Bearer token for admin calls (registration); kept in the data folder, mode 0600. */
  adminToken: string;
  /** The log's checkpoint origin. */
  origin: string;
  /** The chain anchoring service, or undefined for `chain: none`. */
  anchorer: EvmAnchorer | undefined;
  /** Where finance operations record their decisions as log leaves and get their bundles. */
  decisionLog: DecisionLog;
  /** Access control: tenants, users, keys, consents (for the CLI's demo bootstrap and tests). */
  auth: AuthDeps;
  /** Routes' and workers' shared context (for tests and the CLI). */
  context: CloudContext;
  /** The finance module: its stores, price book and workers (undefined on a scale-out node without the worker role). */
  finance: CloudFinance | undefined;
  /** The worker that sends checkpoints to the configured witnesses (idle without witnesses). */
  cosigner: Cosigner | undefined;
  /** The worker that re-executes the derived events edges send. */
  reexecutor: EventReexecutor | undefined;
  /** Direct device ingest (HTTPS, CoAP, MQTT), when `directIngest` is configured. */
  directIngest: DirectIngest | undefined;
  /** Scale-out roles and the JetStream bus, when `scaleOut` is configured (docs/scale-out.md). */
  scaleOut: ScaleOut | undefined;
  /** Sign a checkpoint now if the log grew. */
  checkpointNow(): Promise<number | undefined>;
  /** Stop the listener and workers, sign a last checkpoint, close the store. */
  stop(): Promise<void>;
}

/** A listen host as it goes in a URL: an IPv6 address in brackets. */
function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function loadOrCreateToken(path: string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const token = randomBytes(32).toString('base64url');
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  return token;
}

/**
 * Start the cloud: open the store, load or create the log key and admin token, rebuild the log
 * frontier, register routes, start the checkpoint worker and listen.
 * Precondition: `dataDir` is writable and private to this server.
 */
export async function startCloudServer(input: CloudConfigInput, options: StartCloudOptions = {}): Promise<CloudServer> {
  const config = parseCloudConfig(input);
  const identity = loadLogIdentity({ dataDir: config.dataDir, logKeyAlg: config.logKeyAlg, origin: config.origin });
  const logKey = identity.keyPair;
  const adminToken = loadOrCreateToken(join(config.dataDir, 'keys', 'admin-token'));
  const store: CloudStore =
    config.store.kind === 'postgres'
      ? await openPostgresCloudStore({
          url: config.store.url,
          connectionsMax: config.store.connectionsMax,
          ...(config.store.schema === undefined ? {} : { schema: config.store.schema }),
        })
      : await openSqliteCloudStore(config.store.path ?? join(config.dataDir, 'cloud.db'), {
          synchronous: config.synchronous,
        });
  const storedSuite = await store.getMeta('suite');
  if (storedSuite && storedSuite !== config.suite) {
    await store.close();
    throw new Error(
      `invalid cloud configuration:\n  cloud.suite: this log was created with suite ${storedSuite}; a log keeps one suite`,
    );
  }
  await store.setMeta('suite', config.suite);
  // Encryption at rest: rows written in clear before migration 0013 are sealed now, once.
  const cipher = createFieldCipher({
    store,
    keys: options.keyProvider ?? openFileKeyProvider({ dataDir: config.dataDir, suite: config.suite }),
    suite: config.suite,
  });
  await resealValues({ store, cipher });
  const origin = identity.origin;
  const sequencer = await openLogSequencer(store, config.suite, origin);
  const log = options.log ?? pino({ level: 'silent' });
  const context: CloudContext = {
    config,
    suite: config.suite,
    store,
    sequencer,
    logSigner: keyPairSigner(logKey),
    origin,
    logKeyName: origin,
    verifier: options.verifier ?? inlineVerifier,
    log,
    clock: options.clock ?? Date.now,
    cosignatures: store,
    alerts: createKyselyAlertStore(store),
    events: createKyselyEventStore(store),
  };
  const decisions = store;
  const edgeOperations = createEdgeOperationsStore(store);
  context.edgeOperations = edgeOperations;
  context.metricSources = [...(context.metricSources ?? []), () => edgeHealthMetrics(context, edgeOperations)];
  const tls = config.tls;
  const app = Fastify({
    logger: false,
    bodyLimit: 1_048_576,
    // HTTPS when configured; Fastify's handler is the same either way.
    serverFactory: (handler) => createWebServer(tls, handler),
  });
  app.setErrorHandler((thrown, _request, reply) => {
    const error = storeUnavailableError(thrown) ?? thrown;
    if (error instanceof FieldproofError) {
      return reply
        .code(error.status)
        .send({ error: { code: error.code, message: error.message, details: error.details } });
    }
    // The finance package's errors (CollateralError, LoanError …): their status or one by code.
    const financeStatus = financeErrorStatus(error);
    if (error instanceof CodedError && financeStatus !== undefined) {
      return reply
        .code(financeStatus)
        .send({ error: { code: error.code, message: error.message, details: error.details } });
    }
    if (error instanceof ZodError) {
      const issue = error.issues[0];
      return reply.code(400).send({
        error: {
          code: 'request_invalid',
          message: `${issue?.path.join('.') || 'request'}: ${issue?.message ?? 'invalid'}`,
        },
      });
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply.code(status).send({
        error: { code: status === 413 ? 'batch_oversize' : 'request_invalid', message: (error as Error).message },
      });
    }
    log.error({ err: error }, 'unhandled error');
    return reply.code(500).send({ error: { code: 'internal', message: 'an unexpected error; see the server log' } });
  });
  // Access control first: its hook guards every route registered after it (docs/access-control.md).
  const auth = await installAuth(app, context, { dataDir: config.dataDir, adminToken });
  // Then the open API: its hooks and route catalogue apply to every route added after.
  await startApi(app, context);
  const consoleSite = await serveConsole(app, { consoleDir: config.consoleDir, log });
  app.setNotFoundHandler(async (request, reply) => {
    if (await consoleSite.fallback(request, reply)) return reply;
    return reply.code(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url}` } });
  });
  await ingestRoutes(app, context);
  await registryRoutes(app, context);
  await edgeOperationsRoutes(app, context, edgeOperations);
  await identityRoutes(app, context);
  // The provisioning CA is loaded (or made) on the first provisioning call, not at every start.
  let provisioningCa: Promise<DevelopmentCa> | undefined;
  await provisioningRoutes(app, context, () => {
    provisioningCa ??= loadOrCreateDevelopmentCa({
      dir: config.provisioningCaDir ?? join(config.dataDir, 'tls'),
      clock: context.clock,
    });
    return provisioningCa;
  });
  await proofRoutes(app, context);
  await statusRoutes(app, context);
  await consistencyRoutes(app, context);
  await decisionRoutes(app, context, decisions);
  const decisionLog = createDecisionLog(context, decisions);
  // Scale-out (docs/scale-out.md): each role starts only its parts; the embedded default runs all.
  const roles = configuredRoles(config.scaleOut);
  const scaleOut = config.scaleOut ? await openScaleOut(context, config.scaleOut) : undefined;
  const finance = !roles.has('worker')
    ? undefined
    : await startFinance(
        app,
        {
          store,
          suite: config.suite,
          events: context.events,
          decisionLog,
          clock: context.clock,
          log: log.child({ module: 'finance' }),
          cipher,
        },
        { ...options.finance, stores: { alerts: context.alerts, ...options.finance?.stores } },
      );
  await tileRoutes(app, context);
  await alertRoutes(app, context, context.alerts);
  // The console's read models sit on the finance stores, which run where the worker role runs.
  if (finance) await portfolioRoutes(app, context, finance.services, createRequireReader());
  await streamRoutes(app, context, createRequireReader());
  const reexecutor = roles.has('worker') ? startEventReexecutor(context, defaultEventRegistry) : undefined;
  await eventRoutes(app, context, () => reexecutor?.trigger());
  const cosigner = roles.has('worker')
    ? startCosigner(context, config.clientTls ? { fetch: createTlsFetch(readTlsFiles(config.clientTls)) } : {})
    : undefined;
  // Scale-out: the sequencer holding the log's lease signs the checkpoints (ScaleOut.startSequencer).
  const checkpointer = scaleOut ? undefined : startCheckpointer(context, { onPublished: () => cosigner?.trigger() });
  if (config.witnesses.length === 0) log.info('witnesses: none (every checkpoint counts as final)');
  // With witnesses, only checkpoints cosigned by witnessThreshold of them are anchored.
  const anchorer = config.chain
    ? createEvmAnchorer(
        { store, origin, suite: config.suite, log, clock: context.clock },
        {
          config: config.chain,
          isFinal: async (checkpoint) => (await checkpointFinality(context, checkpoint.note, checkpoint.size)).final,
        },
      )
    : undefined;
  if (anchorer) {
    context.anchors = {
      store: anchorer.anchors,
      chainId: anchorer.scope.chainId,
      contractAddress: anchorer.scope.contractAddress,
    };
    if (roles.has('worker')) anchorer.start();
  } else log.info('chain: none (final checkpoints are not anchored; set cloud.chain to anchor them)');
  // Before listen: the HTTPS transport is a route on the API listener.
  const directIngest = !config.directIngest
    ? undefined
    : scaleOut
      ? // Scale-out: the JetStream bus; the transports on ingest nodes; the lease-holding sequencer consumes.
        await startDirectIngest(context, app, directIngestForRoles(config.directIngest, roles), {
          bus: scaleOut.bus,
          sequencer: false,
        })
      : await startDirectIngest(context, app, config.directIngest, options.directIngest);
  // One shutdown order for a failed start and for stop(): first stop taking direct frames and let
  // the sequencer finish its batch while the store is open, then the listener, workers, store.
  const stopAll = async () => {
    await directIngest?.stop();
    await scaleOut?.stop();
    await app.close();
    await finance?.stop();
    await checkpointer?.stop();
    await cosigner?.stop();
    await reexecutor?.stop();
    await anchorer?.stop();
    await store.close();
  };
  try {
    await app.listen({ host: config.http.host, port: config.http.port });
    await directIngest?.startTransports();
    scaleOut?.startSequencer(directIngest);
  } catch (error) {
    await stopAll();
    throw error;
  }
  const address = app.server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://${urlHost(config.http.host)}:${address.port}`,
    adminToken,
    origin,
    anchorer,
    decisionLog,
    auth: auth.deps,
    context,
    finance,
    cosigner,
    reexecutor,
    directIngest,
    scaleOut,
    checkpointNow: async () => {
      const size = await publishCheckpoint(context);
      if (size !== undefined) cosigner?.trigger();
      return size;
    },
    stop: stopAll,
  };
}
