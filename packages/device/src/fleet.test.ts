import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  canonicalBytes,
  fromBase64,
  generateKeyPair,
  keyPairSigner,
  type SignatureAlgorithm,
  type SignedFrame,
  SignedFrameSchema,
  topics,
  verify,
} from '@fieldproof/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestHttpReceiver } from '../_test/http-receiver.ts';
import { startTestBroker, subscribeAll, type TestBroker, waitFor } from '../_test/mqtt-broker.ts';
import { type FleetDevice, type FleetProgress, runFleet } from './fleet.ts';
import { createHttpPublisher } from './http-publisher.ts';
import { createMqttPublisher } from './mqtt-publisher.ts';
import { createFileSeqStore, createMemorySeqStore } from './seq-store.ts';
import { simulatorKinds } from './simulators/index.ts';

const algorithms: SignatureAlgorithm[] = ['ed25519', 'ecdsa-p256', 'sm2'];

function makeFleet(count: number): { devices: FleetDevice[]; publicKeys: Map<string, Uint8Array> } {
  const publicKeys = new Map<string, Uint8Array>();
  const devices = Array.from({ length: count }, (_, index) => {
    const keyPair = generateKeyPair(algorithms[index % algorithms.length] as SignatureAlgorithm);
    const deviceId = `device-${index}`;
    publicKeys.set(deviceId, keyPair.publicKey);
    return {
      deviceId,
      kind: simulatorKinds[index % simulatorKinds.length] as FleetDevice['kind'],
      signer: keyPairSigner(keyPair),
      seed: index,
    };
  });
  return { devices, publicKeys };
}

function checkFrames(frames: SignedFrame[], publicKeys: Map<string, Uint8Array>): void {
  const lastSeq = new Map<string, number>();
  for (const signedFrame of frames) {
    const { frame } = signedFrame;
    const publicKey = publicKeys.get(frame.deviceId) as Uint8Array;
    const signature = fromBase64(signedFrame.sig) as Uint8Array;
    expect(verify(signedFrame.alg, publicKey, canonicalBytes(frame), signature)).toBe(true);
    expect(frame.seq).toBeGreaterThan(lastSeq.get(frame.deviceId) ?? -1);
    lastSeq.set(frame.deviceId, frame.seq);
  }
}

// Through a real Aedes broker, one real mqtt.js connection per simulated device.
describe('runFleet over MQTT', () => {
  let broker: TestBroker;
  beforeEach(async () => {
    broker = await startTestBroker();
  });
  afterEach(async () => {
    await broker.close();
  });

  it('sends exactly frameCountMax signed frames, each acknowledged and received once', async () => {
    const { devices, publicKeys } = makeFleet(6);
    const subscriber = await subscribeAll(broker.url, topics.framesWildcard);
    const progress: FleetProgress[] = [];
    const result = await runFleet({
      devices,
      createPublisher: (deviceId) => createMqttPublisher({ url: broker.url, clientId: deviceId }),
      seqStore: createFileSeqStore(mkdtempSync(join(tmpdir(), 'fieldproof-fleet-'))),
      ratePerDeviceHz: 20,
      frameCountMax: 60,
      progressIntervalMs: 100,
      onProgress: (update) => progress.push(update),
    });
    expect(result).toEqual({ sent: 60, acknowledged: 60, failed: 0 });
    await waitFor(() => subscriber.messages.length >= 60);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(subscriber.messages).toHaveLength(60);
    const frames = subscriber.messages.map((message) => {
      const signedFrame = SignedFrameSchema.parse(JSON.parse(message.payload));
      expect(message.topic).toBe(topics.frames(signedFrame.frame.deviceId));
      return signedFrame;
    });
    checkFrames(frames, publicKeys);
    // Every device took part: the timers are staggered, not serialised.
    expect(new Set(frames.map((signedFrame) => signedFrame.frame.deviceId)).size).toBe(6);
    expect(progress.at(-1)).toMatchObject({ sent: 60, acknowledged: 60, failed: 0 });
    await subscriber.client.endAsync();
  });

  it('replays the same readings for the same seeds and start time', async () => {
    const { devices } = makeFleet(5);
    const readingsOfRun = async (): Promise<Map<string, string[]>> => {
      const subscriber = await subscribeAll(broker.url, topics.framesWildcard);
      const publisher = await createMqttPublisher({ url: broker.url, clientId: 'fleet-replay' });
      await runFleet({
        devices,
        publisher,
        seqStore: createMemorySeqStore(),
        ratePerDeviceHz: 50,
        frameCountMax: 25,
        startTimeMs: Date.UTC(2024, 2, 4, 8),
      });
      await waitFor(() => subscriber.messages.length >= 25);
      await publisher.close();
      await subscriber.client.endAsync();
      const byDevice = new Map<string, string[]>();
      for (const message of subscriber.messages) {
        const { frame } = SignedFrameSchema.parse(JSON.parse(message.payload));
        const samples = byDevice.get(frame.deviceId) ?? [];
        samples[frame.seq] = JSON.stringify([frame.deviceTimeMs, frame.readings]);
        byDevice.set(frame.deviceId, samples);
      }
      return byDevice;
    };
    const first = await readingsOfRun();
    const second = await readingsOfRun();
    // Which device sends the 25th frame depends on timer order; each device's own stream must not.
    for (const device of devices) {
      const firstSamples = first.get(device.deviceId) ?? [];
      const secondSamples = second.get(device.deviceId) ?? [];
      const common = Math.min(firstSamples.length, secondSamples.length);
      expect(common).toBeGreaterThanOrEqual(3);
      expect(secondSamples.slice(0, common)).toEqual(firstSamples.slice(0, common));
    }
  });
});

