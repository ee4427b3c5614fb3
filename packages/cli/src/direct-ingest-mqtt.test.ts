import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AcceptDirectFrameParameters,
  type CloudConfigInput,
  type CloudServer,
  createDirectMqttFrameHandler,
  type MqttTransport,
  startCloudServer,
  startMqttTransport,
} from '@fieldproof/cloud';
import {
  canonicalizeFrame,
  generateKeyPair,
  type KeyPair,
  type SignedFrame,
  sign,
  toBase64,
  utf8,
} from '@fieldproof/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloudStore, testCloudStore } from '../_test/test-store.ts';
import { waitFor } from '../_test/wait-for.ts';
import { type EmbeddedBroker, startEmbeddedBroker } from './mqtt-broker.ts';

/** A direct device: its key and the next seq. */
function makeDevice(deviceId: string) {
  const keyPair: KeyPair = generateKeyPair('ed25519');
  let seq = 1;
  return {
    deviceId,
    keyPair,
    frame(value: number): SignedFrame {
      const frame = {
        deviceId,
        seq: seq++,
        deviceTimeMs: 1_760_000_000_000 + value,
        readings: [{ kind: 'power', value, unit: 'W' }],
      };
      return { frame, alg: 'ed25519', sig: toBase64(sign(keyPair, utf8(canonicalizeFrame(frame)))) };
    },
  };
}
type Device = ReturnType<typeof makeDevice>;

