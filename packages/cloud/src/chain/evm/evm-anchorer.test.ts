import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashCheckpointBody } from '@fieldproof/ledger';
import { bytesToHex, createTestClient, type Hex, http } from 'viem';
import { afterEach, describe, expect, it } from 'vitest';
import { countAnchorEvents, createAnchorFixture, waitUntil } from '../../../_test/anchor-fixture.ts';
import type { AnchorError } from './anchor-error.ts';
import { deployCheckpointAnchor } from './deploy-checkpoint-anchor.ts';
import { createEvmAnchorer, type EvmAnchorerParameters } from './evm-anchorer.ts';
import { createEvmClients, type EvmClients } from './evm-clients.ts';
import { type AnvilNode, anvilAccounts, startAnvil } from './local-evm-node.ts';
import { readAnchoredCheckpoint } from './read-anchored-checkpoint.ts';
import { signAnchorTransaction } from './sign-anchor-transaction.ts';

const [ownerKey, memberKey] = anvilAccounts;
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Setup {
  anvil: AnvilNode;
  clients: EvmClients;
  contractAddress: Hex;
  fixture: Awaited<ReturnType<typeof createAnchorFixture>>;
  anchorer(overrides?: Partial<EvmAnchorerParameters['config']>): ReturnType<typeof createEvmAnchorer>;
}

async function setUp(options: { stateFile?: string } = {}): Promise<Setup> {
  const anvil = await startAnvil({ stateFile: options.stateFile });
  cleanups.push(() => anvil.stop());
  const clients = createEvmClients({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, privateKey: memberKey.privateKey });
  const owner = createEvmClients({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, privateKey: ownerKey.privateKey });
  const { contractAddress } = await deployCheckpointAnchor(owner, { members: [memberKey.address] });
  const fixture = await createAnchorFixture();
  cleanups.push(() => fixture.close());
  return {
    anvil,
    clients,
    contractAddress,
    fixture,
    anchorer(overrides = {}) {
      const anchorer = createEvmAnchorer(fixture, {
        config: {
          rpcUrl: anvil.rpcUrl,
          chainId: anvil.chainId,
          contractAddress,
          memberPrivateKey: memberKey.privateKey,
          pollIntervalMs: 20,
          backoffMaxMs: 200,
          rpcTimeoutMs: 2_000,
          ...overrides,
        },
      });
      cleanups.push(() => anchorer.stop());
      return anchorer;
    },
  };
}

/** One step, repeated while the transaction waits to be mined. */
async function stepPastWaiting(service: ReturnType<typeof createEvmAnchorer>) {
  for (;;) {
    const result = await service.step();
    if (result.kind !== 'waiting') return result;
    await new Promise((resolveWait) => setTimeout(resolveWait, 20));
  }
}

function expectEachOnce(counts: Map<number, number>, sizes: number[]): void {
  expect([...counts.entries()].sort(([a], [b]) => a - b)).toEqual(sizes.map((size) => [size, 1]));
}

