/**
 * The load process of bench:scale (a process of its own, so the load does not share an event loop
 * with the cloud): `tsx bench/scale-load.ts devices <json>` publishes pre-signed frames at QoS 1 over
 * several MQTT 5 connections, a window in flight each; `tsx bench/scale-load.ts api <json>` measures
 * API latency (GET /v1/status and a proof fetch) until SIGTERM. Each prints one JSON line.
 */
import { createDeviceClient, createMemorySeqStore } from '@fieldproof/device';
import { keyPairSigner } from '@fieldproof/protocol';
import mqtt from 'mqtt';

const [mode, json] = process.argv.slice(2);
const parameters = JSON.parse(json ?? '{}');

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

if (mode === 'devices') {
  const { url, topicPrefix, devices, framesPerDevice, connections, window } = parameters as {
    url: string;
    topicPrefix: string;
    devices: { deviceId: string; keyPair: { alg: 'ed25519'; publicKey: string; privateKey: string } }[];
    framesPerDevice: number;
    connections: number;
    window: number;
  };
  // Frames are signed before the clock starts: signing is the devices' cost, not the cloud's.
  const lanes: { topic: string; payload: string }[][] = Array.from({ length: connections }, () => []);
  devices.forEach((device, index) => {
    const sdk = createDeviceClient({
      deviceId: device.deviceId,
      signer: keyPairSigner({
        alg: device.keyPair.alg,
        publicKey: new Uint8Array(Buffer.from(device.keyPair.publicKey, 'base64')),
        privateKey: new Uint8Array(Buffer.from(device.keyPair.privateKey, 'base64')),
      }),
      seqStore: createMemorySeqStore(),
    });
    for (let frame = 0; frame < framesPerDevice; frame++) {
      const signed = sdk.buildFrame([{ kind: 'weight', value: frame, unit: 'kg' }]);
      (lanes[index % connections] as { topic: string; payload: string }[]).push({
        topic: `${topicPrefix}/${device.deviceId}`,
        payload: JSON.stringify(signed),
      });
    }
  });
  const clients = await Promise.all(
    lanes.map((_, index) =>
      mqtt.connectAsync(url, { clientId: `bench-load-${process.pid}-${index}`, protocolVersion: 5, clean: true }),
    ),
  );
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  const started = performance.now();
  await Promise.all(
    lanes.map(async (messages, index) => {
      const client = clients[index] as mqtt.MqttClient;
      // Per device, one frame at a time would be the gentlest order; a window per connection is the load.
      let next = 0;
      await Promise.all(
        Array.from({ length: window }, async () => {
          while (next < messages.length) {
            const message = messages[next++] as { topic: string; payload: string };
            await client.publishAsync(message.topic, message.payload, { qos: 1 });
          }
        }),
      );
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((client) => client.endAsync()));
  process.stdout.write(`${JSON.stringify({ published: lanes.flat().length, seconds })}\n`);
  process.exit(0);
} else if (mode === 'api') {
  const { baseUrl, intervalMs } = parameters as { baseUrl: string; intervalMs: number };
  const status: number[] = [];
  const proof: number[] = [];
  let stopping = false;
  process.once('SIGTERM', () => {
    stopping = true;
  });
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  while (!stopping) {
    let started = performance.now();
    const response = await fetch(`${baseUrl}/v1/status`).catch(() => undefined);
    if (response?.ok) status.push(performance.now() - started);
    await response?.arrayBuffer();
    const page = await fetch(`${baseUrl}/v1/frames?limit=1`)
      .then((answer) => answer.json() as Promise<{ items: { id: string }[] }>)
      .catch(() => undefined);
    const id = page?.items?.[0]?.id;
    if (id) {
      started = performance.now();
      const bundle = await fetch(`${baseUrl}/v1/frames/${id}/proof`).catch(() => undefined);
      await bundle?.arrayBuffer();
      if (bundle?.ok) proof.push(performance.now() - started);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  status.sort((a, b) => a - b);
  proof.sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify({
      statusRequests: status.length,
      statusMsP50: percentile(status, 50),
      statusMsP99: percentile(status, 99),
      proofRequests: proof.length,
      proofMsP50: percentile(proof, 50),
      proofMsP99: percentile(proof, 99),
    })}\n`,
  );
  process.exit(0);
} else {
  process.stderr.write('usage: scale-load.ts devices|api <json>\n');
  process.exit(2);
}
