/**
 * A local EVM node: the Anvil binary shipped in the npm package `@foundry-rs/anvil-linux-amd64`,
 * started on a free port and stopped at the end. It can be stopped and started again on the same
 * port with its state kept in a file (how the tests make an RPC outage, and how an embedded
 * deployment can keep its chain in the data folder). A missing binary is an error, never a
 * silent skip.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

const binaryRelativePath = 'node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil';

/** The first three accounts of Anvil's default test mnemonic: public test keys, never real funds. */
export const anvilAccounts = [
  {
    address: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
    privateKey: '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  },
  {
    address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    privateKey: '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  },
  {
    address: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
    privateKey: '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  },
] as const;

/** Path of the Anvil binary, found by walking up from this file to the folder that holds it. */
export function findAnvilBinary(): string {
  let folder = import.meta.dirname;
  for (;;) {
    const candidate = join(folder, binaryRelativePath);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  throw new Error(
    `the Anvil binary (${binaryRelativePath}) is missing: install the optional dependency @foundry-rs/anvil-linux-amd64` +
      (process.env.CI === 'true' ? ' (CI=true: EVM tests must run, not skip)' : ''),
  );
}

/** A port nobody listens on now: bind port 0, read the port, close. */
export async function findFreePort(): Promise<number> {
  return await new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** A running (or stopped) Anvil node. */
export interface AnvilNode {
  /** JSON-RPC address, the same across restarts. */
  rpcUrl: string;
  /** The chain id the node answers. */
  chainId: number;
  /** Whether the process runs now. */
  readonly running: boolean;
  /** Stop the node (its state is written to the state file, when there is one). */
  stop(): Promise<void>;
  /** Start the node again on the same port, from the state file when there is one. */
  start(): Promise<void>;
}

/** Options of startAnvil. */
export interface StartAnvilOptions {
  /** Chain id; 31337 by default. */
  chainId?: number;
  /** A file the node loads its state from at start and writes it to at stop (`--state`). */
  stateFile?: string;
  /** Longest wait for the node to answer eth_chainId. */
  readyTimeoutMs?: number;
}

async function answersChainId(rpcUrl: string): Promise<boolean> {
  try {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(1_000),
    });
    const body = (await response.json()) as { result?: string };
    return typeof body.result === 'string';
  } catch {
    return false;
  }
}

/** Start Anvil on a free port and wait until it answers eth_chainId. */
export async function startAnvil(options: StartAnvilOptions = {}): Promise<AnvilNode> {
  const binary = findAnvilBinary();
  const chainId = options.chainId ?? 31337;
  const readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
  const port = await findFreePort();
  const rpcUrl = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  async function start(): Promise<void> {
    if (child) throw new Error('anvil runs already');
    const args = ['--port', String(port), '--host', '127.0.0.1', '--chain-id', String(chainId), '--silent'];
    if (options.stateFile) args.push('--state', options.stateFile);
    const process_ = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    process_.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4_000);
    });
    child = process_;
    exited = new Promise((resolveExit) => {
      process_.once('exit', () => {
        if (child === process_) child = undefined;
        resolveExit();
      });
    });
    const deadline = Date.now() + readyTimeoutMs;
    while (!(await answersChainId(rpcUrl))) {
      if (!child) throw new Error(`anvil exited before answering: ${stderr}`);
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`anvil did not answer eth_chainId within ${readyTimeoutMs} ms: ${stderr}`);
      }
      await new Promise((resolveWait) => setTimeout(resolveWait, 50));
    }
  }

  async function stop(): Promise<void> {
    const running = child;
    if (!running) return;
    running.kill('SIGTERM');
    const killTimer = setTimeout(() => running.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killTimer);
  }

  await start();
  return {
    rpcUrl,
    chainId,
    get running() {
      return child !== undefined;
    },
    stop,
    start,
  };
}