// Against a real node:http server standing in for an ingest endpoint (the SDK side only).
describe('runFleet over HTTP', () => {
  it('runs for durationMs on timers at the given rate', async () => {
    const receiver = await startTestHttpReceiver(() => ({ status: 202, json: {} }));
    const { devices, publicKeys } = makeFleet(3);
    const publisher = createHttpPublisher({ url: receiver.url });
    const startedMs = Date.now();
    const result = await runFleet({
      devices,
      publisher,
      seqStore: createMemorySeqStore(),
      ratePerDeviceHz: 10,
      durationMs: 1000,
    });
    const elapsedMs = Date.now() - startedMs;
    // 3 devices × 10 Hz × 1 s, give or take a tick per device at the edges.
    expect(result.sent).toBeGreaterThanOrEqual(27);
    expect(result.sent).toBeLessThanOrEqual(33);
    expect(result).toEqual({ sent: result.sent, acknowledged: result.sent, failed: 0 });
    expect(elapsedMs).toBeGreaterThanOrEqual(990);
    expect(elapsedMs).toBeLessThan(3000);
    expect(receiver.bodies).toHaveLength(result.sent);
    checkFrames(
      receiver.bodies.map((body) => SignedFrameSchema.parse(JSON.parse(body))),
      publicKeys,
    );
    await publisher.close();
    await receiver.close();
  });

  it('counts rejected frames as failed and stops when the signal aborts', async () => {
    let answered = 0;
    const receiver = await startTestHttpReceiver(() => {
      answered++;
      return answered % 2 === 0 ? { status: 409, json: { code: 'frame_replayed' } } : { status: 202, json: {} };
    });
    const { devices } = makeFleet(2);
    const publisher = createHttpPublisher({ url: receiver.url });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    const result = await runFleet({
      devices,
      publisher,
      seqStore: createMemorySeqStore(),
      ratePerDeviceHz: 20,
      signal: controller.signal,
    });
    expect(result.sent).toBeGreaterThan(10);
    expect(result.sent).toBe(result.acknowledged + result.failed);
    expect(result.failed).toBe(Math.floor(result.sent / 2));
    await publisher.close();
    await receiver.close();
  });

  it('refuses a run that could never stop, and bad parameters by name', async () => {
    const { devices } = makeFleet(1);
    const publisher = createHttpPublisher({ url: 'http://127.0.0.1:9/frames' });
    const seqStore = createMemorySeqStore();
    await expect(runFleet({ devices, publisher, seqStore, ratePerDeviceHz: 1 })).rejects.toThrow(/never stops/);
    await expect(runFleet({ devices, publisher, seqStore, ratePerDeviceHz: 0, durationMs: 1 })).rejects.toThrow(
      /ratePerDeviceHz/,
    );
    await expect(
      runFleet({ devices: [...devices, ...devices], publisher, seqStore, ratePerDeviceHz: 1, durationMs: 1 }),
    ).rejects.toThrow(/distinct/);
  });
});
