import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  anvilAccounts,
  type CloudConfigInput,
  type CloudServer,
  createEvmClients,
  deployCheckpointAnchor,
  loadLogIdentity,
  startAnvil,
  startCloudServer,
} from '@fieldproof/cloud';
import { type VerifyFrameBundleResult, verifyFrameBundle, type WitnessLogKey } from '@fieldproof/ledger';
import { type FrameProofBundle, generateKeyPair, type TrustFile, toBase64 } from '@fieldproof/protocol';
import pino, { type Logger } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestEdge, type EdgeChain, newEdgeChain, type TestEdge } from '../../_test/edge-batches.ts';
import { type TestCloudStore, type TestStoreKind, testCloudStore } from '../../_test/test-store.ts';
import { getJson, waitFor } from '../../_test/wait-for.ts';
import { startWitness, type Witness } from './start-witness.ts';

const root = mkdtempSync(join(tmpdir(), 'fieldproof-cosigner-'));
const running: { stop(): Promise<void> }[] = [];

afterAll(async () => {
  for (const server of running.reverse()) await server.stop();
  for (const testStore of testStores.values()) await testStore.cleanUp();
  rmSync(root, { recursive: true, force: true });
});

// One store per cloud data folder (FIELDPROOF_TEST_STORE), dropped at the end.
const testStores = new Map<string, TestCloudStore>();
async function testStoreConfig(dataDir: string, kind?: TestStoreKind) {
  let testStore = testStores.get(dataDir);
  if (!testStore) {
    testStore = await testCloudStore(kind);
    testStores.set(dataDir, testStore);
  }
  return testStore.config;
}

const members = ['bank', 'core-enterprise', 'logistics', 'regulator'] as const;

interface LogLine {
  level: number;
  msg: string;
  code?: string;
  witness?: string;
}

/** A logger that keeps its lines, so a test can see the codes the cosigner logged. */
function capturedLogger(): { log: Logger; lines: () => LogLine[]; text: () => string } {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  return { log, lines: () => lines.map((line) => JSON.parse(line) as LogLine), text: () => lines.join('') };
}

function logKeyOf(cloudDir: string): WitnessLogKey {
  const identity = loadLogIdentity({ dataDir: cloudDir, logKeyAlg: 'ed25519' });
  return {
    origin: identity.origin,
    keyName: identity.keyName,
    alg: identity.keyPair.alg,
    publicKey: identity.keyPair.publicKey,
  };
}

async function witnessAt(name: string, logKey: WitnessLogKey, dataDir: string, port = 0): Promise<Witness> {
  const witness = await startWitness({
    name,
    dataDir,
    logKey,
    host: '127.0.0.1',
    port,
    log: pino({ level: 'silent' }),
  });
  running.push(witness);
  return witness;
}

async function stopOne(server: { stop(): Promise<void> }): Promise<void> {
  running.splice(running.indexOf(server), 1);
  await server.stop();
}

async function startCloud(config: CloudConfigInput, log: Logger): Promise<CloudServer> {
  // Checkpoints and cosigning passes only when a test asks, so each test knows every size.
  const cloud = await startCloudServer(
    {
      ...(await testStoreConfig(config.dataDir)),
      http: { port: 0 },
      checkpointIntervalMs: 3_600_000,
      witnessBackoffMaxMs: 10,
      ...config,
    },
    { log },
  );
  running.push(cloud);
  return cloud;
}

function witnessConfig(witness: Witness) {
  return {
    name: witness.key.keyName,
    url: witness.url,
    alg: 'ed25519' as const,
    publicKey: toBase64(witness.key.publicKey),
  };
}

interface Status {
  logSize: number;
  checkpointSize: number;
  finalCheckpointSize: number;
}

/** Append a batch, sign a checkpoint and run one cosigning pass (after any backoff has passed). */
async function grow(cloud: CloudServer, edge: TestEdge, chain: EdgeChain, tag: number): Promise<Status> {
  await edge.appendBatch(cloud.url, chain, tag);
  expect(await cloud.checkpointNow()).toBeGreaterThan(0);
  await new Promise((resolve) => setTimeout(resolve, 20));
  await cloud.cosigner?.cosignNow();
  return getJson<Status>(`${cloud.url}/v1/status`, cloud.adminToken);
}

