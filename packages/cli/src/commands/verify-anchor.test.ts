import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AnvilNode,
  anvilAccounts,
  type CloudServer,
  createEvmClients,
  deployCheckpointAnchor,
  type EvmAnchorer,
  findFreePort,
  startAnvil,
  startCloudServer,
} from '@fieldproof/cloud';
import {
  formatCheckpoint,
  hashLeaf,
  inclusionProofFromLeaves,
  merkleRoot,
  openCheckpoint,
  signNote,
} from '@fieldproof/ledger';
import {
  canonicalBytes,
  type Decision,
  type DecisionProofBundle,
  type FrameProofBundle,
  fromBase64,
  suiteHash,
  type TrustFile,
  toBase64,
  utf8,
} from '@fieldproof/protocol';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEdge, type EdgeChain, newEdgeChain, type TestEdge } from '../../_test/edge-batches.ts';
import { getJson, waitFor } from '../../_test/wait-for.ts';
import { runAudit } from './audit.ts';
import { runVerify } from './verify.ts';

const root = mkdtempSync(join(tmpdir(), 'fieldproof-verify-anchor-'));
const cloudDir = join(root, 'cloud');
const trustPath = join(root, 'trust.json');
const running: { stop(): Promise<void> }[] = [];
let anvil: AnvilNode;
let cloud: CloudServer;
let anchors: EvmAnchorer['anchors'];
let trust: TrustFile;
let frameBundle: FrameProofBundle;
let decisionBundle: DecisionProofBundle;
let firstAnchorTx: string;

const decision: Decision = {
  decisionId: 'approval-anchor-1',
  type: 'loan.approved',
  organisationId: 'bank',
  actorId: 'officer-7',
  decidedAtMs: 1_750_000_000_000,
  subjectId: 'loan-42',
  inputs: [],
  details: { amountMinor: '1250000', currency: 'CNY' },
};

async function anchoredSize(size: number): Promise<void> {
  await waitFor(`the anchor of size ${size}`, async () =>
    (await anchors.anchorAt(size))?.state === 'final' ? true : undefined,
  );
}

async function grow(edge: TestEdge, chain: EdgeChain, tag: number): Promise<number> {
  await edge.appendBatch(cloud.url, chain, tag);
  const size = await cloud.checkpointNow();
  if (size === undefined) throw new Error('no checkpoint was signed');
  return size;
}

beforeAll(async () => {
  const [ownerKey, memberKey] = anvilAccounts;
  anvil = await startAnvil();
  running.push(anvil);
  const owner = createEvmClients({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, privateKey: ownerKey.privateKey });
  const { contractAddress } = await deployCheckpointAnchor(owner, { members: [memberKey.address] });
  // No witnesses: every checkpoint is final, and the trust file sets no witness policy.
  cloud = await startCloudServer(
    {
      dataDir: cloudDir,
      http: { port: 0 },
      checkpointIntervalMs: 3_600_000,
      chain: {
        rpcUrl: anvil.rpcUrl,
        chainId: anvil.chainId,
        contractAddress,
        memberPrivateKey: memberKey.privateKey,
        pollIntervalMs: 20,
        backoffMaxMs: 200,
      },
    },
    { log: pino({ level: 'silent' }) },
  );
  running.push(cloud);
  if (!cloud.anchorer) throw new Error('the cloud has no anchorer');
  anchors = cloud.anchorer.anchors;
  const edge = createTestEdge('edge-verify-anchor');
  await edge.register(cloud.url, cloud.adminToken);
  const chain = newEdgeChain();

  // Size 1 (a batch), then size 3 (a decision and a batch), each anchored in its own transaction.
  expect(await grow(edge, chain, 1)).toBe(1);
  await anchoredSize(1);
  firstAnchorTx = (await anchors.anchorAt(1))?.txHash ?? '';
  await cloud.decisionLog.append(decision);
  expect(await grow(edge, chain, 2)).toBe(3);
  await anchoredSize(3);

  trust = await getJson<TrustFile>(`${cloud.url}/v1/trust`);
  writeFileSync(trustPath, JSON.stringify(trust));
  const frames = await getJson<{ items: { id: string }[] }>(
    `${cloud.url}/v1/frames?deviceId=${edge.edgeId}-device&limit=1`,
    cloud.adminToken,
  );
  frameBundle = await getJson<FrameProofBundle>(
    `${cloud.url}/v1/frames/${frames.items[0]?.id}/proof`,
    cloud.adminToken,
  );
  decisionBundle = await cloud.decisionLog.bundle(decision.decisionId);
});

afterAll(async () => {
  for (const server of running.reverse()) await server.stop();
  rmSync(root, { recursive: true, force: true });
});

let bundleCount = 0;

/** Run `fieldproof verify` on a bundle; returns the exit code, the lines, and the anchor_on_chain line. */
async function verifyBundle(
  bundle: unknown,
  rpcUrl: string | undefined,
): Promise<{ code: number; lines: string[]; onChain: string | undefined }> {
  const path = join(root, `bundle-${bundleCount++}.json`);
  writeFileSync(path, JSON.stringify(bundle));
  const lines: string[] = [];
  const code = await runVerify(path, trustPath, (line) => lines.push(line), rpcUrl === undefined ? {} : { rpcUrl });
  return { code, lines, onChain: lines.find((line) => line.includes('anchor_on_chain')) };
}