describe('EVM anchorer against a real Anvil node', () => {
  it('anchors three growing checkpoints in size order and latest reads the last back', async () => {
    const { clients, contractAddress, fixture, anchorer } = await setUp();
    await fixture.addCheckpoints(5, 9, 20);
    const service = anchorer();
    expect(await service.drain()).toEqual({ kind: 'idle' });
    const rows = await service.anchors.anchors();
    expect(rows.map((row) => [row.size, row.state])).toEqual([
      [5, 'final'],
      [9, 'final'],
      [20, 'final'],
    ]);
    for (const row of rows) {
      expect(row.txHash).toMatch(/^0x[0-9a-f]{64}$/);
      expect(row.blockNumber).toBeGreaterThan(0);
      expect(row.rawTransaction).toBeUndefined();
    }
    const latest = await readAnchoredCheckpoint(clients, { contractAddress, originHash: service.scope.originHash });
    expect(latest).toMatchObject({ size: 20, anchored: true, rootHash: bytesToHex(fixture.rootAt(20)) });
    const note = (await fixture.store.latestCheckpoint())?.note ?? '';
    expect(latest.checkpointHashPrefix).toBe(bytesToHex(hashCheckpointBody('intl', note)).slice(0, 50));
    expect(latest.anchoredAtBlock).toBe(rows[2]?.blockNumber);
    expectEachOnce(await countAnchorEvents(clients, contractAddress, service.scope.originHash), [5, 9, 20]);
    // Nothing new: a later pass sends nothing.
    expect(await service.drain()).toEqual({ kind: 'idle' });
    // No log line carries the member key.
    const keyDigits = memberKey.privateKey.slice(2);
    expect(fixture.lines.some((line) => line.includes(keyDigits))).toBe(false);
    expect(fixture.lines.filter((line) => line.includes('checkpoint anchored'))).toHaveLength(3);
  });

  it('records an anchor final only once `confirmations` more blocks are mined', async () => {
    const { anvil, clients, fixture, anchorer } = await setUp();
    await fixture.addCheckpoints(7);
    const service = anchorer({ confirmations: 2 });
    const sent = await service.step();
    expect(sent).toMatchObject({ kind: 'sent', size: 7 });
    expect(await service.drain()).toMatchObject({ kind: 'confirming', size: 7, blocksMissing: 2 });
    expect((await service.anchors.anchorAt(7))?.state).toBe('pending');
    const testClient = createTestClient({ mode: 'anvil', chain: clients.chain, transport: http(anvil.rpcUrl) });
    await testClient.mine({ blocks: 1 });
    expect(await service.drain()).toMatchObject({ kind: 'confirming', size: 7, blocksMissing: 1 });
    expect((await service.anchors.anchorAt(7))?.state).toBe('pending');
    await testClient.mine({ blocks: 1 });
    expect(await service.drain()).toEqual({ kind: 'idle' });
    const row = await service.anchors.anchorAt(7);
    expect(row?.state).toBe('final');
    const head = Number(await clients.publicClient.getBlockNumber({ cacheTime: 0 }));
    expect(head - (row?.blockNumber ?? 0)).toBe(2);
    expect(anvil.running).toBe(true);
  });

  it('after a restart mid-way records the sent transaction, sends a stored one, finds an unrecorded one: none twice, none missing', async () => {
    const { clients, contractAddress, fixture, anchorer } = await setUp();
    await fixture.addCheckpoints(1, 2, 3, 4, 5, 6);
    const first = anchorer();
    expect(await first.step()).toMatchObject({ kind: 'sent', size: 1 });
    expect(await stepPastWaiting(first)).toMatchObject({ kind: 'final', size: 1 });
    const sign = async (size: number) =>
      await signAnchorTransaction(clients, {
        contractAddress,
        originHash: first.scope.originHash,
        size,
        rootHash: bytesToHex(fixture.rootAt(size)),
        checkpointHash: bytesToHex(hashCheckpointBody('intl', noteOf(size))),
      });
    const notes = new Map<number, string>();
    for (const size of [1, 2, 3, 4, 5, 6]) notes.set(size, (await fixture.store.checkpointAt(size))?.note ?? '');
    const noteOf = (size: number) => notes.get(size) ?? '';
    const pendingOf = (signed: Awaited<ReturnType<typeof sign>>, size: number) => ({
      size,
      rootHash: bytesToHex(fixture.rootAt(size)),
      checkpointHash: bytesToHex(hashCheckpointBody('intl', noteOf(size))),
      txHash: signed.txHash,
      nonce: signed.nonce,
      rawTransaction: signed.serializedTransaction,
      nowMs: 0,
    });

    // Crash 1: size 2 was stored as pending and sent, then the process died before recording it.
    const signed2 = await sign(2);
    await first.anchors.insertPending(pendingOf(signed2, 2));
    await clients.walletClient.sendRawTransaction({ serializedTransaction: signed2.serializedTransaction });
    await clients.publicClient.waitForTransactionReceipt({ hash: signed2.txHash });
    const second = anchorer();
    expect(await second.step()).toEqual({
      kind: 'final',
      size: 2,
      txHash: signed2.txHash,
      blockNumber: expect.any(Number),
    });

    // Crash 2: size 3 was stored as pending but never left the process.
    const signed3 = await sign(3);
    await second.anchors.insertPending(pendingOf(signed3, 3));
    const third = anchorer();
    expect(await third.step()).toEqual({ kind: 'resent', size: 3, txHash: signed3.txHash });
    expect(await stepPastWaiting(third)).toMatchObject({ kind: 'final', size: 3, txHash: signed3.txHash });

    // Crash 3: size 4 was sent but its pending row was lost (say, a restored backup): the chain has it.
    const signed4 = await sign(4);
    await clients.walletClient.sendRawTransaction({ serializedTransaction: signed4.serializedTransaction });
    await clients.publicClient.waitForTransactionReceipt({ hash: signed4.txHash });
    const fourth = anchorer();
    expect(await fourth.step()).toEqual({ kind: 'found', size: 4, txHash: signed4.txHash });
    expect(await fourth.drain()).toEqual({ kind: 'idle' });

    expect((await fourth.anchors.anchors()).map((row) => [row.size, row.state, row.txHash])).toEqual([
      [1, 'final', expect.any(String)],
      [2, 'final', signed2.txHash],
      [3, 'final', signed3.txHash],
      [4, 'final', signed4.txHash],
      [5, 'final', expect.any(String)],
      [6, 'final', expect.any(String)],
    ]);
    expectEachOnce(await countAnchorEvents(clients, contractAddress, fourth.scope.originHash), [1, 2, 3, 4, 5, 6]);
  });

  it('sends a size again when its pending transaction lost its nonce to another transaction', async () => {
    const { clients, contractAddress, fixture, anchorer } = await setUp();
    await fixture.addCheckpoints(8);
    const service = anchorer();
    const note = (await fixture.store.latestCheckpoint())?.note ?? '';
    const stale = await signAnchorTransaction(clients, {
      contractAddress,
      originHash: service.scope.originHash,
      size: 8,
      rootHash: bytesToHex(fixture.rootAt(8)),
      checkpointHash: bytesToHex(hashCheckpointBody('intl', note)),
    });
    await service.anchors.insertPending({
      size: 8,
      rootHash: bytesToHex(fixture.rootAt(8)),
      checkpointHash: bytesToHex(hashCheckpointBody('intl', note)),
      txHash: stale.txHash,
      nonce: stale.nonce,
      rawTransaction: stale.serializedTransaction,
      nowMs: 0,
    });
    // The same account spends that nonce on something else before the anchor went out.
    const other = await clients.walletClient.sendTransaction({ to: ownerKey.address, value: 1n, nonce: stale.nonce });
    await clients.publicClient.waitForTransactionReceipt({ hash: other });
    expect(await service.step()).toEqual({ kind: 'dropped', size: 8, txHash: stale.txHash });
    expect(await service.drain()).toEqual({ kind: 'idle' });
    const row = await service.anchors.anchorAt(8);
    expect(row?.state).toBe('final');
    expect(row?.txHash).not.toBe(stale.txHash);
    expectEachOnce(await countAnchorEvents(clients, contractAddress, service.scope.originHash), [8]);
  });

  it('records sizes the chain has passed as superseded and says so, and refuses a chain with another root', async () => {
    const { clients, contractAddress, fixture, anchorer } = await setUp();
    await fixture.addCheckpoints(30, 31, 32);
    const service = anchorer();
    // Another instance anchors size 31 first, with another root.
    const conflicting = await signAnchorTransaction(clients, {
      contractAddress,
      originHash: service.scope.originHash,
      size: 31,
      rootHash: bytesToHex(fixture.rootAt(999)),
      checkpointHash: bytesToHex(fixture.rootAt(999)),
    });
    await clients.walletClient.sendRawTransaction({ serializedTransaction: conflicting.serializedTransaction });
    await clients.publicClient.waitForTransactionReceipt({ hash: conflicting.txHash });
    expect(await service.step()).toEqual({ kind: 'superseded', size: 30 });
    const error = await service.step().then(
      () => undefined,
      (caught: unknown) => caught as AnchorError,
    );
    expect(error?.code).toBe('anchor_chain_conflict');
    expect(error?.details).toMatchObject({ size: 31, chainRootHash: bytesToHex(fixture.rootAt(999)) });
    expect((await service.anchors.anchors()).map((row) => [row.size, row.state])).toEqual([[30, 'superseded']]);
    expect(fixture.lines.some((line) => line.includes('"code":"anchor_superseded"'))).toBe(true);
  });

  it('survives an RPC outage: fails with anchor_rpc_unavailable, backs off, resumes on the same port, each size anchored once', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'fieldproof-anvil-state-'));
    cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
    const { anvil, clients, contractAddress, fixture, anchorer } = await setUp({
      stateFile: join(folder, 'state.json'),
    });
    const service = anchorer();
    const finalCount = async () => (await service.anchors.anchors()).filter((row) => row.state === 'final').length;
    await fixture.addCheckpoints(10, 11, 12);
    service.start();
    await waitUntil(async () => (await finalCount()) === 3);

    await anvil.stop();
    await fixture.addCheckpoints(13, 14, 15);
    await waitUntil(() => service.failuresInRow >= 3);
    expect(service.lastErrorCode).toBe('anchor_rpc_unavailable');
    const failures = fixture.lines.filter((line) => line.includes('"code":"anchor_rpc_unavailable"'));
    expect(failures.length).toBeGreaterThanOrEqual(3);
    const pauses = failures.map((line) => (JSON.parse(line) as { retryInMs: number }).retryInMs);
    expect(pauses.slice(0, 3)).toEqual([40, 80, 160]);
    expect(await finalCount()).toBe(3);

    await anvil.start();
    await waitUntil(async () => (await finalCount()) === 6);
    await service.stop();
    expect(service.failuresInRow).toBe(0);
    expectEachOnce(
      await countAnchorEvents(clients, contractAddress, service.scope.originHash),
      [10, 11, 12, 13, 14, 15],
    );
    const keyDigits = memberKey.privateKey.slice(2);
    expect(fixture.lines.some((line) => line.includes(keyDigits))).toBe(false);
  });
});
