import { join } from 'node:path';
import {
  type BootstrapDemoAccessResult,
  bootstrapDemoAccess,
  type CloudConfigInput,
  type CloudServer,
  createDirectMqttFrameHandler,
  type DemoUser,
  loadLogIdentity,
  readDemoUsers,
  startCloudServer,
} from '@fieldproof/cloud';
import {
  createFileSeqStore,
  createHttpPublisher,
  createMqttPublisher,
  type FleetDevice,
  type FleetProgress,
  type RunFleetResult,
  runFleet,
  type SimulatorKind,
  simulatorKinds,
} from '@fieldproof/device';
import { type EdgeGateway, startEdgeGateway } from '@fieldproof/edge';
import {
  type CryptoSuiteName,
  createVerifyPool,
  type FetchLike,
  isLoopbackHost,
  keyPairSigner,
  loadOrCreateKeyPair,
  type SignatureAlgorithm,
  toBase64,
  topics,
} from '@fieldproof/protocol';
import pino, { type Logger } from 'pino';
import {
  type DemoPowerMeter,
  type DemoWeighingIndicator,
  demoMeterRegisters,
  demoScaleEndpoint,
  demoScaleNodes,
  freeTcpPort,
  startDemoPowerMeter,
  startDemoWeighingIndicator,
} from './demo/industrial-demo-servers.ts';
import { type EmbeddedBroker, startEmbeddedBroker } from './mqtt-broker.ts';
import { isAddressInUse, PortInUseError } from './port-in-use-error.ts';
import { type EmbeddedTls, prepareEmbeddedTls } from './tls/embedded-tls.ts';
import { startWitness, type Witness } from './witness/start-witness.ts';

/** The consortium members whose witnesses the embedded default runs. */
export const embeddedWitnessNames = ['bank', 'core-enterprise', 'logistics', 'regulator'] as const;

/** How many of the embedded witnesses must cosign a checkpoint for it to be final. */
export const embeddedWitnessThreshold = 3;

/** How the embedded default is laid out; every field has a default suited to `npm start`. */
export interface EmbeddedOptions {
  /** Folder for all state: cloud database and keys, edge database and key, device keys and seqs. */
  dataDir: string;
  /** Host every listener binds to. */
  host?: string;
  /** MQTT broker port (0 = any free port). */
  mqttPort?: number;
  /** Cloud API port (0 = any free port). */
  httpPort?: number;
  /** Edge HTTP port (0 = any free port). */
  edgePort?: number;
  /** The cloud's CoAP direct-ingest port, UDP (0 = any free port) [5683; any free one when httpPort is 0, as in tests]. */
  coapPort?: number;
  /** Simulated devices that talk to the cloud directly over HTTPS, with no edge (0 = none) [1]. */
  directDevices?: number;
  /** Hash suite of the log and batches. */
  suite?: CryptoSuiteName;
  /** Simulated devices of each kind in the demo site (0 = none). */
  devicesPerKind?: number;
  /**
   * Frames per second per simulated device [1]. 0 makes the demo site silent: no simulated device
   * sends a frame, the keyless ones included (their Modbus meter and OPC UA indicator are not
   * started), so an edge flushed after a start at rate 0 stays flushed.
   */
  ratePerDeviceHz?: number;
  /** Edge batch interval. */
  batchIntervalMs?: number;
  /** Cloud checkpoint interval. */
  checkpointIntervalMs?: number;
  /** Logger for the services. */
  log?: Logger;
  /** Called with fleet progress. */
  onFleetProgress?: (progress: FleetProgress) => void;
  /** Folder of the built web console the cloud serves at `/`; defaultConsoleDir by default. */
  consoleDir?: string;
  /**
   * TLS on every listener (mqtts broker, cloud, edge, witnesses) with certificates from the
   * development CA in `<dataDir>/tls`, made on first start. Off by default here (loopback only;
   * a non-loopback host needs it); `fieldproof start` turns it on unless told --plain.
   */
  tls?: boolean;
  /** mTLS on the broker and the edge's HTTP intake: each device presents its own certificate (implies tls). */
  mutualTls?: boolean;
  /**
   * Keyless devices in the demo site: a Modbus TCP power meter and an OPC UA weighing indicator,
   * served in process, registered edge-attested; on by default (off at ratePerDeviceHz 0).
   */
  keylessDevices?: boolean;
  /** Port of the demo Modbus power meter (0 = any free port, the default). */
  modbusPort?: number;
  /** Port of the demo OPC UA weighing indicator (0 = any free port, the default). */
  opcuaPort?: number;
  /**
   * Load the finance demo (a steel supply chain, a bank, pledged lots under the load cells, planted
   * problems) and plant a removal with no release order on load-cell-2 some 15 s after start and a
   * tamper switch on load-cell-1 some 20 s after.
   * Off by default here; `fieldproof start` turns it on.
   */
  financeDemo?: boolean;
  /** The cloud's store: SQLite `<dataDir>/cloud/cloud.db` by default, or PostgreSQL (`fieldproof start --store postgres://…`). */
  store?: CloudConfigInput['store'];
}

