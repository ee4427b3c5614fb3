/**
 * bench:scale — frames/s from devices to the log, embedded (one process: in-process bus, SQLite)
 * beside scale-out (2 ingest processes + a sequencer process: Mosquitto, NATS JetStream,
 * PostgreSQL), in the same run on the same machine, with the devices publishing from a separate
 * load process; and API latency p50/p99 (GET /v1/status, a proof fetch) under that load from
 * another process. Both modes take frames from one private Mosquitto (direct MQTT ingest), so the
 * broker is common to both; it queues without limit (max_queued_messages 0), as a broker for
 * ingest must: Mosquitto's default of 1,000 queued messages per session drops QoS 1 frames once
 * the load runs ahead of the subscribers. Frames are pre-signed: signing is the devices' cost.
 * A frame counts when it is settled: stored in the log, or quarantined (a frame of a device that
 * reaches the bus after a higher seq of the same device — see docs/scale-out.md — is quarantined
 * as frame_replayed; the count is printed).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateKeyPair, toBase64 } from '@fieldproof/protocol';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as connectNats } from '@nats-io/transport-node';
import pg from 'pg';
import { freePort, startMosquitto, waitForPort } from '../packages/cli/_test/processes.ts';
import { describeMachine, writeResults } from './machine.ts';

const framesTotal = Number(process.env.BENCH_SCALE_FRAMES ?? 10_000);
const deviceCount = Number(process.env.BENCH_SCALE_DEVICES ?? 100);
const framesPerDevice = Math.ceil(framesTotal / deviceCount);
const natsUrl = process.env.FIELDPROOF_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const postgresUrl = process.env.FIELDPROOF_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const repoRoot = resolve(import.meta.dirname, '..');
const tsxLoader = createRequire(import.meta.url).resolve('tsx');
const runId = randomBytes(4).toString('hex');

const machine = describeMachine();
console.log(
  `bench:scale on ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.date}`,
);
console.log(
  `  ${deviceCount * framesPerDevice} frames from ${deviceCount} direct devices (Ed25519) over MQTT 5 QoS 1\n`,
);

interface Child {
  child: ChildProcess;
  lines: string[];
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

const children: Child[] = [];

function start(name: string, args: string[]): Child {
  const child = spawn(process.execPath, ['--import', tsxLoader, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  const lines: string[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.length > 0) lines.push(line);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const handle: Child = {
    child,
    lines,
    async waitFor(pattern, timeoutMs = 240_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines.find((line) => pattern.test(line));
        if (found) return found;
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`${name}: no line ${pattern} (exit ${child.exitCode}):\n${lines.slice(-20).join('\n')}`);
        }
        await new Promise((wake) => setTimeout(wake, 100));
      }
    },
  };
  children.push(handle);
  return handle;
}

async function stop(handle: Child): Promise<void> {
  if (handle.child.exitCode !== null || handle.child.signalCode !== null) return;
  const exited = new Promise((resolveExit) => handle.child.once('exit', resolveExit));
  handle.child.kill('SIGTERM');
  const timer = setTimeout(() => handle.child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

function makeDevices(prefix: string) {
  return Array.from({ length: deviceCount }, (_, index) => {
    const keyPair = generateKeyPair('ed25519');
    return {
      deviceId: `${prefix}-${index}`,
      keyPair: {
        alg: 'ed25519' as const,
        publicKey: toBase64(keyPair.publicKey),
        privateKey: toBase64(keyPair.privateKey),
      },
    };
  });
}

async function register(url: string, dataDir: string, devices: ReturnType<typeof makeDevices>) {
  const token = readFileSync(join(dataDir, 'keys', 'admin-token'), 'utf8').trim();
  for (const device of devices) {
    const response = await fetch(`${url}/v1/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        deviceId: device.deviceId,
        alg: 'ed25519',
        publicKey: device.keyPair.publicKey,
        edgeId: 'cloud-direct',
      }),
    });
    if (!response.ok) throw new Error(`register ${device.deviceId}: ${response.status} ${await response.text()}`);
  }
}

/** Drive the load and the API probe at `url`; resolve when every frame is settled. */
async function measure(label: string, url: string, topicPrefix: string, devices: ReturnType<typeof makeDevices>) {
  const total = devices.length * framesPerDevice;
  const status = async () =>
    (await (await fetch(`${url}/v1/status`)).json()) as { frames: number; quarantined: number };
  const before = await status();
  const api = start(`${label} api`, [
    join('bench', 'scale-load.ts'),
    'api',
    JSON.stringify({ baseUrl: url, intervalMs: 20 }),
  ]);
  await api.waitFor(/"ready"/);
  const load = start(`${label} devices`, [
    join('bench', 'scale-load.ts'),
    'devices',
    JSON.stringify({ url: mosquittoUrl, topicPrefix, devices, framesPerDevice, connections: 8, window: 64 }),
  ]);
  await load.waitFor(/"ready"/);
  const started = performance.now();
  let settled = { frames: 0, quarantined: 0 };
  for (;;) {
    const now = await status();
    settled = { frames: now.frames - before.frames, quarantined: now.quarantined - before.quarantined };
    if (settled.frames + settled.quarantined >= total) break;
    if (performance.now() - started > 900_000)
      throw new Error(`${label}: not settled in 15 min: ${JSON.stringify(settled)}`);
    await new Promise((wake) => setTimeout(wake, 100));
  }
  const seconds = (performance.now() - started) / 1000;
  await load.waitFor(/"published"/);
  api.child.kill('SIGTERM');
  const latency = JSON.parse(await api.waitFor(/"statusMsP50"/)) as Record<string, number>;
  const result = {
    framesPerSecond: Math.round(total / seconds),
    seconds: Number(seconds.toFixed(2)),
    framesLogged: settled.frames,
    framesQuarantined: settled.quarantined,
    statusMsP50: Number((latency.statusMsP50 ?? 0).toFixed(1)),
    statusMsP99: Number((latency.statusMsP99 ?? 0).toFixed(1)),
    proofMsP50: Number((latency.proofMsP50 ?? 0).toFixed(1)),
    proofMsP99: Number((latency.proofMsP99 ?? 0).toFixed(1)),
  };
  console.log(
    `  ${label.padEnd(34)} ${result.framesPerSecond.toLocaleString('en').padStart(7)} frames/s  (${total} in ${result.seconds} s; logged ${result.framesLogged}, quarantined ${result.framesQuarantined})`,
  );
  console.log(
    `  ${''.padEnd(34)} API under load: /v1/status p50 ${result.statusMsP50} ms p99 ${result.statusMsP99} ms; proof p50 ${result.proofMsP50} ms p99 ${result.proofMsP99} ms`,
  );
  return result;
}

