/**
 * bench:edge — the edge gateway on this machine, each figure beside its baseline from the same run:
 *  (a) frames/s verified and batched at the edge (inbox → verify on the worker pool → Merkle batch
 *      signed → outbox, real SQLite in WAL) beside raw signature verification on all cores through
 *      the same pool; inbox writes/s as the MQTT intake makes them are printed too;
 *  (b) memory per 10,000 simulated devices: the heap and RSS of an edge holding 10,000 registered
 *      devices, each with its seq state and one frame, over an edge with none;
 *  (c) the drain of a 10-minute backlog: the backlog of `LIVE_DEVICES` devices at one frame per
 *      `FRAME_PERIOD_MS` is built in the outbox with the uplink down, then a real cloud comes up and
 *      the time until the cloud has stored and logged it all is taken; drain rate ÷ live rate,
 *      target ≥ 3×.
 * Frames are signed before any clock starts: signing is the devices' cost, not the edge's.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startCloudServer } from '@fieldproof/cloud';
import { createDeviceClient, createMemorySeqStore } from '@fieldproof/device';
import { type EdgeGateway, startEdgeGateway } from '@fieldproof/edge';
import {
  canonicalBytes,
  createVerifyPool,
  fromBase64,
  generateKeyPair,
  type KeyPair,
  keyPairSigner,
  type SignedFrame,
  toBase64,
  topics,
} from '@fieldproof/protocol';
import Database from 'better-sqlite3';
import { describeMachine, progress, writeResults } from './machine.ts';

const pipelineFrames = Number(process.env.BENCH_EDGE_FRAMES ?? 40_000);
const pipelineDevices = Number(process.env.BENCH_EDGE_DEVICES ?? 100);
const memoryDevices = 10_000;
const liveDevices = Number(process.env.BENCH_EDGE_LIVE_DEVICES ?? 100);
const framePeriodMs = Number(process.env.BENCH_EDGE_FRAME_PERIOD_MS ?? 1_000);
const liveRate = (liveDevices * 1_000) / framePeriodMs;
const backlogFrames = Math.round(liveRate * 600);
const drainTarget = 3;

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const machine = describeMachine();
// The load average says how much of the machine the run had: the 2-core VM is shared.
const loadAtStart = loadavg()[0] ?? 0;
console.log(
  `bench:edge on ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.date}, load average ${loadAtStart.toFixed(1)}\n`,
);

const root = mkdtempSync(join(tmpdir(), 'fieldproof-bench-edge-'));
const pool = createVerifyPool();
const sleep = (ms: number) => new Promise((wake) => setTimeout(wake, ms));

interface BenchDevice {
  deviceId: string;
  keyPair: KeyPair;
  sign: (index: number, timeMs: number) => SignedFrame;
}

function makeDevices(count: number, prefix: string): BenchDevice[] {
  return Array.from({ length: count }, (_, index) => {
    const keyPair = generateKeyPair('ed25519');
    const deviceId = `${prefix}-${String(index).padStart(5, '0')}`;
    const client = createDeviceClient({ deviceId, signer: keyPairSigner(keyPair), seqStore: createMemorySeqStore(0) });
    return {
      deviceId,
      keyPair,
      sign: (index: number, timeMs: number) =>
        client.buildFrame(
          [
            { kind: 'weight', value: 25_000 + (index % 997) * 0.5, unit: 'kg' },
            { kind: 'temperature', value: -18 + (index % 7) * 0.1, unit: 'degC' },
          ],
          timeMs,
        ),
    };
  });
}

/** Frames round-robin over devices, each device's seqs rising. */
function signFrames(devices: BenchDevice[], total: number, label: string): SignedFrame[] {
  const frames: SignedFrame[] = [];
  const startMs = 1_700_000_000_000;
  for (let index = 0; index < total; index++) {
    const device = devices[index % devices.length] as BenchDevice;
    frames.push(device.sign(index, startMs + index));
    if (index % 10_000 === 0) progress(label, index, total);
  }
  progress(label, total, total);
  return frames;
}