/**
 * The embedded demo's users and their passwords (made on the first start with the finance demo,
 * as `fieldproof start` runs it), or undefined: for tests and the console's browser tests.
 */
export function readEmbeddedDemoUsers(dataDir: string): DemoUser[] | undefined {
  return readDemoUsers(join(dataDir, 'cloud'));
}

/** Device ids of the demo's keyless devices. */
export const demoKeylessDeviceIds = { meter: 'power-meter-modbus-1', scale: 'scale-opcua-1' } as const;

/**
 * Where `npm run build:console` writes the web console. A path, not an import: the cloud serves
 * the files and imports nothing of the console package.
 */
export const defaultConsoleDir = join(import.meta.dirname, '..', '..', 'console', 'dist');

/** The demo site's devices: which kind signs with which algorithm (all three appear). */
const algorithmByKind: Record<SimulatorKind, SignatureAlgorithm> = {
  'load-cell': 'ed25519',
  'rfid-gate': 'ecdsa-p256',
  'gps-tracker': 'ed25519',
  'power-meter': 'ecdsa-p256',
  'cold-chain': 'sm2',
};

/** A running embedded Fieldproof: broker, witnesses, cloud, one edge and a simulated site. */
export interface Embedded {
  broker: EmbeddedBroker;
  /** The development CA and a fetch that trusts it; undefined when the listeners are plain. */
  tls: EmbeddedTls | undefined;
  /** The consortium's witnesses (bank, core enterprise, logistics firm, regulator), in process. */
  witnesses: Witness[];
  cloud: CloudServer;
  edge: EdgeGateway;
  /** The simulated devices of the demo site. */
  devices: FleetDevice[];
  /** The demo's keyless devices (Modbus power meter, OPC UA weighing indicator), when on. */
  industrial: { meterPort: number; scaleEndpoint: string; deviceIds: string[] } | undefined;
  /** Resolves when the fleet stops (after stop()). */
  fleet: Promise<RunFleetResult> | undefined;
  /** The simulated direct devices (registered with the cloud's direct-ingest edge). */
  directDevices: FleetDevice[];
  /** Resolves when the direct devices stop (after stop()). */
  directFleet: Promise<RunFleetResult> | undefined;
  /** The demo's organisations and users (with the finance demo): docs/access-control.md. */
  demoAccess: BootstrapDemoAccessResult | undefined;
  /** Stop devices, edge, cloud, broker and witnesses, in that order. */
  stop(): Promise<void>;
}

