/**
 * A cloud store in a temporary folder with signed checkpoints of a fake log (roots derived from
 * the size), a logger whose lines the test can read, and the tools to count anchors on chain.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { checkpointAnchorAbi, formatCheckpoint, signNote } from '@fieldproof/ledger';
import { generateKeyPair, keyPairSigner, suiteHash, utf8 } from '@fieldproof/protocol';
import pino from 'pino';
import type { Address, Hex } from 'viem';
import type { EvmClients } from '../src/chain/evm/evm-clients.ts';
import { openSqliteCloudStore } from '../src/storage/sqlite/open-sqlite-cloud-store.ts';

/** A store, a log signer and a readable logger for anchoring tests. */
export async function createAnchorFixture(origin = 'fieldproof.test/anchor-log') {
  const folder = mkdtempSync(join(tmpdir(), 'fieldproof-anchor-'));
  const store = await openSqliteCloudStore(join(folder, 'cloud.db'));
  const signer = keyPairSigner(generateKeyPair('ed25519'));
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const log = pino({ level: 'debug' }, sink);
  let nowMs = Date.UTC(2026, 0, 1);

  /** The fake root of the log at `size`. */
  function rootAt(size: number): Uint8Array {
    return suiteHash('intl', utf8(`root of size ${size}`));
  }

  return {
    folder,
    store,
    origin,
    suite: 'intl' as const,
    log,
    /** Every log line written so far (JSON). */
    lines,
    clock: () => nowMs++,
    rootAt,
    /** Sign and store checkpoints of these sizes. */
    async addCheckpoints(...sizes: number[]): Promise<void> {
      for (const size of sizes) {
        const body = formatCheckpoint({ origin, size, rootHash: rootAt(size), suite: 'intl' });
        await store.insertCheckpoint(size, rootAt(size), signNote(body, { keyName: origin, signer }), nowMs);
      }
    },
    async close(): Promise<void> {
      await store.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** How many `CheckpointAnchored` events the chain holds per size, for one contract and origin. */
export async function countAnchorEvents(
  clients: EvmClients,
  contractAddress: Address,
  originHash: Hex,
): Promise<Map<number, number>> {
  const events = await clients.publicClient.getContractEvents({
    address: contractAddress,
    abi: checkpointAnchorAbi,
    eventName: 'CheckpointAnchored',
    args: { originHash },
    fromBlock: 0n,
    toBlock: 'latest',
    strict: true,
  });
  const counts = new Map<number, number>();
  for (const event of events) {
    const size = Number(event.args.size);
    counts.set(size, (counts.get(size) ?? 0) + 1);
  }
  return counts;
}

/** Wait until `condition` holds, polling every 25 ms; fails after `timeoutMs`. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 25));
  }
}
