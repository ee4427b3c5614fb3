import { join } from 'node:path';
import { startEmbeddedBroker } from '@fieldproof/cli';
import { startCloudServer } from '@fieldproof/cloud';
import { createDeviceClient, createMemorySeqStore } from '@fieldproof/device';
import { startEdgeGateway } from '@fieldproof/edge';
import {
  canonicalBytes,
  createVerifyPool,
  fromBase64,
  generateKeyPair,
  keyPairSigner,
  type SignedFrame,
  toBase64,
  topics,
} from '@fieldproof/protocol';
import mqtt from 'mqtt';
import { progress } from './machine.ts';

const publisherConnections = 10;
const publishWindow = 500;

/** Publish `messages` over `connections` QoS 1 clients, each keeping `publishWindow` in flight. */
async function publishAll(url: string, groups: { topic: string; payload: string }[][]): Promise<void> {
  const clients = await Promise.all(
    groups.map((_, index) => mqtt.connectAsync(url, { clientId: `bench-publisher-${index}-${process.pid}` })),
  );
  await Promise.all(
    groups.map(async (messages, index) => {
      const client = clients[index] as mqtt.MqttClient;
      let next = 0;
      const lanes = Array.from({ length: publishWindow }, async () => {
        while (next < messages.length) {
          const message = messages[next++] as { topic: string; payload: string };
          await client.publishAsync(message.topic, message.payload, { qos: 1 });
        }
      });
      await Promise.all(lanes);
    }),
  );
  await Promise.all(clients.map((client) => client.endAsync()));
}

/** Wires a broker, a cloud and an edge in this process, with pre-signed frames to push through. */
export async function createEmbeddedBench(options: { dataDir: string; deviceCount: number; framesTotal: number }) {
  const pool = createVerifyPool();
  const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
  const cloud = await startCloudServer(
    { dataDir: join(options.dataDir, 'cloud'), http: { port: 0 }, checkpointIntervalMs: 1_000 },
    { verifier: pool },
  );
  const devices = Array.from({ length: options.deviceCount }, (_, index) => {
    const keyPair = generateKeyPair('ed25519');
    const deviceId = `bench-${String(index).padStart(5, '0')}`;
    return {
      deviceId,
      keyPair,
      client: createDeviceClient({ deviceId, signer: keyPairSigner(keyPair), seqStore: createMemorySeqStore(0) }),
    };
  });
  const edge = await startEdgeGateway(
    {
      edgeId: 'bench-edge',
      dataDir: join(options.dataDir, 'edge'),
      mqtt: { url: broker.url },
      cloud: { url: cloud.url },
      batch: { intervalMs: 200, framesMax: 2_000 },
      limits: { verifyChunkMax: 2_000 },
      devices: devices.map((device) => ({
        deviceId: device.deviceId,
        alg: 'ed25519',
        publicKey: toBase64(device.keyPair.publicKey),
      })),
    },
    { verifier: pool },
  );
  const admin = async (path: string, body: Record<string, string>) => {
    const response = await fetch(`${cloud.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${cloud.adminToken}` },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  };
  await admin('/v1/edges', { edgeId: 'bench-edge', ...edge.publicKey });
  for (const device of devices) {
    await admin('/v1/devices', {
      deviceId: device.deviceId,
      alg: 'ed25519',
      publicKey: toBase64(device.keyPair.publicKey),
      edgeId: 'bench-edge',
    });
  }

  // Pre-sign every frame, round-robin over devices, with realistic readings.
  const frames: SignedFrame[] = [];
  const startMs = Date.now();
  for (let index = 0; index < options.framesTotal; index++) {
    const device = devices[index % devices.length] as (typeof devices)[number];
    frames.push(
      device.client.buildFrame(
        [
          { kind: 'weight', value: 25_000 + (index % 997) * 0.5, unit: 'kg' },
          { kind: 'temperature', value: -18 + (index % 7) * 0.1, unit: 'degC' },
        ],
        startMs + index,
      ),
    );
    if (index % 5_000 === 0) progress('signing frames', index, options.framesTotal);
  }
  progress('signing frames', options.framesTotal, options.framesTotal);
  // One connection per group of devices keeps each device's frames in order, as on a real link.
  const groups: { topic: string; payload: string }[][] = Array.from({ length: publisherConnections }, () => []);
  frames.forEach((frame, index) => {
    const deviceIndex = index % devices.length;
    groups[deviceIndex % publisherConnections]?.push({
      topic: topics.frames(frame.frame.deviceId),
      payload: JSON.stringify(frame),
    });
  });

  return {
    threads: pool.threads,
    /** Signatures/s through the worker pool, in the same chunk size the edge uses. */
    async rawVerifyRate(): Promise<number> {
      const items = frames.map((frame, index) => ({
        alg: frame.alg,
        publicKey: (devices[index % devices.length] as (typeof devices)[number]).keyPair.publicKey,
        message: canonicalBytes(frame.frame),
        signature: fromBase64(frame.sig) as Uint8Array,
      }));
      await pool.verifyMany(items.slice(0, 2_000)); // warm the workers and their key caches
      const started = performance.now();
      const chunk = 2_000;
      const results: Promise<boolean[]>[] = [];
      for (let offset = 0; offset < items.length; offset += chunk)
        results.push(pool.verifyMany(items.slice(offset, offset + chunk)));
      const verdicts = (await Promise.all(results)).flat();
      const seconds = (performance.now() - started) / 1000;
      if (!verdicts.every(Boolean)) throw new Error('a pre-signed frame failed verification');
      return items.length / seconds;
    },
    /** QoS 1 messages/s from the same publishers to one QoS 1 subscriber through the same broker. */
    async rawMqttRate(): Promise<number> {
      const subscriber = await mqtt.connectAsync(broker.url, { clientId: `bench-subscriber-${process.pid}` });
      let received = 0;
      let done: () => void = () => {};
      const all = new Promise<void>((resolve) => {
        done = resolve;
      });
      subscriber.on('message', () => {
        received++;
        if (received === frames.length) done();
      });
      await subscriber.subscribeAsync('bench/raw/+', { qos: 1 });
      const rawGroups = groups.map((group) =>
        group.map((message) => ({
          topic: message.topic.replace('fieldproof/v1/frames/', 'bench/raw/'),
          payload: message.payload,
        })),
      );
      const started = performance.now();
      await publishAll(broker.url, rawGroups);
      await all;
      const seconds = (performance.now() - started) / 1000;
      await subscriber.endAsync();
      return frames.length / seconds;
    },
    /** Frames/s from first publish until every frame is stored in the cloud and its batch logged. */
    async endToEndRate() {
      const started = performance.now();
      await publishAll(broker.url, groups);
      for (;;) {
        const stored = (await cloud.context.store.totals()).frames;
        progress('frames stored and logged', stored, frames.length);
        if (stored >= frames.length) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const seconds = (performance.now() - started) / 1000;
      const totals = await cloud.context.store.totals();
      if (totals.quarantined !== 0 || edge.status().quarantined !== 0) throw new Error('a good frame was rejected');
      return {
        frames: totals.frames,
        seconds,
        framesPerSecond: totals.frames / seconds,
        batches: totals.batches,
        logSize: cloud.context.sequencer.size,
      };
    },
    async close() {
      await edge.stop();
      await cloud.stop();
      await broker.close();
      await pool.close();
    },
  };
}