const dataRoot = mkdtempSync(join(tmpdir(), 'fieldproof-bench-scale-'));
const mosquittoPort = await freePort();
const mosquitto = startMosquitto(mosquittoPort, join(dataRoot, 'mosquitto'));
await waitForPort(mosquittoPort);
const mosquittoUrl = `mqtt://127.0.0.1:${mosquittoPort}`;
const schema = `fp_${randomBytes(6).toString('hex')}`;
const stream = `FP_BENCH_${runId}`.toUpperCase();
try {
  // Embedded: one process, the in-process bus, SQLite; direct MQTT ingest from the machine's broker.
  const embeddedDir = join(dataRoot, 'embedded');
  const embeddedTopic = `fpbench/${runId}/embedded`;
  const embedded = start('embedded', [
    join('bench', 'scale-node.ts'),
    JSON.stringify({
      dataDir: embeddedDir,
      http: { port: 0 },
      directIngest: {
        mqtt: {
          url: mosquittoUrl,
          topic: `${embeddedTopic}/+`,
          clientId: `bench-embedded-${runId}`,
          protocolVersion: 5,
        },
      },
    }),
  ]);
  const embeddedUrl = (await embedded.waitFor(/node listening/)).split(' ').at(-1) as string;
  const embeddedDevices = makeDevices(`bench-${runId}-e`);
  await register(embeddedUrl, embeddedDir, embeddedDevices);
  const embeddedResult = await measure('(a) embedded, 1 process, SQLite', embeddedUrl, embeddedTopic, embeddedDevices);
  await stop(embedded);

  // Scale-out: a sequencer and 2 ingest processes on Mosquitto + JetStream + PostgreSQL.
  const scaleDir = join(dataRoot, 'scale-out');
  const scaleTopic = `fpbench/${runId}/scale`;
  const common = (role: string, nodeId: string) => [
    join('packages', 'cli', 'src', 'main.ts'),
    'start',
    '--role',
    role,
    '--node-id',
    nodeId,
    '--data-dir',
    scaleDir,
    '--store',
    `${postgresUrl}?schema=${schema}`,
    '--stream',
    stream,
    '--subject-prefix',
    `fpbench_${runId}`,
    '--mqtt-url',
    mosquittoUrl,
    '--topic-prefix',
    scaleTopic,
    '--share-group',
    `fpbench_${runId}`,
    '--http-port',
    '0',
  ];
  const sequencer = start('sequencer', common('sequencer', 'bench-sequencer'));
  await sequencer.waitFor(/sequencer lease taken/);
  const ingestA = start('ingest a', common('ingest', 'bench-ingest-a'));
  const ingestB = start('ingest b', common('ingest', 'bench-ingest-b'));
  const urlOf = async (handle: Child) => (await handle.waitFor(/listening http/)).split(' ').at(-1) as string;
  const [urlA] = await Promise.all([urlOf(ingestA), urlOf(ingestB)]);
  const scaleDevices = makeDevices(`bench-${runId}-s`);
  await register(urlA as string, scaleDir, scaleDevices);
  const scaleResult = await measure('(b) scale-out, 2 ingest + sequencer', urlA as string, scaleTopic, scaleDevices);
  for (const handle of [ingestA, ingestB, sequencer]) await stop(handle);

  const ratio = scaleResult.framesPerSecond / embeddedResult.framesPerSecond;
  console.log(
    `\n  scale-out ÷ embedded = ${ratio.toFixed(2)} (same ${machine.cores}-core machine: every process shares it)`,
  );
  const target = 183_000;
  const perIngest = scaleResult.framesPerSecond / 2;
  console.log(
    `  sizing at these rates for ${target.toLocaleString('en')} frames/s: ~${Math.ceil(target / perIngest)} ingest nodes like this VM (${Math.round(perIngest)} frames/s each)`,
  );
  const path = writeResults('scale', {
    framesTotal: deviceCount * framesPerDevice,
    deviceCount,
    embedded: embeddedResult,
    scaleOut: { ingestNodes: 2, sequencers: 1, ...scaleResult },
    ratioScaleOutToEmbedded: Number(ratio.toFixed(3)),
  });
  console.log(`  results: ${path}`);
} finally {
  for (const handle of children) await stop(handle).catch(() => {});
  const connection = await connectNats({ servers: natsUrl }).catch(() => undefined);
  if (connection) {
    await (await jetstreamManager(connection)).streams.delete(stream).catch(() => false);
    await connection.close();
  }
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
  mosquitto.child.kill('SIGTERM');
  await mosquitto.exited;
  rmSync(dataRoot, { recursive: true, force: true });
}
process.exit(0);