async function newestBundle(cloud: CloudServer, edge: TestEdge): Promise<FrameProofBundle> {
  const frames = await getJson<{ items: { id: string }[] }>(
    `${cloud.url}/v1/frames?deviceId=${edge.edgeId}-device&limit=1`,
    cloud.adminToken,
  );
  return getJson<FrameProofBundle>(`${cloud.url}/v1/frames/${frames.items[0]?.id}/proof`, cloud.adminToken);
}

function failedSteps(result: VerifyFrameBundleResult) {
  return result.steps.filter((step) => !step.ok && step.code !== 'not_run').map((step) => [step.step, step.code]);
}

describe('the cloud sends checkpoints to real witnesses (c2sp.org/tlog-witness)', () => {
  it('makes a checkpoint final with 3 of 4 cosignatures, keeps the log moving while witnesses are down, and catches up', async () => {
    const cloudDir = join(root, 'quorum-cloud');
    const logKey = logKeyOf(cloudDir);
    const witnesses = await Promise.all(members.map((name) => witnessAt(name, logKey, join(root, 'quorum', name))));
    const captured = capturedLogger();
    const cloud = await startCloud({ dataDir: cloudDir, witnesses: witnesses.map(witnessConfig) }, captured.log);
    expect(cloud.context.config.witnessThreshold).toBe(3);
    const edge = createTestEdge('edge-quorum');
    await edge.register(cloud.url, cloud.adminToken);
    const chain = newEdgeChain();
    const trust = await getJson<TrustFile>(`${cloud.url}/v1/trust`);
    expect(Object.keys(trust.witnesses ?? {})).toEqual([...members]);
    expect(trust.witnessThreshold).toBe(3);

    // The regulator's witness is down: 3 of 4 still make the checkpoint final.
    const regulator = witnesses[3] as Witness;
    await stopOne(regulator);
    const first = await grow(cloud, edge, chain, 1);
    expect(first).toMatchObject({ logSize: 1, checkpointSize: 1, finalCheckpointSize: 1 });
    const firstBundle = await newestBundle(cloud, edge);
    expect(firstBundle.checkpoint.match(/^— /gm)).toHaveLength(1 + 3);
    expect(verifyFrameBundle(firstBundle, trust).ok).toBe(true);
    const unreachable = captured.lines().filter((line) => line.code === 'witness_unreachable');
    expect(unreachable.map((line) => line.witness)).toContain('regulator');

    // The logistics witness goes down too: the log still grows, but 2 of 4 is not final.
    const logistics = witnesses[2] as Witness;
    const logisticsPort = Number(new URL(logistics.url).port);
    await stopOne(logistics);
    const second = await grow(cloud, edge, chain, 2);
    expect(second).toMatchObject({ logSize: 2, checkpointSize: 2, finalCheckpointSize: 1 });
    const pending = await newestBundle(cloud, edge);
    expect(pending.log.treeSize).toBe(2);
    expect(failedSteps(verifyFrameBundle(pending, trust))).toEqual([
      ['checkpoint_cosignatures', 'checkpoint_not_final'],
    ]);
    // The older frame's bundle still names the final checkpoint of size 1.
    const older = await getJson<FrameProofBundle>(
      `${cloud.url}/v1/frames/${firstBundle.frameId}/proof`,
      cloud.adminToken,
    );
    expect(older.log.treeSize).toBe(1);
    expect(verifyFrameBundle(older, trust).ok).toBe(true);

    // Logistics comes back on its port: the next retry makes size 2 final, with a consistency proof from 1.
    await witnessAt('logistics', logKey, join(root, 'quorum', 'logistics'), logisticsPort);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await cloud.cosigner?.cosignNow();
    const caughtUp = await getJson<Status>(`${cloud.url}/v1/status`, cloud.adminToken);
    expect(caughtUp.finalCheckpointSize).toBe(2);
    const finalBundle = await newestBundle(cloud, edge);
    expect(verifyFrameBundle(finalBundle, trust).ok).toBe(true);
    const cosigned = await (await fetch(`${cloud.url}/v1/log/checkpoint?cosigned=1`)).text();
    expect(cosigned.match(/^— /gm)).toHaveLength(1 + 3);

    // Failures were logged with codes, and no line carries a witness's or the log's private key.
    const privateKeys = [
      ...members.map(
        (name) =>
          (
            JSON.parse(readFileSync(join(root, 'quorum', name, 'keys', 'witness-key.json'), 'utf8')) as {
              privateKey: string;
            }
          ).privateKey,
      ),
      (JSON.parse(readFileSync(join(cloudDir, 'keys', 'log-key.json'), 'utf8')) as { privateKey: string }).privateKey,
    ];
    for (const key of privateKeys) expect(captured.text()).not.toContain(key);
    for (const line of captured.lines().filter((entry) => entry.level >= 40)) expect(line.code).toBeTruthy();
  });

  it('retries once from the size a witness answers in a 409, with the consistency proof from it', async () => {
    const cloudDir = join(root, 'conflict-cloud');
    const logKey = logKeyOf(cloudDir);
    const bank = await witnessAt('bank', logKey, join(root, 'conflict', 'bank'));
    const captured = capturedLogger();
    const cloud = await startCloud({ dataDir: cloudDir, witnesses: [witnessConfig(bank)] }, captured.log);
    expect(cloud.context.config.witnessThreshold).toBe(1);
    const edge = createTestEdge('edge-conflict');
    await edge.register(cloud.url, cloud.adminToken);
    const chain = newEdgeChain();
    expect((await grow(cloud, edge, chain, 1)).finalCheckpointSize).toBe(1);
    await grow(cloud, edge, chain, 2);
    expect(await cloud.context.cosignatures.witnessSize('bank')).toBe(2);
    // The cloud forgets what the witness cosigned (a lost answer, a restored backup): it sends old 0.
    await cloud.context.cosignatures.setWitnessSize('bank', 0);
    const third = await grow(cloud, edge, chain, 3);
    expect(third.finalCheckpointSize).toBe(3);
    expect(bank.state()?.size).toBe(3);
    expect(await cloud.context.cosignatures.witnessSize('bank')).toBe(3);
    expect(captured.lines().filter((line) => line.msg.includes('retrying from it'))).toHaveLength(1);
    expect(captured.lines().filter((line) => line.level >= 40)).toEqual([]);
  });

  it('does not store an answer that is not the configured witness key’s cosignature', async () => {
    const cloudDir = join(root, 'forged-cloud');
    const logKey = logKeyOf(cloudDir);
    const bank = await witnessAt('bank', logKey, join(root, 'forged', 'bank'));
    const regulator = await witnessAt('regulator', logKey, join(root, 'forged', 'regulator'));
    const captured = capturedLogger();
    // The configuration trusts another key for the regulator than the one its witness signs with.
    const imposter = { ...witnessConfig(regulator), publicKey: toBase64(generateKeyPair('ed25519').publicKey) };
    const cloud = await startCloud(
      { dataDir: cloudDir, witnesses: [witnessConfig(bank), imposter], witnessThreshold: 2 },
      captured.log,
    );
    const edge = createTestEdge('edge-forged');
    await edge.register(cloud.url, cloud.adminToken);
    const status = await grow(cloud, edge, newEdgeChain(), 1);
    expect(status).toMatchObject({ checkpointSize: 1, finalCheckpointSize: 0 });
    expect(await cloud.context.cosignatures.hasCosignature(1, 'bank')).toBe(true);
    expect(await cloud.context.cosignatures.hasCosignature(1, 'regulator')).toBe(false);
    const invalid = captured.lines().filter((line) => line.code === 'cosignature_invalid');
    expect(invalid.length).toBeGreaterThan(0);
    expect(new Set(invalid.map((line) => line.witness))).toEqual(new Set(['regulator']));
    const trust = await getJson<TrustFile>(`${cloud.url}/v1/trust`);
    expect(failedSteps(verifyFrameBundle(await newestBundle(cloud, edge), trust))).toEqual([
      ['checkpoint_cosignatures', 'checkpoint_not_final'],
    ]);
  });

  it('anchors only final checkpoints on a real Anvil node, and the bundle names the anchor', async () => {
    const [ownerKey, memberKey] = anvilAccounts;
    const anvil = await startAnvil();
    running.push(anvil);
    const owner = createEvmClients({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, privateKey: ownerKey.privateKey });
    const { contractAddress } = await deployCheckpointAnchor(owner, { members: [memberKey.address] });
    const cloudDir = join(root, 'anchor-cloud');
    const logKey = logKeyOf(cloudDir);
    const witnesses = await Promise.all(members.map((name) => witnessAt(name, logKey, join(root, 'anchor', name))));
    const logistics = witnesses[2] as Witness;
    const logisticsPort = Number(new URL(logistics.url).port);
    await stopOne(witnesses[3] as Witness);
    await stopOne(logistics);
    const captured = capturedLogger();
    const cloud = await startCloud(
      {
        dataDir: cloudDir,
        witnesses: witnesses.map(witnessConfig),
        chain: {
          rpcUrl: anvil.rpcUrl,
          chainId: anvil.chainId,
          contractAddress,
          memberPrivateKey: memberKey.privateKey,
          pollIntervalMs: 20,
          backoffMaxMs: 200,
        },
      },
      captured.log,
    );
    const anchors = cloud.anchorer?.anchors;
    if (!anchors) throw new Error('the cloud has no anchorer');
    const edge = createTestEdge('edge-anchor');
    await edge.register(cloud.url, cloud.adminToken);
    const chain = newEdgeChain();
    const trust = await getJson<TrustFile>(`${cloud.url}/v1/trust`);

    // 2 of 4 cosigned size 1: it is not final, so it is not anchored and its bundle names no anchor.
    expect(await grow(cloud, edge, chain, 1)).toMatchObject({ checkpointSize: 1, finalCheckpointSize: 0 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await anchors.anchors()).toEqual([]);
    expect((await newestBundle(cloud, edge)).anchor).toBeUndefined();

    // With logistics back, size 2 is final and gets anchored; size 1 is passed over for good.
    await witnessAt('logistics', logKey, join(root, 'anchor', 'logistics'), logisticsPort);
    expect(await grow(cloud, edge, chain, 2)).toMatchObject({ checkpointSize: 2, finalCheckpointSize: 2 });
    await waitFor('the anchor of size 2', async () =>
      (await anchors.anchorAt(2))?.state === 'final' ? true : undefined,
    );
    expect((await anchors.anchors()).filter((row) => row.state !== 'superseded').map((row) => row.size)).toEqual([2]);
    const bundle = await newestBundle(cloud, edge);
    const row = await anchors.anchorAt(2);
    expect(bundle.anchor).toEqual({
      chainId: anvil.chainId,
      contract: cloud.anchorer?.scope.contractAddress,
      txHash: row?.txHash,
      blockNumber: row?.blockNumber,
      size: 2,
    });
    const result = verifyFrameBundle(bundle, trust);
    expect(result.ok).toBe(true);
    expect(result.steps.find((step) => step.step === 'anchor')?.message).toMatch(/--rpc/);
    // A bundle whose anchor names another size fails at the anchor step.
    expect(failedSteps(verifyFrameBundle({ ...bundle, anchor: { ...bundle.anchor, size: 1 } }, trust))).toEqual([
      ['anchor', 'anchor_size_mismatch'],
    ]);
  });

  it('refuses a configuration with k above n or two witnesses under one key, naming the key', async () => {
    const key = toBase64(generateKeyPair('ed25519').publicKey);
    const witness = { name: 'bank', url: 'http://127.0.0.1:1', publicKey: key };
    await expect(
      startCloudServer({ dataDir: join(root, 'bad-k'), witnesses: [witness], witnessThreshold: 2 }),
    ).rejects.toThrow(/witnessThreshold/);
    await expect(
      startCloudServer({ dataDir: join(root, 'bad-keys'), witnesses: [witness, { ...witness, name: 'regulator' }] }),
    ).rejects.toThrow(/witnesses/);
  });
});