describe('fieldproof verify --rpc reads the anchor from a real Anvil chain', () => {
  it('passes for a frame bundle and a decision bundle, and says when the chain was not read', async () => {
    expect(frameBundle.anchor).toMatchObject({ chainId: anvil.chainId, size: 3 });
    expect(decisionBundle.type).toBe('decision');
    expect(decisionBundle.anchor).toMatchObject({ chainId: anvil.chainId, size: 3 });

    const frame = await verifyBundle(frameBundle, anvil.rpcUrl);
    expect(frame.code, frame.lines.join('\n')).toBe(0);
    expect(frame.onChain).toMatch(/^ok {3}anchor_on_chain .*holds the checkpoint's root and hash at size 3/);
    expect(frame.lines.at(-1)).toBe('verified: every step passed');

    const decided = await verifyBundle(decisionBundle, anvil.rpcUrl);
    expect(decided.code, decided.lines.join('\n')).toBe(0);
    expect(decided.lines.some((line) => line.includes('decision_in_log'))).toBe(true);
    expect(decided.onChain).toMatch(/^ok /);

    const offline = await verifyBundle(frameBundle, undefined);
    expect(offline.code).toBe(0);
    expect(offline.onChain).toBeUndefined();
    expect(offline.lines).toContain('the chain was not read: pass --rpc <URL> to check the anchor on chain');
  });

  it('reports the anchor lag on /metrics: none once size 3 is anchored', async () => {
    const metrics = await (await fetch(`${cloud.url}/metrics`)).text();
    const lag = /^fieldproof_anchor_lag_leaves (\d+)$/m.exec(metrics);
    expect(lag, metrics).not.toBeNull();
    // The log is 3 leaves and size 3 is final on chain: nothing trails.
    expect(Number(lag?.[1])).toBe(0);
  });

  it('fails anchor_on_chain with anchor_tx_mismatch for a bundle that names another transaction', async () => {
    // The transaction that anchored size 1: real, mined, but in another block and for another size.
    const otherTx = await verifyBundle(
      { ...frameBundle, anchor: { ...frameBundle.anchor, txHash: firstAnchorTx } },
      anvil.rpcUrl,
    );
    expect(otherTx.code).toBe(1);
    expect(otherTx.onChain).toMatch(/^FAIL anchor_on_chain +anchor_tx_mismatch: /);
    expect(otherTx.lines.at(-1)).toBe('NOT verified: failed at step anchor_on_chain');

    const unknownTx = `0x${'ab'.repeat(32)}`;
    const missing = await verifyBundle(
      { ...decisionBundle, anchor: { ...decisionBundle.anchor, txHash: unknownTx } },
      anvil.rpcUrl,
    );
    expect(missing.onChain).toMatch(/anchor_tx_mismatch: chain \d+ has no mined transaction/);
  });

  it('fails anchor_on_chain with anchor_root_mismatch when the checkpoint was swapped for another signed one', async () => {
    // The log key signs a second tree of the same size holding the same batch at the same leaf:
    // a split view. Offline every step passes (no witness policy); the chain holds the real root.
    const { suite } = frameBundle;
    const entryLeaf = hashLeaf(suite, canonicalBytes({ kind: 'batch', batch: frameBundle.batch.header }));
    const forgedLeaves = [suiteHash(suite, utf8('forged 0')), suiteHash(suite, utf8('forged 1')), entryLeaf];
    expect(frameBundle.log).toMatchObject({ leafIndex: 2, treeSize: 3 });
    const forgedRoot = merkleRoot(suite, forgedLeaves);
    const forgedNote = signNote(
      formatCheckpoint({ origin: frameBundle.log.origin, size: 3, rootHash: forgedRoot, suite }),
      { keyName: cloud.context.logKeyName, signer: cloud.context.logSigner },
    );
    const swapped = {
      ...frameBundle,
      checkpoint: forgedNote,
      log: { ...frameBundle.log, inclusionProof: inclusionProofFromLeaves(suite, forgedLeaves, 2).map(toBase64) },
    };
    const offline = await verifyBundle(swapped, undefined);
    expect(offline.code, offline.lines.join('\n')).toBe(0);
    const onChain = await verifyBundle(swapped, anvil.rpcUrl);
    expect(onChain.code).toBe(1);
    expect(onChain.onChain).toMatch(/^FAIL anchor_on_chain +anchor_root_mismatch: the contract holds root 0x/);
    const logKey = trust.logs[frameBundle.log.origin];
    const publicKey = fromBase64(logKey?.publicKey ?? '') as Uint8Array;
    expect(openCheckpoint(forgedNote, { keyName: logKey?.keyName ?? '', alg: 'ed25519', publicKey }).size).toBe(3);
  });

  it('fails with anchor_rpc_unavailable, anchor_chain_mismatch and anchor_missing, and does not read the chain after an offline failure', async () => {
    const closed = await verifyBundle(frameBundle, `http://127.0.0.1:${await findFreePort()}`);
    expect(closed.code).toBe(1);
    expect(closed.onChain).toMatch(/^FAIL anchor_on_chain +anchor_rpc_unavailable: /);

    const otherChain = await verifyBundle(
      { ...frameBundle, anchor: { ...frameBundle.anchor, chainId: 1 } },
      anvil.rpcUrl,
    );
    expect(otherChain.onChain).toMatch(new RegExp(`anchor_chain_mismatch: the node serves chain ${anvil.chainId}`));

    const { anchor: _anchor, ...unanchored } = frameBundle;
    const missing = await verifyBundle(unanchored, anvil.rpcUrl);
    expect(missing.code).toBe(1);
    expect(missing.onChain).toMatch(/^FAIL anchor_on_chain +anchor_missing: /);

    const tampered = await verifyBundle({ ...decisionBundle, leafHash: '00'.repeat(32) }, anvil.rpcUrl);
    expect(tampered.code).toBe(1);
    expect(tampered.onChain).toMatch(/not_run/);
    expect(tampered.lines.at(-1)).toBe('NOT verified: failed at step decision_leaf');
  });
});

describe('fieldproof audit compares every anchor with the rebuilt tree and, with --rpc, with the chain', () => {
  let dbPath: string;
  const keyPath = join(cloudDir, 'keys', 'log-key.json');

  async function audit(db: string, rpcUrl: string | undefined): Promise<{ code: number; lines: string[] }> {
    const lines: string[] = [];
    const args = ['--db', db, '--log-key', keyPath, '--progress', 'never'];
    if (rpcUrl !== undefined) args.push('--rpc', rpcUrl);
    const code = await runAudit(args, (line) => lines.push(line));
    return { code, lines };
  }

  /** A writable copy of the stopped cloud's database. */
  function copyOfDb(name: string): { path: string; db: Database.Database } {
    const path = join(root, `${name}.db`);
    copyFileSync(dbPath, path);
    if (existsSync(`${dbPath}-wal`)) copyFileSync(`${dbPath}-wal`, `${path}-wal`);
    return { path, db: new Database(path) };
  }

  beforeAll(async () => {
    // Audit a stopped cloud: nothing is appended or anchored while the audit reads.
    running.splice(running.indexOf(cloud), 1);
    await cloud.stop();
    dbPath = join(cloudDir, 'cloud.db');
  });

  it('is clean against the chain', async () => {
    const offline = await audit(dbPath, undefined);
    expect(offline.code, offline.lines.join('\n')).toBe(0);
    expect(offline.lines.at(-2)).toMatch(/and 2 anchors of .* \(the chain was not read: pass --rpc/);
    const clean = await audit(dbPath, anvil.rpcUrl);
    expect(clean.code, clean.lines.join('\n')).toBe(0);
    expect(clean.lines.at(-2)).toMatch(/and 2 anchors of .*, 2 anchors read back from the chain$/);
    expect(clean.lines.at(-1)).toMatch(/^clean: /);
  });

  it('reports anchor_mismatch for the size whose anchored root was edited', async () => {
    const copy = copyOfDb('edited-anchor');
    copy.db.prepare('UPDATE anchor SET root_hash = ? WHERE size = 1').run(`0x${'11'.repeat(32)}`);
    copy.db.close();
    const result = await audit(copy.path, anvil.rpcUrl);
    expect(result.code).toBe(1);
    const found = result.lines.filter((line) => line.startsWith('FOUND'));
    // Once against the rebuilt tree, once against the chain's record of the same size.
    expect(found).toHaveLength(2);
    for (const line of found) expect(line).toMatch(/^FOUND anchor_mismatch .* anchor 1: the anchor of size 1 /);
    expect(result.lines.at(-1)).toBe('NOT clean: 2 finding(s): anchor_mismatch 2');
  });

  it('reports anchor_missing_on_chain for an anchor the contract does not hold', async () => {
    const [ownerKey] = anvilAccounts;
    const owner = createEvmClients({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, privateKey: ownerKey.privateKey });
    const { contractAddress: emptyContract } = await deployCheckpointAnchor(owner, { members: [ownerKey.address] });
    const copy = copyOfDb('moved-anchor');
    copy.db.prepare('UPDATE anchor SET contract = ? WHERE size = 3').run(emptyContract.toLowerCase());
    copy.db.close();
    const offline = await audit(copy.path, undefined);
    expect(offline.code).toBe(0);
    const result = await audit(copy.path, anvil.rpcUrl);
    expect(result.code).toBe(1);
    expect(result.lines.filter((line) => line.startsWith('FOUND'))).toEqual([
      expect.stringMatching(/^FOUND anchor_missing_on_chain .* anchor 3: .*holds no checkpoint of this log at size 3$/),
    ]);
  });

  it('exits 2 when the chain at --rpc cannot be read', async () => {
    const result = await audit(dbPath, `http://127.0.0.1:${await findFreePort()}`);
    expect(result.code).toBe(2);
    expect(result.lines.at(-1)).toMatch(/^cannot read the chain at --rpc \(anchor_rpc_unavailable\)/);
  });
});