function edgeConfig(name: string, devices: BenchDevice[], cloudUrl: string) {
  return {
    edgeId: name,
    dataDir: join(root, name),
    cloud: { url: cloudUrl, retryBaseMs: 50, retryMaxMs: 250 },
    batch: { intervalMs: 50, framesMax: 2_000 },
    limits: { verifyChunkMax: 2_000 },
    devices: devices.map((device) => ({
      deviceId: device.deviceId,
      alg: 'ed25519' as const,
      publicKey: toBase64(device.keyPair.publicKey),
    })),
  };
}

/** Write frames to an edge's inbox as the MQTT intake does: one autocommit insert each. Returns rows/s. */
function fillInbox(dataDir: string, frames: SignedFrame[]): number {
  const database = new Database(join(dataDir, 'edge.db'));
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  const insert = database.prepare('INSERT INTO raw_frame (received_at_ms, source, topic, payload) VALUES (?, ?, ?, ?)');
  const payloads = frames.map((frame) => ({
    topic: topics.frames(frame.frame.deviceId),
    payload: Buffer.from(JSON.stringify(frame)),
  }));
  const started = performance.now();
  const now = Date.now();
  for (const item of payloads) insert.run(now, 'mqtt', item.topic, item.payload);
  const seconds = (performance.now() - started) / 1_000;
  database.close();
  return payloads.length / seconds;
}

/** Start an edge over a pre-filled inbox and time until every frame is verified and in a signed batch. */
async function timePipeline(config: ReturnType<typeof edgeConfig>, frames: number) {
  // Watched through a second, read-only connection with a query over the few batch rows, so the
  // watching costs the edge next to nothing (its status() counts whole tables).
  const watch = new Database(join(config.dataDir, 'edge.db'), { readonly: true });
  const batched = watch.prepare('SELECT coalesce(sum(frame_count), 0) AS n FROM batch');
  const started = performance.now();
  const edge = await startEdgeGateway(config, { verifier: pool });
  while ((batched.get() as { n: number }).n < frames) await sleep(5);
  const seconds = (performance.now() - started) / 1_000;
  watch.close();
  const status = edge.status();
  if (status.quarantined > 0) throw new Error(`the edge quarantined ${status.quarantined} good frames`);
  return { edge, seconds, framesPerSecond: frames / seconds, batches: status.batches };
}

/** A port with nothing listening: the uplink is refused there. */
async function refusedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const memory = () => {
  collectGarbage();
  collectGarbage();
  const usage = process.memoryUsage();
  return { rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external };
};
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