/** The ids and keys of the demo site's devices (created on first start, reused after). */
export function demoDevices(dataDir: string, devicesPerKind: number): FleetDevice[] {
  const devices: FleetDevice[] = [];
  for (const kind of simulatorKinds) {
    for (let n = 1; n <= devicesPerKind; n++) {
      const deviceId = `${kind}-${n}`;
      const keyPair = loadOrCreateKeyPair(join(dataDir, 'devices', 'keys', `${deviceId}.json`), algorithmByKind[kind]);
      devices.push({ deviceId, kind, signer: keyPairSigner(keyPair), seed: `demo/${deviceId}` });
    }
  }
  return devices;
}

/** The demo's direct devices (a power meter that talks to the cloud itself); keys made on first start. */
export function demoDirectDevices(dataDir: string, count: number): FleetDevice[] {
  const devices: FleetDevice[] = [];
  for (let n = 1; n <= count; n++) {
    const deviceId = `direct-power-meter-${n}`;
    const keyPair = loadOrCreateKeyPair(join(dataDir, 'devices', 'keys', `${deviceId}.json`), 'ed25519');
    devices.push({ deviceId, kind: 'power-meter', signer: keyPairSigner(keyPair), seed: `demo/${deviceId}` });
  }
  return devices;
}

async function registerWithCloud(
  cloud: CloudServer,
  send: FetchLike,
  path: string,
  body: Record<string, string>,
): Promise<void> {
  const response = await send(new URL(path, cloud.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${cloud.adminToken}` },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`registration ${path} failed: ${response.status} ${await response.text()}`);
}

/**
 * Start four in-process witnesses that follow the cloud's log (its key is loaded or created
 * first), each with its key and state under `dataDir/witnesses/<name>`. Stops those already
 * started if one fails.
 */
async function startEmbeddedWitnesses(
  dataDir: string,
  host: string,
  log: Logger,
  tls: EmbeddedTls | undefined,
): Promise<Witness[]> {
  const identity = loadLogIdentity({ dataDir: join(dataDir, 'cloud'), logKeyAlg: 'ed25519' });
  const logKey = {
    origin: identity.origin,
    keyName: identity.keyName,
    alg: identity.keyPair.alg,
    publicKey: identity.keyPair.publicKey,
  };
  const witnesses: Witness[] = [];
  try {
    for (const name of embeddedWitnessNames) {
      witnesses.push(
        await startWitness({
          name,
          dataDir: join(dataDir, 'witnesses', name),
          logKey,
          host,
          port: 0,
          log: log.child({ service: `witness ${name}` }),
          ...(tls ? { tls: await tls.listener(`witness-${name}`, 'none') } : {}),
        }),
      );
    }
  } catch (error) {
    await Promise.all(witnesses.map((witness) => witness.stop()));
    throw error;
  }
  return witnesses;
}

/** Pause before a direct frame the bus refused (full, or not yet committed) is offered again. */
const directRetryDelayMs = 500;

/**
 * Start the embedded default in this process: an Aedes broker, four consortium witnesses (3 of 4
 * make a checkpoint final), the cloud (SQLite), one edge gateway and a demo site of simulated
 * devices of every kind, all keeping state under `dataDir`.
 * A restart with the same folder resumes: device seqs, the edge's batch chain and the log persist.
 */
export async function startEmbedded(options: EmbeddedOptions): Promise<Embedded> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? pino({ level: 'silent' });
  const edgeId = 'edge-1';
  const mutual = options.mutualTls ?? false;
  if (!(options.tls || mutual) && !isLoopbackHost(host)) {
    throw new Error(`plain listeners on ${host} would cross the network unencrypted; turn tls on (or use 127.0.0.1)`);
  }
  const tls = options.tls || mutual ? await prepareEmbeddedTls({ dataDir: options.dataDir, host, mutual }) : undefined;
  const send: FetchLike = tls?.fetch ?? fetch;
  // One pool of verification threads (one per core) serves the edge and the cloud.
  const verifier = createVerifyPool();
  let broker: EmbeddedBroker;
  try {
    broker = await startEmbeddedBroker({
      host,
      port: options.mqttPort ?? (tls ? 8883 : 1883),
      ...(tls ? { tls: await tls.listener('mqtt') } : {}),
    });
  } catch (error) {
    await verifier.close();
    throw error;
  }
  let witnesses: Witness[];
  try {
    witnesses = await startEmbeddedWitnesses(options.dataDir, host, log, tls);
  } catch (error) {
    await broker.close();
    await verifier.close();
    throw error;
  }
  const stopWitnesses = async () => {
    await Promise.all(witnesses.map((witness) => witness.stop()));
  };
  let cloud: CloudServer;
  try {
    cloud = await startCloudServer(
      {
        dataDir: join(options.dataDir, 'cloud'),
        ...(options.store === undefined ? {} : { store: options.store }),
        suite: options.suite ?? 'intl',
        http: { host, port: options.httpPort ?? 8080 },
        checkpointIntervalMs: options.checkpointIntervalMs ?? 1_000,
        witnesses: witnesses.map((witness) => ({
          name: witness.key.keyName,
          url: witness.url,
          alg: 'ed25519' as const,
          publicKey: toBase64(witness.key.publicKey),
        })),
        witnessThreshold: embeddedWitnessThreshold,
        consoleDir: options.consoleDir ?? defaultConsoleDir,
        ...(tls ? { tls: await tls.listener('cloud', 'none'), clientTls: { caFile: tls.caFile } } : {}),
        // Devices may also talk to the cloud directly (docs/direct-ingest.md): HTTPS on the API
        // listener, CoAP on UDP, and MQTT on the embedded broker, which hands direct frames to the
        // verify step itself (below) instead of through a subscribing client.
        directIngest: {
          https: true,
          coap: { host, port: options.coapPort ?? (options.httpPort === 0 ? 0 : 5683) },
          retryDelayMs: directRetryDelayMs,
        },
      },
      {
        log: log.child({ service: 'cloud' }),
        verifier,
        ...(options.financeDemo ? { finance: { demo: true } } : {}),
      },
    );
  } catch (error) {
    await broker.close();
    await verifier.close();
    await stopWitnesses();
    if (isAddressInUse(error)) throw new PortInUseError('cloud http', options.httpPort ?? 8080, '--http-port');
    throw error;
  }
  // Direct MQTT: Aedes acknowledges a QoS 1 publish before any subscriber has it, so a subscribing
  // ingest client could only acknowledge frames the device was already told were taken. The broker
  // holds each direct frame's PUBACK until the verify step answered: committed to the store (the
  // in-process bus), or refused with its code (quarantined). A crash before that leaves the frame
  // unacknowledged, and the device sends it again.
  const directIngest = cloud.directIngest;
  if (directIngest) {
    broker.holdPublishes(
      topics.directFramesWildcard,
      createDirectMqttFrameHandler({
        accept: directIngest.accept,
        topic: topics.directFramesWildcard,
        rejectTopicPrefix: topics.directRejectsPrefix,
        source: 'embedded-broker',
        retryDelayMs: directRetryDelayMs,
        publishVerdict: broker.publish,
        stopping: broker.closing,
        log: log.child({ service: 'cloud', module: 'direct-ingest' }),
      }),
    );
  }
  const devices = demoDevices(options.dataDir, options.devicesPerKind ?? 2);
  const directDevices = demoDirectDevices(options.dataDir, options.directDevices ?? 1);
  // Keyless devices: the Modbus meter is up before the edge (fast); the OPC UA server starts in the
  // background (node-opcua takes a few seconds, more on first start for its certificate) and the
  // edge's OPC UA intake connects when it is up, retrying as it does for a real PLC.
  let meter: DemoPowerMeter | undefined;
  let scale: Promise<DemoWeighingIndicator | undefined> = Promise.resolve(undefined);
  let industrial: Embedded['industrial'];
  const stopIndustrial = async () => {
    await meter?.close();
    await (await scale)?.close();
  };
  // The edge polls the meter every second whatever the fleet's rate: at rate 0 (a quiet site,
  // as a restart to check what was logged wants) the keyless devices stay off too.
  if ((options.keylessDevices ?? true) && (options.ratePerDeviceHz ?? 1) > 0) {
    try {
      const meterPort = options.modbusPort || (await freeTcpPort(host));
      const scalePort = options.opcuaPort || (await freeTcpPort(host));
      meter = await startDemoPowerMeter({ host, port: meterPort });
      scale = startDemoWeighingIndicator({
        host,
        port: scalePort,
        pkiDir: join(options.dataDir, 'demo-opcua-pki'),
        log: log.child({ service: 'demo scale' }),
      }).catch((error) => {
        log.warn({ err: error }, `demo OPC UA weighing indicator did not start: ${(error as Error).message}`);
        return undefined;
      });
      industrial = {
        meterPort,
        scaleEndpoint: demoScaleEndpoint(host, scalePort),
        deviceIds: [demoKeylessDeviceIds.meter, demoKeylessDeviceIds.scale],
      };
    } catch (error) {
      await stopIndustrial();
      await cloud.stop();
      await broker.close();
      await verifier.close();
      await stopWitnesses();
      if (isAddressInUse(error))
        throw new PortInUseError('demo Modbus meter', options.modbusPort ?? 0, '--modbus-port');
      throw error;
    }
  }
  let demoAccess: BootstrapDemoAccessResult | undefined;
  // Commission before the edge starts, as an operator would: the edge's key (made here, loaded by
  // the edge) and every device, keyless ones as edge-attested, so no first frame is refused.
  try {
    const edgeKey = loadOrCreateKeyPair(join(options.dataDir, edgeId, 'edge-key.json'), 'ed25519');
    await registerWithCloud(cloud, send, '/v1/edges', {
      edgeId,
      alg: edgeKey.alg,
      publicKey: toBase64(edgeKey.publicKey),
    });
    for (const device of devices) {
      await registerWithCloud(cloud, send, '/v1/devices', {
        deviceId: device.deviceId,
        alg: device.signer.alg,
        publicKey: toBase64(device.signer.publicKey),
        edgeId,
      });
    }
    for (const device of directDevices) {
      await registerWithCloud(cloud, send, '/v1/devices', {
        deviceId: device.deviceId,
        alg: device.signer.alg,
        publicKey: toBase64(device.signer.publicKey),
        edgeId: cloud.directIngest?.edgeId ?? 'cloud-direct',
      });
    }
    for (const deviceId of industrial?.deviceIds ?? []) {
      await registerWithCloud(cloud, send, '/v1/devices', { deviceId, edgeId, attestation: 'edge-attested' });
    }
    // The demo's tenants: a bank, the borrowing enterprise owning the demo devices, a user per role.
    demoAccess = options.financeDemo
      ? await bootstrapDemoAccess(cloud.auth, {
          cloudDataDir: join(options.dataDir, 'cloud'),
          deviceIds: [...devices.map((device) => device.deviceId), ...(industrial?.deviceIds ?? [])],
        })
      : undefined;
  } catch (error) {
    await stopIndustrial();
    await cloud.stop();
    await broker.close();
    await verifier.close();
    await stopWitnesses();
    throw error;
  }
  if (options.financeDemo) {
    // The planted problem: goods leave the warehouse-2 lot with no release order.
    const loadCell = devices.find((device) => device.deviceId === 'load-cell-2');
    if (loadCell) {
      loadCell.simulatorOptions = { unauthorisedOutflowAtMs: Date.now() + 15_000, unauthorisedOutflowKg: 8_000 };
    }
    // And someone opens the housing of the warehouse-1 load cell.
    const tampered = devices.find((device) => device.deviceId === 'load-cell-1');
    if (tampered) tampered.simulatorOptions = { tamperAtMs: Date.now() + 20_000 };
  }
  let edge: EdgeGateway;
  try {
    edge = await startEdgeGateway(
      {
        edgeId,
        dataDir: join(options.dataDir, edgeId),
        suite: options.suite ?? 'intl',
        mqtt: { url: broker.url, ...(tls ? { tls: await tls.clientFiles('edge', edgeId) } : {}) },
        http: { host, port: options.edgePort ?? 8081, ...(tls ? { tls: await tls.listener('edge') } : {}) },
        cloud: { url: cloud.url, ...(tls ? { tls: { caFile: tls.caFile } } : {}) },
        batch: { intervalMs: options.batchIntervalMs ?? 1_000, framesMax: 2_000 },
        devices: devices.map((device) => ({
          deviceId: device.deviceId,
          alg: device.signer.alg,
          publicKey: toBase64(device.signer.publicKey),
        })),
        ...(industrial
          ? {
              modbus: {
                devices: [
                  {
                    deviceId: demoKeylessDeviceIds.meter,
                    host,
                    port: industrial.meterPort,
                    intervalMs: 1_000,
                    registers: demoMeterRegisters,
                  },
                ],
              },
              opcua: {
                endpoint: industrial.scaleEndpoint,
                publishingIntervalMs: 1_000,
                retryBaseMs: 250,
                retryMaxMs: 2_000,
                devices: [{ deviceId: demoKeylessDeviceIds.scale, samplingIntervalMs: 500, nodes: demoScaleNodes }],
              },
            }
          : {}),
      },
      { log: log.child({ service: 'edge' }), verifier },
    );
  } catch (error) {
    await stopIndustrial();
    await cloud.stop();
    await broker.close();
    await verifier.close();
    await stopWitnesses();
    if (isAddressInUse(error)) throw new PortInUseError('edge http', options.edgePort ?? 8081, '--edge-port');
    throw error;
  }
  const controller = new AbortController();
  const fleet =
    devices.length > 0 && (options.ratePerDeviceHz ?? 1) > 0
      ? runFleet({
          devices,
          createPublisher: async (deviceId) =>
            createMqttPublisher({
              url: broker.url,
              clientId: `device-${deviceId}`,
              ...(tls ? { tls: await tls.clientMaterial('device', deviceId) } : {}),
            }),
          seqStore: createFileSeqStore(join(options.dataDir, 'devices', 'seq')),
          ratePerDeviceHz: options.ratePerDeviceHz ?? 1,
          signal: controller.signal,
          ...(options.onFleetProgress ? { onProgress: options.onFleetProgress } : {}),
        })
      : undefined;
  // The direct devices POST each frame to the cloud's /v1/ingest/frames; no edge in between.
  const directFleet =
    directDevices.length > 0 && (options.ratePerDeviceHz ?? 1) > 0
      ? runFleet({
          devices: directDevices,
          createPublisher: async (deviceId) =>
            createHttpPublisher({
              url: new URL('/v1/ingest/frames', cloud.url).href,
              // One in flight: seqs must reach the cloud rising (a late lower seq is frame_replayed).
              inflightMax: 1,
              ...(tls ? { tls: await tls.clientMaterial('device', deviceId) } : {}),
            }),
          seqStore: createFileSeqStore(join(options.dataDir, 'devices', 'seq')),
          ratePerDeviceHz: options.ratePerDeviceHz ?? 1,
          signal: controller.signal,
        })
      : undefined;
  return {
    broker,
    tls,
    witnesses,
    cloud,
    edge,
    devices,
    industrial,
    fleet,
    directDevices,
    directFleet,
    demoAccess,
    async stop() {
      controller.abort();
      if (fleet) await fleet;
      if (directFleet) await directFleet;
      // The edge seals and hands over what it holds (for a few seconds at most; the rest stays in its outbox).
      await edge.stop();
      await stopIndustrial();
      await cloud.stop();
      await broker.close();
      await verifier.close();
      // Last: the cloud's cosigner has stopped, so no add-checkpoint is under way.
      await stopWitnesses();
    },
  };
}
