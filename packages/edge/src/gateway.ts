import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type BulkVerifier,
  fromBase64,
  inlineVerifier,
  keyPairSigner,
  loadOrCreateKeyPair,
  toBase64,
} from '@fieldproof/protocol';
import pino, { type Logger } from 'pino';
import { createBacklog } from './backlog.ts';
import { type EdgeConfigInput, keylessDeviceIds, parseEdgeConfig } from './config.ts';
import type { AcquisitionDeviceStatus, EdgeContext, EdgeEvents, EdgeExtension } from './context.ts';
import { createBatchExtension } from './extensions/batch.ts';
import { createDeriveExtension } from './extensions/derive.ts';
import { createEventUplinkExtension } from './extensions/event-uplink.ts';
import { createHttpIntakeExtension } from './extensions/http-intake.ts';
import { createModbusPollExtension } from './extensions/modbus-poll.ts';
import { createMqttIntakeExtension } from './extensions/mqtt-intake.ts';
import { createOpcuaSubscribeExtension } from './extensions/opcua-subscribe.ts';
import { createUplinkExtension, type UplinkStats } from './extensions/uplink.ts';
import { createVerifyExtension } from './extensions/verify.ts';
import { type DerivedEventRow, openEdgeStore } from './storage/edge-store.ts';

/** Options that are not configuration: collaborators supplied by the process that hosts the edge. */
export interface StartEdgeOptions {
  /** Logger; a silent one by default. */
  log?: Logger;
  /** Bulk signature verifier (a worker pool); inline by default. */
  verifier?: BulkVerifier;
  /** Clock in UTC ms. */
  clock?: () => number;
}

/** A running edge gateway. */
export interface EdgeGateway {
  /** The edge's id. */
  edgeId: string;
  /** The edge's public key and algorithm (register these with the cloud). */
  publicKey: { alg: string; publicKey: string };
  /** URL of the edge's HTTP listener, if enabled. */
  httpUrl: string | undefined;
  /** Counts for operators and tests. */
  status(): EdgeStatus;
  /** Poll every Modbus device once now; resolves when the polls are done (for tests and operators). */
  pollModbus(): Promise<void>;
  /** Business events derived here, oldest first, after the row id `afterId` (see docs/edge-events.md). */
  derivedEvents(afterId?: number, limit?: number): DerivedEventRow[];
  /** Verify everything in the inbox, derive events, seal a batch from what waits and wait for the outbox to empty. */
  flush(): Promise<void>;
  /** Stop every extension in reverse order and close the store. */
  stop(): Promise<void>;
}

/** What the edge reports about itself. */
export interface EdgeStatus {
  edgeId: string;
  inbox: number;
  frames: number;
  batches: number;
  batchesSent: number;
  outbox: { batches: number; frames: number; oldestAgeMs: number | null };
  quarantined: number;
  rejects: Record<string, number>;
  /** Exact re-deliveries of accepted frames (QoS 1 at-least-once); acknowledged, stored once. */
  duplicates: number;
  /** Frames held that the cloud has not accepted (inbox, waiting for a batch, unsent batches). */
  backlogFrames: number;
  /** True while the outbox is at outboxFramesMax and the edge withholds acknowledgements. */
  backPressure: boolean;
  /** Times back-pressure was switched on since start (each one an alert). */
  backPressureAlerts: number;
  /** Keyless devices (Modbus, OPC UA) by device id: connected, frames made, errors and the last one. */
  acquisition: Record<string, AcquisitionDeviceStatus>;
  /** Business events derived and kept, and how many of them the cloud has not accepted yet. */
  events: { derived: number; unsent: number };
  /** The uplink profile in force. */
  profile: 'standard' | 'low-bandwidth';
  /** What the uplink sent since start. */
  uplink: UplinkStats & { compression: 'none' | 'gzip' | 'br' };
}

/**
 * Start an edge gateway: load or create its key, open its store, register the configured devices
 * and start the extensions (verify, derive, batch, uplink, then the intakes, so nothing arrives before the
 * pipeline behind it runs). Precondition: `dataDir` is writable and private to this edge.
 */
