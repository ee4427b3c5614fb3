import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createDeviceClient,
  createMemorySeqStore,
  createMqttPublisher,
  type DeviceClient,
  type FramePublisher,
} from '@fieldproof/device';
import { generateKeyPair, type KeyPair, keyPairSigner, type SignedFrame, toBase64 } from '@fieldproof/protocol';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, type RunningProcess, spawnFieldproof, startMosquitto, waitForPort } from '../_test/processes.ts';
import { storeArguments, type TestCloudStore, testCloudStore } from '../_test/test-store.ts';
import { getJson, waitFor } from '../_test/wait-for.ts';

// Real processes: a private Mosquitto with persistence, `fieldproof cloud` and `fieldproof edge`.
// The uplink is made unreachable for real: the cloud process is killed (SIGKILL), so the edge's
// requests are refused at the TCP level, and a new cloud process is started on the same port and
// data folder when the outage ends.
const root = mkdtempSync(join(tmpdir(), 'fieldproof-outage-'));
const running: RunningProcess[] = [];
// The cloud processes' stores (FIELDPROOF_TEST_STORE), dropped once every process is gone.
const stores: TestCloudStore[] = [];
afterAll(async () => {
  for (const process of running) {
    if (process.child.exitCode === null) {
      process.child.kill('SIGKILL');
      await process.exited;
    }
  }
  for (const store of stores) await store.cleanUp();
  rmSync(root, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((wake) => setTimeout(wake, ms));

interface TestDevice {
  deviceId: string;
  keyPair: KeyPair;
  client: DeviceClient;
}

interface CloudStatus {
  frames: number;
  batches: number;
  logSize: number;
  quarantined: number;
}

interface EdgeStatusView {
  inbox: number;
  frames: number;
  batches: number;
  outbox: { batches: number; frames: number };
  backlogFrames: number;
  backPressure: boolean;
  backPressureAlerts: number;
  duplicates: number;
  quarantined: number;
}

/** Mosquitto, a cloud and an edge, each its own process, with `deviceCount` devices registered. */
async function startStack(name: string, deviceCount: number, edgeSettings: Record<string, unknown>) {
  const folder = join(root, name);
  const mqttPort = await freePort();
  const cloudPort = await freePort();
  const cloudDir = join(folder, 'cloud');
  const edgeDir = join(folder, 'edge');
  const broker = startMosquitto(mqttPort, join(folder, 'mosquitto'));
  running.push(broker);
  await waitForPort(mqttPort);
  const testStore = await testCloudStore();
  stores.push(testStore);
  const stack = {
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    cloudUrl: `http://127.0.0.1:${cloudPort}`,
    edgeUrl: '',
    edgeDir,
    cloud: undefined as RunningProcess | undefined,
    edge: undefined as RunningProcess | undefined,
    async startCloud() {
      const cloud = spawnFieldproof(
        [
          'cloud',
          ...storeArguments(testStore),
          '--data-dir',
          cloudDir,
          '--http-port',
          String(cloudPort),
          '--checkpoint-interval-ms',
          '200',
        ],
        `${name}-cloud`,
      );
      running.push(cloud);
      await cloud.waitForLine(/cloud listening/);
      stack.cloud = cloud;
    },
    async killCloud() {
      stack.cloud?.child.kill('SIGKILL');
      await stack.cloud?.exited;
    },
    // The token file exists once the cloud started; the status is a read that needs it.
    adminToken: () => readFileSync(join(cloudDir, 'keys', 'admin-token'), 'utf8').trim(),
    cloudStatus: () => getJson<CloudStatus>(`${stack.cloudUrl}/v1/status`, stack.adminToken()),
    edgeStatus: () => getJson<EdgeStatusView>(`${stack.edgeUrl}/v1/status`),
  };
  await stack.startCloud();
  const adminToken = readFileSync(join(cloudDir, 'keys', 'admin-token'), 'utf8').trim();
  const admin = async (path: string, body: Record<string, string>) => {
    const response = await fetch(`${stack.cloudUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify(body),
    });
    expect(response.ok, await response.clone().text()).toBe(true);
  };
  const devices: TestDevice[] = Array.from({ length: deviceCount }, (_, index) => {
    const keyPair = generateKeyPair('ed25519');
    const deviceId = `${name}-${index}`;
    return {
      deviceId,
      keyPair,
      client: createDeviceClient({ deviceId, signer: keyPairSigner(keyPair), seqStore: createMemorySeqStore(1) }),
    };
  });
  const edgeId = `edge-${name}`;
  const configPath = join(folder, 'edge.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      edgeId,
      dataDir: edgeDir,
      mqtt: { url: stack.mqttUrl },
      http: { port: 0 },
      cloud: { url: stack.cloudUrl, retryBaseMs: 50, retryMaxMs: 500, timeoutMs: 10_000 },
      ...edgeSettings,
      devices: devices.map((device) => ({
        deviceId: device.deviceId,
        alg: 'ed25519',
        publicKey: toBase64(device.keyPair.publicKey),
      })),
    }),
  );
  const edge = spawnFieldproof(['edge', '--config', configPath], `${name}-edge`);
  running.push(edge);
  const line = await edge.waitForLine(/edge running/);
  stack.edge = edge;
  stack.edgeUrl = line.split(' ').pop() as string;
  const edgeKey = JSON.parse(readFileSync(join(edgeDir, 'edge-key.json'), 'utf8')) as {
    alg: string;
    publicKey: string;
  };
  await admin('/v1/edges', { edgeId, alg: edgeKey.alg, publicKey: edgeKey.publicKey });
  for (const device of devices) {
    await admin('/v1/devices', {
      deviceId: device.deviceId,
      alg: 'ed25519',
      publicKey: toBase64(device.keyPair.publicKey),
      edgeId,
    });
  }
  return Object.assign(stack, { devices });
}

/** Every device's frames in the cloud are exactly seq 1..n: none lost, none twice. */
async function expectEverySeqOnce(
  cloudUrl: string,
  adminToken: string,
  sentByDevice: Map<string, number>,
): Promise<number> {
  let duplicates = 0;
  for (const [deviceId, count] of sentByDevice) {
    const list = await getJson<{ items: { seq: number }[] }>(
      `${cloudUrl}/v1/frames?deviceId=${deviceId}&limit=1000`,
      adminToken,
    );
    const seqs = list.items.map((item) => item.seq).sort((a, b) => a - b);
    duplicates += seqs.length - new Set(seqs).size;
    expect(seqs).toEqual(Array.from({ length: count }, (_, index) => index + 1));
  }
  return duplicates;
}

/** The edge database's own counts, read after the edge stopped. */
function edgeDatabaseCounts(edgeDir: string) {
  const database = new Database(join(edgeDir, 'edge.db'), { readonly: true });
  const quarantined = (database.prepare('SELECT count(*) AS n FROM quarantine').get() as { n: number }).n;
  const duplicates = Number(
    (database.prepare("SELECT value FROM meta WHERE key = 'duplicates'").get() as { value: string } | undefined)
      ?.value ?? 0,
  );
  database.close();
  return { quarantined, duplicates };
}

describe('store-and-forward through an uplink outage, real processes', () => {
  // The live profile: 100 devices, one frame every 5 s each, is 20 frames/s at the edge; ten
  // minutes of it is 12,000 frames. Time is compressed 60×: the devices publish at 1,200 frames/s
  // with device times 5 s apart, so the ten-minute outage lasts 10 s of wall-clock time and leaves
  // the edge exactly the backlog ten real minutes would. The edge's batch interval is compressed
  // the same way (1 s → 17 ms). Before and after the outage the devices keep publishing at the
  // same rate for 2 s (two simulated minutes each), so the backlog drains under live load.
  const deviceCount = 100;
  const framePeriodMs = 5_000;
  const compression = 60;
  const outageSimulatedMs = 10 * 60_000;
  const liveRate = (deviceCount * 1_000) / framePeriodMs; // frames/s, simulated
  const wallRate = liveRate * compression; // frames/s, wall clock
  const roundWallMs = framePeriodMs / compression; // one frame from every device per round

  it('loses and repeats nothing over a 10-minute outage at full rate and drains the backlog', async () => {
    const stack = await startStack('outage', deviceCount, {
      batch: { intervalMs: Math.round(1_000 / compression), framesMax: 2_000 },
    });
    const publishers: FramePublisher[] = [];
    const connections = 4;
    for (let index = 0; index < connections; index++) {
      publishers.push(
        await createMqttPublisher({ url: stack.mqttUrl, clientId: `outage-devices-${index}`, inflightMax: 100_000 }),
      );
    }
    const sentByDevice = new Map<string, number>();
    const acknowledged: Promise<void>[] = [];
    let simulatedTimeMs = 1_700_000_000_000;
    /** Publish one frame from every device per round for `simulatedMs`, paced to the compressed clock. */
    const publishFor = async (simulatedMs: number) => {
      const rounds = Math.round(simulatedMs / framePeriodMs);
      const started = Date.now();
      for (let round = 0; round < rounds; round++) {
        simulatedTimeMs += framePeriodMs;
        stack.devices.forEach((device, index) => {
          const frame = device.client.buildFrame(
            [{ kind: 'weight', value: 1000 + round, unit: 'kg' }],
            simulatedTimeMs,
          );
          sentByDevice.set(device.deviceId, (sentByDevice.get(device.deviceId) ?? 0) + 1);
          acknowledged.push((publishers[index % connections] as FramePublisher).publish(frame));
        });
        const due = started + (round + 1) * roundWallMs;
        if (due > Date.now()) await sleep(due - Date.now());
      }
    };
    const sentCount = () => [...sentByDevice.values()].reduce((sum, count) => sum + count, 0);

    await publishFor(2 * 60_000);
    const beforeOutage = sentCount();
    await waitFor('the live frames in the cloud', async () =>
      (await stack.cloudStatus()).frames === beforeOutage ? true : undefined,
    );

    // The outage: the cloud process dies, the uplink is refused, the devices go on at full rate.
    await stack.killCloud();
    let backlogPeak = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const status = await stack.edgeStatus().catch(() => undefined);
        if (status) backlogPeak = Math.max(backlogPeak, status.backlogFrames);
        await sleep(100);
      }
    })();
    const outageStarted = Date.now();
    await publishFor(outageSimulatedMs);
    const outageWallMs = Date.now() - outageStarted;
    const sentInOutage = sentCount() - beforeOutage;
    await waitFor('the edge to take in every frame of the outage', async () => {
      const status = await stack.edgeStatus();
      return status.frames >= sentCount() && status.inbox === 0 ? true : undefined;
    });
    const held = await stack.edgeStatus();
    backlogPeak = Math.max(backlogPeak, held.backlogFrames);
    expect(held.backlogFrames).toBeGreaterThanOrEqual(sentInOutage);

    // The uplink returns: a new cloud process on the same port and data; the devices go on.
    const restartStarted = Date.now();
    await stack.startCloud();
    const drainStarted = Date.now();
    const restartMs = drainStarted - restartStarted;
    const tail = publishFor(2 * 60_000);
    const backlogTarget = sentCount();
    const drained = await waitFor(
      'the backlog in the cloud',
      async () => ((await stack.cloudStatus()).frames >= backlogTarget ? Date.now() : undefined),
      120_000,
    );
    const drainMs = drained - drainStarted;
    await tail;
    await Promise.all(acknowledged);
    watching = false;
    await watcher;
    const sent = sentCount();
    const status = await waitFor(
      `all ${sent} frames in the cloud`,
      async () => {
        const current = await stack.cloudStatus();
        return current.frames >= sent ? current : undefined;
      },
      60_000,
    );
    expect(status.frames).toBe(sent);
    expect(status.logSize).toBe(status.batches);
    expect(status.quarantined).toBe(0);
    const duplicates = await expectEverySeqOnce(stack.cloudUrl, stack.adminToken(), sentByDevice);
    expect(duplicates).toBe(0);
    const edgeBatches = (await stack.edgeStatus()).batches;
    for (const publisher of publishers) await publisher.close();
    stack.edge?.child.kill('SIGTERM');
    await stack.edge?.exited;
    const edgeCounts = edgeDatabaseCounts(stack.edgeDir);
    expect(edgeCounts.quarantined).toBe(0);
    const drainRate = (backlogTarget - beforeOutage) / (drainMs / 1_000);
    console.log(
      [
        `outage: sent ${sent}, logged ${status.frames}, duplicates ${duplicates} (QoS 1 re-deliveries absorbed at the edge ${edgeCounts.duplicates}), quarantined 0; ${status.batches} batches from the edge's ${edgeBatches}, log size ${status.logSize}`,
        `outage: 10 simulated minutes of ${deviceCount} devices at one frame per ${framePeriodMs / 1_000} s (${liveRate} frames/s live), time compressed ${compression}× (${wallRate} frames/s wall clock): ${sentInOutage} frames in ${(outageWallMs / 1_000).toFixed(1)} s with the cloud down`,
        `outage: backlog peak ${backlogPeak} frames; drained in ${(drainMs / 1_000).toFixed(1)} s once the new cloud process listened (${(restartMs / 1_000).toFixed(1)} s to start it), under live load: ${Math.round(drainRate)} frames/s, ${(drainRate / wallRate).toFixed(1)}× the compressed live rate`,
      ].join('\n'),
    );
  }, 240_000);

  it('at a small outbox bound stops acknowledging, alerts, and lands everything once the uplink returns', async () => {
    const outboxFramesMax = 1_000;
    const deviceCountHere = 20;
    const stack = await startStack('bound', deviceCountHere, {
      batch: { intervalMs: 50, framesMax: 500 },
      limits: { outboxFramesMax },
    });
    await stack.killCloud();
    const publisher = await createMqttPublisher({
      url: stack.mqttUrl,
      clientId: 'bound-devices',
      inflightMax: 100_000,
    });
    const sentByDevice = new Map<string, number>();
    const build = (device: TestDevice, round: number): SignedFrame => {
      sentByDevice.set(device.deviceId, (sentByDevice.get(device.deviceId) ?? 0) + 1);
      return device.client.buildFrame([{ kind: 'weight', value: round, unit: 'kg' }]);
    };
    // MQTT devices: 3,000 frames against a bound of 1,000. The broker acknowledges the devices; the
    // edge takes the bound and then withholds its PUBACKs, so the rest wait in its session.
    const mqttDevices = stack.devices.slice(0, deviceCountHere / 2);
    const httpDevices = stack.devices.slice(deviceCountHere / 2);
    const acknowledged: Promise<void>[] = [];
    for (let round = 0; round < 300; round++) {
      for (const device of mqttDevices) acknowledged.push(publisher.publish(build(device, round)));
    }
    const pressed = await waitFor('back-pressure at the edge', async () => {
      const status = await stack.edgeStatus();
      return status.backPressure ? status : undefined;
    });
    await sleep(1_000);
    const atBound = await stack.edgeStatus();
    expect(atBound.backlogFrames).toBe(outboxFramesMax);
    expect(atBound.frames + atBound.inbox).toBe(outboxFramesMax);
    expect(atBound.backPressureAlerts).toBe(1);
    await waitFor('the alert in the edge log', () =>
      stack.edge?.lines.some((line) => line.includes('edge outbox full: back-pressure on')) ? true : undefined,
    );
    // HTTP devices see no acknowledgement (503 intake_busy) and retry until the edge takes them.
    let refused = 0;
    const httpSending = httpDevices.map(async (device) => {
      for (let round = 0; round < 20; round++) {
        const body = JSON.stringify(build(device, round));
        for (;;) {
          const response = await fetch(`${stack.edgeUrl}/v1/frames`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          });
          if (response.status === 202) break;
          expect(response.status).toBe(503);
          expect(((await response.json()) as { error: { code: string } }).error.code).toBe('intake_busy');
          refused++;
          await sleep(200);
        }
      }
    });
    await waitFor('HTTP devices refused while the outbox is full', () =>
      refused >= httpDevices.length ? true : undefined,
    );
    const onDisk = await stack.edgeStatus();
    expect(onDisk.frames + onDisk.inbox).toBe(outboxFramesMax);

    // The uplink returns: everything the edge and the broker acknowledged lands, once.
    await stack.startCloud();
    await Promise.all(httpSending);
    await Promise.all(acknowledged);
    const sent = [...sentByDevice.values()].reduce((sum, count) => sum + count, 0);
    const status = await waitFor(
      `all ${sent} frames in the cloud`,
      async () => {
        const current = await stack.cloudStatus();
        return current.frames >= sent ? current : undefined;
      },
      90_000,
    );
    expect(status.frames).toBe(sent);
    expect(status.quarantined).toBe(0);
    const duplicates = await expectEverySeqOnce(stack.cloudUrl, stack.adminToken(), sentByDevice);
    await waitFor('back-pressure off', async () => ((await stack.edgeStatus()).backPressure ? undefined : true));
    const after = await stack.edgeStatus();
    await publisher.close();
    stack.edge?.child.kill('SIGTERM');
    await stack.edge?.exited;
    console.log(
      `outbox bound: bound ${outboxFramesMax} frames, held at the bound ${atBound.frames + atBound.inbox} (back-pressure on after ${pressed.frames + pressed.inbox}), alerts 1 at the bound (${after.backPressureAlerts} in all: the bound was hit again while the backlog drained under load); HTTP devices refused ${refused} times (503 intake_busy) and retried; sent ${sent} (MQTT ${mqttDevices.length * 300}, HTTP ${httpDevices.length * 20}), logged ${status.frames}, duplicates ${duplicates}, quarantined 0`,
    );
  }, 180_000);
});
