import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '..', '..', '..');
// `node --import tsx` runs the CLI in this one process (the tsx launcher would add a parent
// process, and a SIGKILL of that parent would leave the real server running).
const tsxLoader = createRequire(import.meta.url).resolve('tsx');

/** A port that was free a moment ago (bind 0, read it, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** A child process with its output lines collected. */
export interface RunningProcess {
  child: ChildProcess;
  lines: string[];
  /** Resolve when a line matches, or fail after timeoutMs with the output so far. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolve with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

function track(child: ChildProcess, name: string): RunningProcess {
  const lines: string[] = [];
  const listeners: (() => void)[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (line.length > 0) lines.push(`[${name}] ${line}`);
    }
    for (const listener of listeners.splice(0)) listener();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  return {
    child,
    lines,
    exited,
    async waitForLine(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines.find((line) => pattern.test(line));
        if (found) return found;
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(
            `${name}: no line matching ${pattern} (exit ${child.exitCode}); output:\n${lines.slice(-30).join('\n')}`,
          );
        }
        await new Promise<void>((wake) => {
          listeners.push(wake);
          setTimeout(wake, 100);
        });
      }
    },
  };
}

/** Run `fieldproof <args>` as its own process, TypeScript loaded by tsx. */
export function spawnFieldproof(args: string[], name: string): RunningProcess {
  const child = spawn(
    process.execPath,
    ['--import', tsxLoader, join(repoRoot, 'packages', 'cli', 'src', 'main.ts'), ...args],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0' },
    },
  );
  return track(child, name);
}

/** The machine's Mosquitto binary; fails (never skips) when it is missing. */
export function mosquittoBinary(): string {
  for (const candidate of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto']) if (existsSync(candidate)) return candidate;
  const which = spawnSync('which', ['mosquitto']).stdout?.toString().trim();
  if (which) return which;
  throw new Error('mosquitto is not installed: this test needs the real broker (apt-get install mosquitto)');
}

/**
 * A private Mosquitto on `port` with on-disk persistence in `folder`, so queued QoS 1 messages
 * survive a restart; no limit on queued messages, so an offline edge loses nothing.
 */
export function startMosquitto(port: number, folder: string): RunningProcess {
  mkdirSync(folder, { recursive: true });
  const configPath = join(folder, 'mosquitto.conf');
  writeFileSync(
    configPath,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${folder}/`,
      'max_queued_messages 0',
      'max_inflight_messages 0',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  );
  const child = spawn(mosquittoBinary(), ['-c', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  return track(child, 'mosquitto');
}

/** Wait until a TCP port accepts connections. */
export async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolveOpen) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolveOpen(true);
      });
      socket.once('error', () => resolveOpen(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`port ${port} did not open within ${timeoutMs} ms`);
    await new Promise((wake) => setTimeout(wake, 50));
  }
}
