/**
 * The machine's NATS server with JetStream (127.0.0.1:4222) for tests. Under CI=true a missing
 * server fails the test; elsewhere the caller skips with a printed warning, never silently.
 * `restartNats` kills the server by pid and starts it again with the machine's own command line;
 * `ensureNatsRunning` (call it in afterAll) brings it back even when a test failed half-way.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { connect as connectTcp } from 'node:net';

/** The test server's URL. */
export const natsTestUrl = process.env.FIELDPROOF_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

const natsPort = 4222;
const natsStartArgs = [
  '--start',
  '--oknodo',
  '--background',
  '--exec',
  '/usr/sbin/nats-server',
  '--',
  '-a',
  '127.0.0.1',
  '-p',
  String(natsPort),
  '-js',
  '-sd',
  '/var/lib/nats-server',
  '-l',
  '/var/log/nats-server.log',
];

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Whether NATS answers on 4222; under CI=true throws instead of answering false. */
export async function natsAvailable(): Promise<boolean> {
  if (await portOpen(natsPort)) return true;
  const message = `NATS (JetStream) at ${natsTestUrl} is unreachable`;
  if (process.env.CI === 'true') throw new Error(`${message}; CI=true requires it`);
  console.warn(`WARNING: ${message}: skipping the NATS tests of this file`);
  return false;
}

function natsPids(): number[] {
  const found = spawnSync('pgrep', ['-x', 'nats-server']).stdout?.toString() ?? '';
  return found
    .split('\n')
    .filter((line) => /^\d+$/.test(line.trim()))
    .map(Number);
}

async function waitForPort(open: boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await portOpen(natsPort)) !== open) {
    if (Date.now() > deadline) throw new Error(`NATS port ${natsPort} did not ${open ? 'open' : 'close'} in time`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Start the machine's NATS if it is not running, and wait until it listens. */
export async function ensureNatsRunning(timeoutMs = 15_000): Promise<void> {
  // --oknodo: nothing happens when it already runs (start-stop-daemon matches the executable).
  if (!(await portOpen(natsPort))) execFileSync('start-stop-daemon', natsStartArgs);
  await waitForPort(true, timeoutMs);
}

/**
 * Kill the machine's NATS by pid (SIGKILL: a crash, not a clean shutdown), keep it down for
 * `downMs`, then start it again with its usual command line and wait until it listens.
 */
export async function restartNats(downMs = 500): Promise<void> {
  for (const pid of natsPids()) process.kill(pid, 'SIGKILL');
  await waitForPort(false, 10_000);
  await new Promise((resolve) => setTimeout(resolve, downMs));
  await ensureNatsRunning();
}
