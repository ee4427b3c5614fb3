import { createDeviceClient, createMemorySeqStore } from '@fieldproof/device';
import { generateKeyPair, type KeyPair, keyPairSigner, toBase64 } from '@fieldproof/protocol';
import mqtt, { type MqttClient } from 'mqtt';

/** A simulated direct device: its id and key. */
export interface DirectDevice {
  deviceId: string;
  keyPair: KeyPair;
}

/** `count` Ed25519 devices named `<prefix>-<n>`. */
export function makeDirectDevices(prefix: string, count: number): DirectDevice[] {
  return Array.from({ length: count }, (_, index) => ({
    deviceId: `${prefix}-${index}`,
    keyPair: generateKeyPair('ed25519'),
  }));
}

/** Register the devices with the cloud's direct-ingest edge (admin token). */
export async function registerDirectDevices(
  cloudUrl: string,
  adminToken: string,
  devices: DirectDevice[],
  edgeId = 'cloud-direct',
): Promise<void> {
  for (const device of devices) {
    const response = await fetch(`${cloudUrl}/v1/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({
        deviceId: device.deviceId,
        alg: device.keyPair.alg,
        publicKey: toBase64(device.keyPair.publicKey),
        edgeId,
      }),
    });
    if (response.status !== 201 && response.status !== 200) {
      throw new Error(`register ${device.deviceId}: ${response.status} ${await response.text()}`);
    }
  }
}

/** What a device run did. */
export interface DirectDevicesRun {
  /** Frames the broker acknowledged (PUBACK), per the devices' QoS 1 publishes. */
  sent: number;
  /** Stop early (the rest of the frames are not sent). */
  stop(): void;
  /** Resolves when every device has sent its frames (or stop was called). */
  done: Promise<void>;
}

/**
 * Run the devices against an MQTT broker: each signs `framesPerDevice` frames and publishes them
 * at QoS 1 to `<topicPrefix>/<deviceId>`, one at a time (the next after the broker's PUBACK),
 * pausing `intervalMs` between frames. `clientsMax` MQTT connections carry all devices.
 */
export async function runDirectDevices(parameters: {
  url: string;
  topicPrefix: string;
  devices: DirectDevice[];
  framesPerDevice: number;
  intervalMs: number;
  clientsMax?: number;
  clientIdPrefix: string;
}): Promise<DirectDevicesRun> {
  const clientCount = Math.max(1, Math.min(parameters.clientsMax ?? 4, parameters.devices.length));
  const clients: MqttClient[] = [];
  for (let index = 0; index < clientCount; index++) {
    clients.push(
      await mqtt.connectAsync(parameters.url, {
        clientId: `${parameters.clientIdPrefix}-${index}`,
        protocolVersion: 5,
        clean: false,
        reconnectPeriod: 500,
        properties: { sessionExpiryInterval: 600 },
      }),
    );
  }
  let stopped = false;
  const run: DirectDevicesRun = { sent: 0, stop: () => {}, done: Promise.resolve() };
  const loops = parameters.devices.map(async (device, index) => {
    const client = clients[index % clientCount] as MqttClient;
    const sdk = createDeviceClient({
      deviceId: device.deviceId,
      signer: keyPairSigner(device.keyPair),
      seqStore: createMemorySeqStore(),
    });
    for (let frame = 0; frame < parameters.framesPerDevice && !stopped; frame++) {
      const signed = sdk.buildFrame([{ kind: 'weight', value: 1000 + frame, unit: 'kg' }]);
      await client.publishAsync(`${parameters.topicPrefix}/${device.deviceId}`, JSON.stringify(signed), { qos: 1 });
      run.sent++;
      if (parameters.intervalMs > 0) await new Promise((resolve) => setTimeout(resolve, parameters.intervalMs));
    }
  });
  run.stop = () => {
    stopped = true;
  };
  run.done = Promise.all(loops).then(async () => {
    for (const client of clients) await client.endAsync();
  });
  return run;
}
