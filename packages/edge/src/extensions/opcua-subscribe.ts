import { join } from 'node:path';
import type { Reading } from '@fieldproof/protocol';
import type { ClientSession, ClientSubscription, DataValue, OPCUAClient } from 'node-opcua';
import { attestSample } from '../attest-sample.ts';
import type { OpcuaDevice } from '../config.ts';
import type { AcquisitionDeviceStatus, EdgeContext, EdgeExtension } from '../context.ts';

type OpcuaNode = OpcuaDevice['nodes'][number];

/** A reading from an OPC UA value, or an error text for a value that cannot be one. */
function toReading(node: OpcuaNode, dataValue: DataValue): Reading | string {
  if (!dataValue.statusCode.isGood()) return `${node.nodeId} is ${dataValue.statusCode.name}`;
  const raw: unknown = dataValue.value.value;
  let value: number | boolean | string;
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return `${node.nodeId} holds no finite number`;
    value = Number.parseFloat((raw * node.scale).toPrecision(15));
  } else if (typeof raw === 'boolean') value = raw;
  else if (typeof raw === 'string' && raw.length <= 256) value = raw;
  else return `${node.nodeId} holds a ${typeof raw}, not a number, boolean or short string`;
  return node.unit === undefined ? { kind: node.kind, value } : { kind: node.kind, value, unit: node.unit };
}

/**
 * OPC UA acquisition: one client session to the configured server and one subscription; each
 * keyless device is a monitored-item group of its nodes, sampled every `samplingIntervalMs`.
 * The changes the server publishes in one notification become one edge-attested frame per device
 * holding the latest value of every one of its nodes (a device's first frame waits until each node
 * has reported once). Connecting, and reconnecting after a lost connection, is node-opcua's
 * connection strategy, backing off from `retryBaseMs` to `retryMaxMs` without limit; its session
 * and subscription are repaired on reconnect. A server that is down is counted in the edge status
 * and never stops the gateway.
 */
export function createOpcuaSubscribeExtension(
  context: EdgeContext,
): EdgeExtension & { status(): Record<string, AcquisitionDeviceStatus> } {
  const { config, log } = context;
  const statuses = new Map<string, AcquisitionDeviceStatus>();
  let client: OPCUAClient | undefined;
  let session: ClientSession | undefined;
  let subscription: ClientSubscription | undefined;
  let connecting: Promise<void> | undefined;
  let stopped = false;

  const setAll = (change: (status: AcquisitionDeviceStatus) => void) => {
    for (const status of statuses.values()) change(status);
  };
  const failed = (error: unknown, what: string) => {
    const message = `${what}: ${(error as Error)?.message ?? String(error)}`;
    setAll((status) => {
      status.errors++;
      status.lastError = message;
    });
    log.warn({ err: error }, `opcua ${what}`);
  };

  async function run(): Promise<void> {
    const settings = config.opcua as NonNullable<typeof config.opcua>;
    const opcua = await import('node-opcua');
    // The client's PKI lives in the edge's data folder. Unknown server certificates are accepted
    // only with security None (where they sign nothing); for Sign modes put the server's
    // certificate in <dataDir>/opcua-pki/trusted/certs.
    const clientCertificateManager = new opcua.OPCUACertificateManager({
      rootFolder: join(config.dataDir, 'opcua-pki'),
      automaticallyAcceptUnknownCertificate: settings.securityMode === 'None',
    });
    const created = opcua.OPCUAClient.create({
      clientCertificateManager,
      applicationName: `fieldproof-edge-${config.edgeId}`,
      endpointMustExist: false,
      securityMode: opcua.MessageSecurityMode[settings.securityMode],
      securityPolicy: opcua.SecurityPolicy[settings.securityPolicy],
      requestedSessionTimeout: Math.max(settings.timeoutMs * 6, 60_000),
      defaultTransactionTimeout: settings.timeoutMs,
      keepSessionAlive: true,
      connectionStrategy: {
        maxRetry: -1,
        initialDelay: settings.retryBaseMs,
        maxDelay: settings.retryMaxMs,
        randomisationFactor: 0.1,
      },
    });
    client = created;
    created.on('backoff', (count: number, delayMs: number) =>
      failed(new Error(`cannot reach ${settings.endpoint} (attempt ${count + 1}, next in ${delayMs} ms)`), 'connect'),
    );
    created.on('connection_lost', () => {
      setAll((status) => {
        status.connected = false;
      });
      failed(new Error(`lost the connection to ${settings.endpoint}`), 'connection');
    });
    created.on('connection_reestablished', () => {
      setAll((status) => {
        status.connected = true;
      });
      log.info('opcua connection re-established');
    });
    await created.connect(settings.endpoint);
    if (stopped) return;
    session = await created.createSession();
    if (stopped) return;
    subscription = await session.createSubscription2({
      requestedPublishingInterval: settings.publishingIntervalMs,
      requestedLifetimeCount: 100,
      requestedMaxKeepAliveCount: 10,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 1,
    });
    for (const device of settings.devices) {
      const status = statuses.get(device.deviceId) as AcquisitionDeviceStatus;
      const latest: (Reading | undefined)[] = device.nodes.map(() => undefined);
      let pending = false;
      const emit = () => {
        pending = false;
        if (stopped || latest.some((reading) => reading === undefined)) return;
        const seq = attestSample(context, {
          deviceId: device.deviceId,
          readings: latest as Reading[],
          source: 'opcua',
        });
        if (seq === undefined) status.dropped++;
        else {
          status.frames++;
          status.lastFrameAtMs = context.clock();
        }
      };
      const group = await subscription.monitorItems(
        device.nodes.map((node) => ({ nodeId: node.nodeId, attributeId: opcua.AttributeIds.Value })),
        { samplingInterval: device.samplingIntervalMs, discardOldest: true, queueSize: 1 },
        opcua.TimestampsToReturn.Both,
      );
      group.on('changed', (_item, dataValue, index) => {
        const node = device.nodes[index];
        if (!node) return;
        const reading = toReading(node, dataValue);
        if (typeof reading === 'string') {
          status.errors++;
          status.lastError = reading;
          return;
        }
        latest[index] = reading;
        // One notification delivers its changes in one turn: make one frame from all of them.
        if (!pending) {
          pending = true;
          setImmediate(emit);
        }
      });
      status.connected = true;
    }
  }

  return {
    name: 'opcua-subscribe',
    status: () => Object.fromEntries(statuses),
    async start() {
      if (!config.opcua) return;
      for (const device of config.opcua.devices) {
        statuses.set(device.deviceId, {
          source: 'opcua',
          connected: false,
          frames: 0,
          errors: 0,
          dropped: 0,
          lastError: null,
          lastFrameAtMs: null,
        });
      }
      // Not awaited: a server that is down must not hold up the gateway's start.
      connecting = run().catch((error: unknown) => {
        if (!stopped) failed(error, 'subscribe');
      });
    },
    async stop() {
      stopped = true;
      try {
        await subscription?.terminate();
      } catch {
        // The server may be gone already.
      }
      try {
        await session?.close();
      } catch {
        // Idem.
      }
      await client?.disconnect().catch(() => {});
      await connecting;
    },
  };
}