async function registerDevice(cloud: CloudServer, device: Device, edgeId = 'cloud-direct'): Promise<void> {
  const response = await fetch(`${cloud.url}/v1/devices`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${cloud.adminToken}` },
    body: JSON.stringify({
      deviceId: device.deviceId,
      alg: 'ed25519',
      publicKey: toBase64(device.keyPair.publicKey),
      edgeId,
    }),
  });
  expect(response.ok, await response.clone().text()).toBe(true);
}

/** Subscribe a watcher to the reject verdicts under `prefix`. */
async function watchRejects(url: string, prefix: string, options: mqtt.IClientOptions = {}) {
  const verdicts: { deviceId: string; code: string }[] = [];
  const client = await mqtt.connectAsync(url, { clientId: `rejects-${randomUUID()}`, ...options });
  client.on('message', (topic, payload) => {
    verdicts.push({ deviceId: topic.slice(prefix.length + 1), code: JSON.parse(payload.toString()).code });
  });
  await client.subscribeAsync(`${prefix}/+`, { qos: 0 });
  return { client, verdicts };
}

describe('direct MQTT ingest on the in-process Aedes broker', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fieldproof-direct-aedes-'));
  const prefix = `test-${randomUUID()}`;
  const settings = {
    url: '',
    protocolVersion: 4 as const, // Aedes speaks MQTT 3.1.1
    topic: `${prefix}/frames/+`,
    rejectTopicPrefix: `${prefix}/rejects`,
    clientId: `cloud-direct-${prefix}`,
  };
  let broker: EmbeddedBroker;
  let cloud: CloudServer;
  let device: MqttClient;
  // One store for the file's cloud and its restarts (FIELDPROOF_TEST_STORE).
  let testStore: TestCloudStore | undefined;
  const config = (): CloudConfigInput => ({
    ...testStore?.config,
    dataDir,
    http: { port: 0 },
    checkpointIntervalMs: 50,
    directIngest: { mqtt: settings, batchWaitMs: 20, retryDelayMs: 20 },
  });
  beforeAll(async () => {
    broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
    settings.url = broker.url;
    testStore = await testCloudStore();
    cloud = await startCloudServer(config());
    device = await mqtt.connectAsync(broker.url, { clientId: `device-${prefix}` });
  });
  afterAll(async () => {
    await device?.endAsync();
    await cloud?.stop();
    await broker?.close();
    await testStore?.cleanUp();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lands good frames, refuses bad ones with their code (quarantined, verdict published to the device)', async () => {
    const meter = makeDevice('aedes-meter');
    const intruder = makeDevice('aedes-intruder'); // never registered
    await registerDevice(cloud, meter);
    const rejects = await watchRejects(broker.url, settings.rejectTopicPrefix);
    const before = await cloud.context.store.rejectCounts();
    const good: SignedFrame[] = [];
    for (let index = 0; index < 20; index++) {
      const frame = meter.frame(index);
      good.push(frame);
      await device.publishAsync(`${prefix}/frames/aedes-meter`, JSON.stringify(frame), { qos: 1 });
    }
    const forged = meter.frame(999);
    (forged.frame.readings[0] as { value: number }).value = 1;
    await device.publishAsync(`${prefix}/frames/aedes-meter`, JSON.stringify(forged), { qos: 1 });
    await device.publishAsync(`${prefix}/frames/aedes-intruder`, JSON.stringify(intruder.frame(1)), { qos: 1 });
    await device.publishAsync(`${prefix}/frames/aedes-meter`, 'not json', { qos: 1 });
    await device.publishAsync(`${prefix}/frames/aedes-other`, JSON.stringify(meter.frame(5)), { qos: 1 });
    const last = meter.frame(21);
    good.push(last);
    await device.publishAsync(`${prefix}/frames/aedes-meter`, JSON.stringify(last), { qos: 1 });

    await waitFor('20 + 1 frames in the log', async () =>
      (await cloud.context.store.recentFrames(100, 'aedes-meter')).length === good.length ? true : undefined,
    );
    const after = await cloud.context.store.rejectCounts();
    const delta = (code: string) => (after[code] ?? 0) - (before[code] ?? 0);
    expect([
      delta('frame_signature_invalid'),
      delta('device_unknown'),
      delta('frame_malformed'),
      delta('frame_topic_mismatch'),
    ]).toEqual([1, 1, 1, 1]);
    await waitFor('4 verdicts', () => (rejects.verdicts.length >= 4 ? true : undefined), 5_000);
    expect(rejects.verdicts).toEqual(
      expect.arrayContaining([
        { deviceId: 'aedes-meter', code: 'frame_signature_invalid' },
        { deviceId: 'aedes-intruder', code: 'device_unknown' },
        { deviceId: 'aedes-meter', code: 'frame_malformed' },
        { deviceId: 'aedes-other', code: 'frame_topic_mismatch' },
      ]),
    );
    await rejects.client.endAsync();
  });

  it('redelivers the frames not yet in the log when the ingest node stopped, once it is back: none is lost', async () => {
    await cloud.stop();
    // An ingest node with no sequencer: a frame it takes reaches the bus but never the log, so the
    // node never acknowledges it (the bus answers only once a frame is committed).
    cloud = await startCloudServer(
      { ...config(), directIngest: { mqtt: settings, busFramesMax: 1, retryDelayMs: 20 } },
      { directIngest: { sequencer: false } },
    );
    const meter = makeDevice('aedes-restart');
    await registerDevice(cloud, meter);
    const first = meter.frame(1);
    const second = meter.frame(2);
    await device.publishAsync(`${prefix}/frames/aedes-restart`, JSON.stringify(first), { qos: 1 });
    await device.publishAsync(`${prefix}/frames/aedes-restart`, JSON.stringify(second), { qos: 1 });
    const bus = cloud.directIngest?.bus;
    await waitFor('the first frame on the bus, not in the log', async () =>
      (await bus?.depth()) === 1 ? true : undefined,
    );
    expect(await cloud.context.store.recentFrames(100, 'aedes-restart')).toHaveLength(0);
    await cloud.stop(); // both frames are still in the broker's session for our client id
    // Frames published while the node is away wait in its persistent session too.
    const third = meter.frame(3);
    await device.publishAsync(`${prefix}/frames/aedes-restart`, JSON.stringify(third), { qos: 1 });
    cloud = await startCloudServer(config());
    // Nothing sent again: the frame the stopped node had taken was never acknowledged to the broker.
    const seqs = await waitFor('the three frames in the log', async () => {
      const logged = (await cloud.context.store.recentFrames(100, 'aedes-restart')).map((row) => row.seq).sort();
      return logged.length === 3 ? logged : undefined;
    });
    expect(seqs).toEqual([1, 2, 3]);
  });
});

describe('direct MQTT on the embedded broker itself: the PUBACK waits for the commit', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fieldproof-direct-held-'));
  const prefix = `held-${randomUUID()}`;
  let broker: EmbeddedBroker;
  let cloud: CloudServer;
  let device: MqttClient;
  beforeAll(async () => {
    broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
    // Direct ingest with no transport of its own: the broker hands frames to the verify step.
    cloud = await startCloudServer({
      dataDir,
      http: { port: 0 },
      checkpointIntervalMs: 50,
      directIngest: { batchWaitMs: 20, retryDelayMs: 20 },
    });
    const direct = cloud.directIngest;
    if (!direct) throw new Error('direct ingest is not running');
    broker.holdPublishes(
      `${prefix}/frames/+`,
      createDirectMqttFrameHandler({
        accept: direct.accept,
        topic: `${prefix}/frames/+`,
        rejectTopicPrefix: `${prefix}/rejects`,
        source: 'embedded-broker',
        retryDelayMs: 20,
        publishVerdict: broker.publish,
        stopping: broker.closing,
        log: pino({ level: 'silent' }),
      }),
    );
    device = await mqtt.connectAsync(broker.url, { clientId: `device-${prefix}` });
  });
  afterAll(async () => {
    await device?.endAsync();
    await cloud?.stop();
    await broker?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('acknowledges a good frame only once it is in the store, and a bad one once quarantined with its verdict sent', async () => {
    const meter = makeDevice('held-meter');
    await registerDevice(cloud, meter);
    const rejects = await watchRejects(broker.url, `${prefix}/rejects`);
    const frames = Array.from({ length: 10 }, (_, index) => meter.frame(index));
    // Pipelined: all ten in flight at once; each PUBACK means that frame is committed.
    await Promise.all(
      frames.map(async (frame) => {
        await device.publishAsync(`${prefix}/frames/held-meter`, JSON.stringify(frame), { qos: 1 });
        const stored = (await cloud.context.store.recentFrames(100, 'held-meter')).map((row) => row.seq);
        expect(stored).toContain(frame.frame.seq);
      }),
    );
    const before = (await cloud.context.store.rejectCounts()).frame_signature_invalid ?? 0;
    const forged = meter.frame(99);
    (forged.frame.readings[0] as { value: number }).value = -1;
    await device.publishAsync(`${prefix}/frames/held-meter`, JSON.stringify(forged), { qos: 1 });
    expect((await cloud.context.store.rejectCounts()).frame_signature_invalid ?? 0).toBe(before + 1);
    await waitFor('the verdict', () => (rejects.verdicts.length > 0 ? true : undefined), 5_000);
    expect(rejects.verdicts).toEqual([{ deviceId: 'held-meter', code: 'frame_signature_invalid' }]);
    await rejects.client.endAsync();
    expect((await cloud.context.store.recentFrames(100, 'held-meter')).length).toBe(10);
  });
});

describe('direct MQTT ingest on the machine Mosquitto with MQTT 5 shared subscriptions', () => {
  const url = process.env.FIELDPROOF_TEST_MOSQUITTO_URL ?? 'mqtt://127.0.0.1:1883';
  const dataDir = mkdtempSync(join(tmpdir(), 'fieldproof-direct-mosquitto-'));
  const prefix = `fieldproof-test/${randomUUID()}`;
  const group = `ingest-${randomUUID().slice(0, 8)}`;
  const base = {
    url,
    protocolVersion: 5 as const,
    sharedGroup: group,
    topic: `${prefix}/frames/+`,
    rejectTopicPrefix: `${prefix}/rejects`,
    sessionExpirySeconds: 60, // a shared broker: do not leave sessions behind for long
  };
  let cloud: CloudServer;
  let secondNode: MqttTransport;
  let publisher: MqttClient;
  const taken = { node1: 0, node2: 0 };
  let testStore: TestCloudStore | undefined;
  beforeAll(async () => {
    testStore = await testCloudStore();
    cloud = await startCloudServer({
      ...testStore.config,
      dataDir,
      http: { port: 0 },
      checkpointIntervalMs: 50,
      directIngest: { mqtt: { ...base, clientId: `${group}-node-1` }, batchWaitMs: 20 },
    });
    const direct = cloud.directIngest;
    if (!direct) throw new Error('direct ingest is not running');
    // A second ingest node of the same group, feeding the same bus and sequencer.
    secondNode = await startMqttTransport({
      accept: (parameters: AcceptDirectFrameParameters) => {
        taken.node2++;
        return direct.accept(parameters);
      },
      settings: {
        ...base,
        clientId: `${group}-node-2`,
        topic: base.topic,
        rejectTopicPrefix: base.rejectTopicPrefix,
      },
      retryDelayMs: 20,
      log: pino({ level: 'silent' }),
    });
    publisher = await mqtt.connectAsync(url, { clientId: `${group}-devices`, protocolVersion: 5 });
  });
  afterAll(async () => {
    await publisher?.endAsync();
    await secondNode?.stop();
    await cloud?.stop();
    await testStore?.cleanUp();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('splits the frames between two shared subscribers; every frame lands once; bad frames are refused with their code', async () => {
    const devices = Array.from({ length: 4 }, (_, index) => makeDevice(`mosq-${group}-${index}`));
    for (const device of devices) await registerDevice(cloud, device);
    const rejects = await watchRejects(url, base.rejectTopicPrefix, { protocolVersion: 5 });
    const before = await cloud.context.store.rejectCounts();
    const perDevice = 50;
    for (let round = 0; round < perDevice; round++) {
      await Promise.all(
        devices.map((device) =>
          publisher.publishAsync(`${prefix}/frames/${device.deviceId}`, JSON.stringify(device.frame(round)), {
            qos: 1,
          }),
        ),
      );
    }
    const forged = (devices[0] as Device).frame(7);
    (forged.frame.readings[0] as { value: number }).value = -7;
    await publisher.publishAsync(`${prefix}/frames/${forged.frame.deviceId}`, JSON.stringify(forged), { qos: 1 });
    await publisher.publishAsync(`${prefix}/frames/${forged.frame.deviceId}`, '{"frame":', { qos: 1 });
    const total = devices.length * perDevice;
    await waitFor(`${total} frames in the log`, async () => {
      let count = 0;
      for (const device of devices) count += (await cloud.context.store.recentFrames(1_000, device.deviceId)).length;
      return count === total ? true : undefined;
    });
    const stored = (
      await Promise.all(devices.map((device) => cloud.context.store.recentFrames(1_000, device.deviceId)))
    ).flat();
    // Once each: one row per (device, seq).
    expect(new Set(stored.map((row) => `${row.device_id}:${row.seq}`)).size).toBe(total);
    // The two bad frames may still be in a verify step when the good ones are all logged: wait for
    // every frame to be counted by one node or the other.
    await waitFor(`${total + 2} frames taken by the two nodes`, async () => {
      const accepted = cloud.directIngest?.metrics.accepted.get('mqtt') ?? 0;
      taken.node1 =
        accepted +
        [...(cloud.directIngest?.metrics.rejected ?? new Map())].reduce(
          (sum, [key, n]) => (key.startsWith('mqtt ') ? sum + n : sum),
          0,
        ) -
        taken.node2;
      return taken.node1 + taken.node2 === total + 2 ? true : undefined;
    });
    expect(taken.node1).toBeGreaterThan(0);
    expect(taken.node2).toBeGreaterThan(0);
    expect(taken.node1 + taken.node2).toBe(total + 2);
    const after = await cloud.context.store.rejectCounts();
    expect((after.frame_signature_invalid ?? 0) - (before.frame_signature_invalid ?? 0)).toBe(1);
    expect((after.frame_malformed ?? 0) - (before.frame_malformed ?? 0)).toBe(1);
    await waitFor('2 verdicts', () => (rejects.verdicts.length >= 2 ? true : undefined), 5_000);
    expect(rejects.verdicts.map((verdict) => verdict.code).sort()).toEqual([
      'frame_malformed',
      'frame_signature_invalid',
    ]);
    await rejects.client.endAsync();
    process.stdout.write(
      `mosquitto shared subscription $share/${group}: node 1 took ${taken.node1}, node 2 took ${taken.node2} of ${total + 2} frames; ${total} logged once\n`,
    );
  });
});