export async function startEdgeGateway(input: EdgeConfigInput, options: StartEdgeOptions = {}): Promise<EdgeGateway> {
  const config = parseEdgeConfig(input);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const keyPair = loadOrCreateKeyPair(join(config.dataDir, 'edge-key.json'), config.keyAlg);
  const store = openEdgeStore(join(config.dataDir, 'edge.db'), { synchronous: config.synchronous });
  for (const device of config.devices) {
    const publicKey = fromBase64(device.publicKey);
    if (!publicKey) throw new Error(`invalid edge configuration: devices[${device.deviceId}].publicKey is not base64`);
    store.upsertDevice(device.deviceId, device.alg, publicKey);
  }
  // Keyless devices verify with the edge's own key: the edge signs their frames as edge-attested.
  for (const deviceId of keylessDeviceIds(config)) store.upsertDevice(deviceId, keyPair.alg, keyPair.publicKey);
  const log = (options.log ?? pino({ level: 'silent' })).child({ edgeId: config.edgeId });
  const context: EdgeContext = {
    config,
    store,
    signer: keyPairSigner(keyPair),
    verifier: options.verifier ?? inlineVerifier,
    log,
    clock: options.clock ?? Date.now,
    events: new EventEmitter<EdgeEvents>(),
    backlog: createBacklog({ store, config, log }),
  };
  const verifyExtension = createVerifyExtension(context);
  const deriveExtension = createDeriveExtension(context);
  const batchExtension = createBatchExtension(context);
  const uplinkExtension = createUplinkExtension(context);
  const eventUplinkExtension = createEventUplinkExtension(context);
  const status = (): EdgeStatus => {
    const totals = store.totals();
    const outbox = store.outboxStats();
    return {
      edgeId: config.edgeId,
      inbox: store.rawCount(),
      frames: totals.frames,
      batches: totals.batches,
      batchesSent: totals.batches_sent,
      outbox: {
        batches: outbox.batches,
        frames: outbox.frames,
        oldestAgeMs: outbox.oldest === null ? null : context.clock() - outbox.oldest,
      },
      quarantined: totals.quarantined,
      rejects: store.rejectCounts(),
      duplicates: store.duplicates(),
      backlogFrames: context.backlog.held,
      backPressure: context.backlog.full,
      backPressureAlerts: context.backlog.alerts,
      acquisition: { ...modbusExtension.status(), ...opcuaExtension.status() },
      events: store.eventCounts(),
      profile: config.profile,
      uplink: { ...uplinkExtension.stats(), compression: config.uplink.compression },
    };
  };
  const httpExtension = createHttpIntakeExtension(context, status);
  const mqttExtension = createMqttIntakeExtension(context);
  const modbusExtension = createModbusPollExtension(context);
  const opcuaExtension = createOpcuaSubscribeExtension(context);
  const intakes: EdgeExtension[] = [httpExtension, mqttExtension, modbusExtension, opcuaExtension];
  const extensions: EdgeExtension[] = [
    verifyExtension,
    deriveExtension,
    batchExtension,
    uplinkExtension,
    eventUplinkExtension,
    mqttExtension,
    httpExtension,
    modbusExtension,
    opcuaExtension,
  ];
  const started: EdgeExtension[] = [];
  try {
    for (const extension of extensions) {
      await extension.start();
      started.push(extension);
      context.log.debug({ extension: extension.name }, 'extension started');
    }
  } catch (error) {
    for (const extension of started.reverse()) await extension.stop();
    context.backlog.stop();
    store.close();
    throw error;
  }
  return {
    edgeId: config.edgeId,
    publicKey: { alg: keyPair.alg, publicKey: toBase64(keyPair.publicKey) },
    httpUrl: httpExtension.address(),
    status,
    pollModbus: () => modbusExtension.pollNow(),
    derivedEvents: (afterId = 0, limit = 1_000) => store.derivedEvents(afterId, limit),
    async flush() {
      await verifyExtension.drain();
      deriveExtension.drain();
      batchExtension.flush();
      await uplinkExtension.idle();
      await eventUplinkExtension.idle();
    },
    async stop() {
      // Close the intakes first, then verify, seal and (briefly) uplink what they let in, so a
      // clean stop leaves nothing waiting that a restart would have to pick up.
      for (const extension of intakes) {
        if (started.includes(extension)) await extension.stop();
      }
      await verifyExtension.drain();
      deriveExtension.drain();
      batchExtension.flush();
      await Promise.race([
        Promise.all([uplinkExtension.idle(), eventUplinkExtension.idle()]),
        new Promise((resolve) => setTimeout(resolve, config.stopFlushTimeoutMs).unref()),
      ]);
      for (const extension of [
        eventUplinkExtension,
        uplinkExtension,
        batchExtension,
        deriveExtension,
        verifyExtension,
      ]) {
        if (started.includes(extension)) await extension.stop();
        context.log.debug({ extension: extension.name }, 'extension stopped');
      }
      context.backlog.stop();
      store.close();
    },
  };
}