try {
  const downUrl = `http://127.0.0.1:${await refusedPort()}`;

  // (b) first, while the process is small: memory per 10,000 devices.
  console.log(`  (b) memory: ${memoryDevices.toLocaleString('en')} devices, one frame each`);
  const manyDevices = makeDevices(memoryDevices, 'mem');
  const manyFrames = signFrames(manyDevices, memoryDevices, 'signing frames');
  const emptyConfig = edgeConfig('edge-empty', [], downUrl);
  const manyConfig = edgeConfig('edge-10k', manyDevices, downUrl);
  // Create the databases (schema, devices), then fill the 10k edge's inbox with a frame per device.
  await (await startEdgeGateway(manyConfig, { verifier: pool })).stop();
  fillInbox(manyConfig.dataDir, manyFrames);
  manyFrames.length = 0;
  const before = memory();
  const empty = await startEdgeGateway(emptyConfig, { verifier: pool });
  const withEmpty = memory();
  await empty.stop();
  const many = await timePipeline(manyConfig, memoryDevices);
  const withMany = memory();
  const heapPer10k = withMany.heapUsed + withMany.external - (withEmpty.heapUsed + withEmpty.external);
  const rssGrowth = withMany.rss - before.rss;
  const manyDatabaseBytes = statSync(join(manyConfig.dataDir, 'edge.db')).size;
  await many.edge.stop();
  console.log(
    `      heap + external of the edge with 10,000 devices over an empty edge: ${mib(heapPer10k)} MiB (${Math.round(heapPer10k / memoryDevices)} bytes/device)`,
  );
  console.log(
    `      RSS growth of the process over no edge at all:                     ${mib(rssGrowth)} MiB (upper bound: includes one edge's fixed cost and SQLite's page cache)`,
  );
  console.log(`      edge database on disk: ${mib(manyDatabaseBytes)} MiB\n`);

  // (a) the edge pipeline beside raw verification on all cores.
  const devices = makeDevices(pipelineDevices, 'bench');
  const frames = signFrames(devices, pipelineFrames, 'signing frames');
  const items = frames.map((frame, index) => ({
    alg: frame.alg,
    publicKey: (devices[index % devices.length] as BenchDevice).keyPair.publicKey,
    message: canonicalBytes(frame.frame),
    signature: fromBase64(frame.sig) as Uint8Array,
  }));
  await pool.verifyMany(items.slice(0, 2_000)); // warm the workers
  const verifyStarted = performance.now();
  const chunks: Promise<boolean[]>[] = [];
  for (let offset = 0; offset < items.length; offset += 2_000)
    chunks.push(pool.verifyMany(items.slice(offset, offset + 2_000)));
  if (!(await Promise.all(chunks)).flat().every(Boolean)) throw new Error('a pre-signed frame failed verification');
  const rawVerifyPerSecond = items.length / ((performance.now() - verifyStarted) / 1_000);
  const pipelineConfig = edgeConfig('edge-pipeline', devices, downUrl);
  await (await startEdgeGateway(pipelineConfig, { verifier: pool })).stop();
  const inboxWritesPerSecond = fillInbox(pipelineConfig.dataDir, frames);
  const pipeline = await timePipeline(pipelineConfig, pipelineFrames);
  await pipeline.edge.stop();
  const ratioPipeline = pipeline.framesPerSecond / rawVerifyPerSecond;
  console.log(`  (a) ${pipelineFrames.toLocaleString('en')} frames from ${pipelineDevices} devices (Ed25519)`);
  console.log(
    `      raw verification, ${pool.threads} threads:             ${Math.round(rawVerifyPerSecond).toLocaleString('en')} signatures/s`,
  );
  console.log(
    `      edge: inbox → verified → batched → outbox:  ${Math.round(pipeline.framesPerSecond).toLocaleString('en')} frames/s (${pipeline.seconds.toFixed(2)} s, ${pipeline.batches} batches) = ${ratioPipeline.toFixed(2)} × raw verification`,
  );
  console.log(
    `      inbox writes as the MQTT intake makes them: ${Math.round(inboxWritesPerSecond).toLocaleString('en')} frames/s (one autocommit insert per frame)\n`,
  );

  // (c) a 10-minute backlog built with the uplink down, then drained into a real cloud.
  console.log(
    `  (c) backlog: ${liveDevices} devices at one frame per ${framePeriodMs} ms = ${liveRate.toLocaleString('en')} frames/s live; 10 minutes = ${backlogFrames.toLocaleString('en')} frames`,
  );
  const liveDeviceList = makeDevices(liveDevices, 'live');
  const backlog = signFrames(liveDeviceList, backlogFrames, 'signing the backlog');
  const cloudPort = await refusedPort();
  const cloudUrl = `http://127.0.0.1:${cloudPort}`;
  const drainConfig = edgeConfig('edge-drain', liveDeviceList, cloudUrl);
  const cloudDir = join(root, 'cloud');
  // Register the edge and its devices while the cloud is up, then take it down again.
  const first = await startEdgeGateway(drainConfig, { verifier: pool });
  const registering = await startCloudServer(
    { dataDir: cloudDir, http: { port: cloudPort }, checkpointIntervalMs: 1_000 },
    { verifier: pool },
  );
  const admin = async (path: string, body: Record<string, string>) => {
    const response = await fetch(`${registering.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${registering.adminToken}` },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  };
  await admin('/v1/edges', { edgeId: drainConfig.edgeId, ...first.publicKey });
  for (const device of liveDeviceList) {
    await admin('/v1/devices', {
      deviceId: device.deviceId,
      alg: 'ed25519',
      publicKey: toBase64(device.keyPair.publicKey),
      edgeId: drainConfig.edgeId,
    });
  }
  await registering.stop();
  await first.stop();
  fillInbox(drainConfig.dataDir, backlog);
  backlog.length = 0;
  const built = await timePipeline(drainConfig, backlogFrames);
  const edge: EdgeGateway = built.edge;
  const held = edge.status();
  console.log(
    `      built with the uplink down: ${held.outbox.frames.toLocaleString('en')} frames in ${held.outbox.batches} signed batches in the outbox (${built.seconds.toFixed(1)} s)`,
  );
  const cloudStarted = performance.now();
  const cloud = await startCloudServer(
    { dataDir: cloudDir, http: { port: cloudPort }, checkpointIntervalMs: 1_000 },
    { verifier: pool },
  );
  // The drain is timed from the moment the cloud listens; the edge's next retry is at most
  // retryMaxMs (250 ms here) away and counts against the drain.
  const drainStarted = performance.now();
  const cloudStartSeconds = (drainStarted - cloudStarted) / 1_000;
  for (;;) {
    const stored = (await cloud.context.store.totals()).frames;
    progress('draining', stored, backlogFrames);
    if (stored >= backlogFrames && edge.status().outbox.frames === 0) break;
    await sleep(20);
  }
  const drainSeconds = (performance.now() - drainStarted) / 1_000;
  const totals = await cloud.context.store.totals();
  if (totals.frames !== backlogFrames || totals.quarantined !== 0) {
    throw new Error(
      `cloud holds ${totals.frames} frames, ${totals.quarantined} quarantined; expected ${backlogFrames}`,
    );
  }
  const drainRate = backlogFrames / drainSeconds;
  await edge.stop();
  await cloud.stop();
  const ratioDrain = drainRate / liveRate;
  console.log(
    `      drained into a real cloud (re-verified, stored, logged): ${backlogFrames.toLocaleString('en')} frames in ${drainSeconds.toFixed(1)} s = ${Math.round(drainRate).toLocaleString('en')} frames/s (${totals.batches} batches; timed from the cloud listening, ${cloudStartSeconds.toFixed(1)} s after its start)`,
  );
  console.log(
    `      drain ÷ live rate = ${ratioDrain.toFixed(1)}×   (target ≥ ${drainTarget}×: a 10-minute outage is caught up in ${((600 / (ratioDrain - 1)) | 0).toLocaleString('en')} s under live load)`,
  );
  console.log(
    `      drain ÷ raw verification = ${(drainRate / rawVerifyPerSecond).toFixed(2)}   (the cloud re-verifies every frame on the same cores: the drain's ceiling is about 1.0)`,
  );
  console.log(
    `      live rate at which the drain would be exactly 3×: ${Math.round(drainRate / drainTarget).toLocaleString('en')} frames/s (${Math.round((drainRate / drainTarget) * (framePeriodMs / 1_000)).toLocaleString('en')} devices at this frame period)`,
  );

  const loadAtEnd = loadavg()[0] ?? 0;
  console.log(`\n  load average (1 min) at start ${loadAtStart.toFixed(1)}, at end ${loadAtEnd.toFixed(1)}`);
  const path = writeResults('edge', {
    loadAverage: { start: Number(loadAtStart.toFixed(2)), end: Number(loadAtEnd.toFixed(2)) },
    pipeline: {
      frames: pipelineFrames,
      devices: pipelineDevices,
      verifyThreads: pool.threads,
      rawVerifyPerSecond: Math.round(rawVerifyPerSecond),
      edgeFramesPerSecond: Math.round(pipeline.framesPerSecond),
      ratioEdgeToRawVerify: Number(ratioPipeline.toFixed(3)),
      inboxWritesPerSecond: Math.round(inboxWritesPerSecond),
      batches: pipeline.batches,
    },
    memory: {
      devices: memoryDevices,
      heapAndExternalBytesOverEmptyEdge: heapPer10k,
      bytesPerDevice: Math.round(heapPer10k / memoryDevices),
      rssGrowthBytesUpperBound: rssGrowth,
      databaseBytes: manyDatabaseBytes,
    },
    drain: {
      liveDevices,
      framePeriodMs,
      liveFramesPerSecond: liveRate,
      backlogFrames,
      backlogBatches: held.outbox.batches,
      drainSeconds: Number(drainSeconds.toFixed(3)),
      cloudStartSeconds: Number(cloudStartSeconds.toFixed(3)),
      drainFramesPerSecond: Math.round(drainRate),
      ratioDrainToLive: Number(ratioDrain.toFixed(2)),
      ratioDrainToRawVerify: Number((drainRate / rawVerifyPerSecond).toFixed(3)),
      liveRateAtThreeTimesFramesPerSecond: Math.round(drainRate / drainTarget),
    },
    target: { ratioDrainToLiveMin: drainTarget },
  });
  console.log(`\n  figures written to ${path}`);
} finally {
  await pool.close();
  rmSync(root, { recursive: true, force: true });
}
