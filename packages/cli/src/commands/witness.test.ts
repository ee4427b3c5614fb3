import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CloudServer, startCloudServer } from '@fieldproof/cloud';
import {
  collectCosignatures,
  formatAddCheckpointRequest,
  openCheckpoint,
  parseNote,
  verifyCosignature,
  type WitnessLogKey,
} from '@fieldproof/ledger';
import { fromBase64, type TrustFile } from '@fieldproof/protocol';
import pino, { type Logger } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestEdge, type EdgeChain, newEdgeChain } from '../../_test/edge-batches.ts';
import { type TestCloudStore, type TestStoreKind, testCloudStore } from '../../_test/test-store.ts';
import { getJson } from '../../_test/wait-for.ts';
import type { AlertRow, EvidenceRow } from '../witness/witness-store.ts';
import { startWitness, type Witness } from './witness.ts';

const root = mkdtempSync(join(tmpdir(), 'fieldproof-witness-'));
const running: { stop(): Promise<void> }[] = [];

afterAll(async () => {
  for (const server of running.reverse()) await server.stop();
  for (const testStore of testStores.values()) await testStore.cleanUp();
  rmSync(root, { recursive: true, force: true });
});

/** A logger that keeps its lines, so a test can see what was logged at error level. */
function capturedLogger(): { log: Logger; errors: () => { msg: string; code?: string }[] } {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  return {
    log,
    errors: () =>
      lines
        .map((line) => JSON.parse(line) as { level: number; msg: string; code?: string })
        .filter((line) => line.level >= 50),
  };
}

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

async function startCloud(dataDir: string, kind?: TestStoreKind): Promise<CloudServer> {
  // Checkpoints only when a test asks, so each test knows every size the log signed.
  const cloud = await startCloudServer({
    ...(await testStoreConfig(dataDir, kind)),
    dataDir,
    http: { port: 0 },
    checkpointIntervalMs: 3_600_000,
  });
  running.push(cloud);
  return cloud;
}

async function stopCloud(cloud: CloudServer): Promise<void> {
  running.splice(running.indexOf(cloud), 1);
  await cloud.stop();
}

async function logKeyOf(cloud: CloudServer): Promise<WitnessLogKey> {
  const trust = await getJson<TrustFile>(`${cloud.url}/v1/trust`);
  const entry = trust.logs[cloud.origin];
  if (!entry) throw new Error('the trust file has no entry for the log');
  return {
    origin: cloud.origin,
    keyName: entry.keyName,
    alg: entry.alg,
    publicKey: fromBase64(entry.publicKey) as Uint8Array,
  };
}

async function witnessFor(
  name: string,
  logKey: WitnessLogKey,
  logUrl: string | undefined,
  log: Logger = pino({ level: 'silent' }),
  dataDir = join(root, name),
): Promise<Witness> {
  const witness = await startWitness({
    name,
    dataDir,
    logKey,
    host: '127.0.0.1',
    port: 0,
    log,
    ...(logUrl ? { logUrl } : {}),
  });
  running.push(witness);
  return witness;
}

async function checkpointText(cloud: CloudServer): Promise<string> {
  const response = await fetch(`${cloud.url}/v1/log/checkpoint`);
  expect(response.status).toBe(200);
  return response.text();
}

async function consistency(cloud: CloudServer, from: number, to: number): Promise<Uint8Array[]> {
  const answer = await getJson<{ proof: string[] }>(`${cloud.url}/v1/log/consistency?from=${from}&to=${to}`);
  return answer.proof.map((hash) => fromBase64(hash) as Uint8Array);
}

async function addCheckpoint(
  witness: Witness,
  request: { oldSize: number; consistencyProof: Uint8Array[]; checkpointNote: string },
): Promise<{ status: number; code: string | null; contentType: string | null; text: string }> {
  const response = await fetch(`${witness.url}/add-checkpoint`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: formatAddCheckpointRequest(request),
  });
  return {
    status: response.status,
    code: response.headers.get('fieldproof-witness-code'),
    contentType: response.headers.get('content-type'),
    text: await response.text(),
  };
}

async function appendAndCheckpoint(
  cloud: CloudServer,
  edge: ReturnType<typeof createTestEdge>,
  chain: EdgeChain,
  tag: number,
) {
  await edge.appendBatch(cloud.url, chain, tag);
  expect(await cloud.checkpointNow()).toBeGreaterThan(0);
}

describe('consortium witnesses against a real cloud log', () => {
  it('follow a growing log and cosign each checkpoint; 3 of 4 cosignatures make it final, 2 do not', async () => {
    const cloud = await startCloud(join(root, 'growing-cloud'));
    const edge = createTestEdge('edge-growing');
    await edge.register(cloud.url, cloud.adminToken);
    const chain = newEdgeChain();
    const logKey = await logKeyOf(cloud);
    const members = ['bank', 'core-enterprise', 'logistics', 'regulator'];
    const witnesses = await Promise.all(
      members.map((member) => witnessFor(`witness.${member}.example/w1`, logKey, cloud.url)),
    );
    for (const round of [1, 2, 3]) {
      await appendAndCheckpoint(cloud, edge, chain, round);
      const note = await checkpointText(cloud);
      const body = parseNote(note).body;
      for (const witness of witnesses) {
        const result = await witness.fetchOnce();
        if (result.ok !== true) throw new Error(`round ${round}: ${JSON.stringify(result)}`);
        expect(result.newState.size).toBe(round);
        expect(verifyCosignature({ checkpointBody: body, signature: result.cosignature, key: witness.key }).ok).toBe(
          true,
        );
      }
      // Nothing new: the witness does not cosign again.
      expect(await witnesses[0]?.fetchOnce()).toEqual({ ok: 'unchanged', size: round });
    }
    // Each witness publishes what it cosigned; a checkpoint is final with k = 3 of n = 4.
    const cosignedNotes = await Promise.all(
      witnesses.map(async (witness) => (await fetch(`${witness.url}/checkpoint`)).text()),
    );
    const lines = cosignedNotes.map((note) => {
      const signatures = note.trimEnd().split('\n');
      return signatures[signatures.length - 1] as string;
    });
    const policy = { logKey, witnesses: witnesses.map((witness) => witness.key), threshold: 3 };
    const note = await checkpointText(cloud);
    expect(collectCosignatures({ ...policy, checkpointNote: note, cosignatures: lines.slice(0, 3) }).final).toBe(true);
    expect(collectCosignatures({ ...policy, checkpointNote: note, cosignatures: lines.slice(1) }).final).toBe(true);
    const two = collectCosignatures({ ...policy, checkpointNote: note, cosignatures: lines.slice(0, 2) });
    expect(two.final).toBe(false);
    expect(two.cosigned.length).toBe(2);

    // The same log pushes to a fifth witness over HTTP (c2sp.org/tlog-witness add-checkpoint).
    const pushed = await witnessFor('witness.pushed.example/w1', logKey, undefined);
    const stale = await addCheckpoint(pushed, {
      oldSize: 2,
      consistencyProof: await consistency(cloud, 2, 3),
      checkpointNote: note,
    });
    expect(stale).toMatchObject({
      status: 409,
      code: 'witness_conflict',
      contentType: 'text/x.tlog.size',
      text: '0\n',
    });
    const first = await addCheckpoint(pushed, { oldSize: 0, consistencyProof: [], checkpointNote: note });
    expect(first.status).toBe(200);
    expect(verifyCosignature({ checkpointBody: parseNote(note).body, signature: first.text, key: pushed.key }).ok).toBe(
      true,
    );
    await appendAndCheckpoint(cloud, edge, chain, 4);
    const next = await checkpointText(cloud);
    const second = await addCheckpoint(pushed, {
      oldSize: 3,
      consistencyProof: await consistency(cloud, 3, 4),
      checkpointNote: next,
    });
    expect(second.status).toBe(200);
    expect(pushed.state()?.size).toBe(4);
    expect((await getJson<{ items: AlertRow[] }>(`${pushed.url}/alerts`)).items).toEqual([]);
  });

  it('answers consistency proofs and rejects bad sizes with request_invalid', async () => {
    const cloud = await startCloud(join(root, 'proof-cloud'));
    const edge = createTestEdge('edge-proof');
    await edge.register(cloud.url, cloud.adminToken);
    const chain = newEdgeChain();
    for (const tag of [1, 2, 3]) await edge.appendBatch(cloud.url, chain, tag);
    expect((await consistency(cloud, 3, 3)).length).toBe(0);
    expect((await consistency(cloud, 1, 3)).length).toBeGreaterThan(0);
    for (const query of [
      'from=0&to=2',
      'from=3&to=2',
      'from=1&to=4',
      'from=01&to=2',
      'from=a&to=2',
      'from=1',
      'from=1&to=2&x=1',
    ]) {
      const response = await fetch(`${cloud.url}/v1/log/consistency?${query}`);
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code, query).toBe('request_invalid');
    }
  });

  it('SPLIT VIEW: two witnesses shown different histories of one log both refuse, keep the evidence and raise an alert', async () => {
    const dirA = join(root, 'fork-a');
    const dirB = join(root, 'fork-b');
    // SQLite on every pass: the fork below is a copy of the data folder, database file and all.
    let cloudA = await startCloud(dirA, 'sqlite');
    const edge = createTestEdge('edge-fork');
    await edge.register(cloudA.url, cloudA.adminToken);
    const chain = newEdgeChain();
    await appendAndCheckpoint(cloudA, edge, chain, 1);
    await appendAndCheckpoint(cloudA, edge, chain, 2);
    // Fork the log: a copy of its store and its key (keys/log-key.json) goes on separately.
    await stopCloud(cloudA);
    cpSync(dirA, dirB, { recursive: true });
    cloudA = await startCloud(dirA, 'sqlite');
    const cloudB = await startCloud(dirB, 'sqlite');
    const logKey = await logKeyOf(cloudA);
    expect(await logKeyOf(cloudB)).toEqual(logKey);

    const bankLog = capturedLogger();
    const regulatorLog = capturedLogger();
    const bank = await witnessFor('witness.bank.example/w1', logKey, cloudA.url, bankLog.log);
    const regulator = await witnessFor('witness.regulator.example/w1', logKey, cloudB.url, regulatorLog.log);
    // Both cosign the common prefix.
    expect(await bank.fetchOnce()).toMatchObject({ ok: true, newState: { size: 2 } });
    expect(await regulator.fetchOnce()).toMatchObject({ ok: true, newState: { size: 2 } });
    expect(bank.state()?.rootHash).toEqual(regulator.state()?.rootHash);

    // The branches diverge: each witness follows one and cosigns it.
    const chainB = { ...chain };
    await appendAndCheckpoint(cloudA, edge, chain, 10);
    await appendAndCheckpoint(cloudB, edge, chainB, 20);
    const noteA3 = await checkpointText(cloudA);
    const noteB3 = await checkpointText(cloudB);
    expect(await bank.fetchOnce()).toMatchObject({ ok: true, newState: { size: 3 } });
    expect(await regulator.fetchOnce()).toMatchObject({ ok: true, newState: { size: 3 } });

    // Each is shown the other branch at the same size: a split view, refused.
    const bankShownB = await addCheckpoint(bank, { oldSize: 3, consistencyProof: [], checkpointNote: noteB3 });
    const regulatorShownA = await addCheckpoint(regulator, {
      oldSize: 3,
      consistencyProof: [],
      checkpointNote: noteA3,
    });
    for (const answer of [bankShownB, regulatorShownA]) {
      expect(answer).toMatchObject({
        status: 409,
        code: 'witness_split_view',
        contentType: 'text/x.tlog.size',
        text: '3\n',
      });
    }
    // And the other branch grown further, with that branch's own consistency proof: inconsistent, refused.
    await appendAndCheckpoint(cloudA, edge, chain, 11);
    await appendAndCheckpoint(cloudB, edge, chainB, 21);
    const regulatorShownA4 = await addCheckpoint(regulator, {
      oldSize: 3,
      consistencyProof: await consistency(cloudA, 3, 4),
      checkpointNote: await checkpointText(cloudA),
    });
    expect(regulatorShownA4).toMatchObject({ status: 422, code: 'witness_inconsistent' });
    const bankShownB4 = await addCheckpoint(bank, {
      oldSize: 3,
      consistencyProof: await consistency(cloudB, 3, 4),
      checkpointNote: await checkpointText(cloudB),
    });
    expect(bankShownB4).toMatchObject({ status: 422, code: 'witness_inconsistent' });

    // Nothing was cosigned: each witness still stands on its own branch.
    expect(parseNote(bank.state()?.checkpointNote ?? '').body).toBe(parseNote(noteA3).body);
    expect(parseNote(regulator.state()?.checkpointNote ?? '').body).toBe(parseNote(noteB3).body);

    for (const [witness, own, other, logged] of [
      [bank, noteA3, noteB3, bankLog],
      [regulator, noteB3, noteA3, regulatorLog],
    ] as const) {
      const alerts = (await getJson<{ items: AlertRow[] }>(`${witness.url}/alerts`)).items;
      expect(alerts.map((alert) => alert.code)).toEqual(['witness_split_view', 'witness_inconsistent']);
      const evidence = (await getJson<{ items: EvidenceRow[] }>(`${witness.url}/evidence`)).items;
      expect(evidence.map((row) => row.code)).toEqual(['witness_split_view', 'witness_inconsistent']);
      expect(alerts.map((alert) => alert.evidenceId)).toEqual(evidence.map((row) => row.id));
      const [splitView, inconsistent] = evidence as [EvidenceRow, EvidenceRow];
      expect(splitView).toMatchObject({
        previousCheckpointNote: own,
        checkpointNote: other,
        oldSize: 3,
        source: 'pushed',
      });
      expect(inconsistent.consistencyProof.length).toBeGreaterThan(0);
      // The evidence stands alone: both notes verify under the log key, same size, different roots.
      const mine = openCheckpoint(splitView.previousCheckpointNote, logKey);
      const theirs = openCheckpoint(splitView.checkpointNote, logKey);
      expect(mine.size).toBe(theirs.size);
      expect(mine.rootHash).not.toEqual(theirs.rootHash);
      expect(await getJson<EvidenceRow>(`${witness.url}/evidence/${splitView.id}`)).toEqual(splitView);
      expect(logged.errors().map((line) => line.code)).toEqual(['witness_split_view', 'witness_inconsistent']);
    }
    // The same contradiction sent again raises another alert but is one piece of evidence.
    await addCheckpoint(bank, { oldSize: 3, consistencyProof: [], checkpointNote: noteB3 });
    expect((await getJson<{ items: AlertRow[] }>(`${bank.url}/alerts`)).items.length).toBe(3);
    expect((await getJson<{ items: EvidenceRow[] }>(`${bank.url}/evidence`)).items.length).toBe(2);
  });

  it('refuses a log restored from an old backup (shrank) and a checkpoint with a bad log signature', async () => {
    const dir = join(root, 'shrink-cloud');
    const backup = join(root, 'shrink-backup');
    // SQLite on every pass: the backup restored here is a copy of the data folder, database file and all.
    let cloud = await startCloud(dir, 'sqlite');
    const edge = createTestEdge('edge-shrink');
    await edge.register(cloud.url, cloud.adminToken);
    const chain = newEdgeChain();
    await appendAndCheckpoint(cloud, edge, chain, 1);
    await appendAndCheckpoint(cloud, edge, chain, 2);
    await stopCloud(cloud);
    cpSync(dir, backup, { recursive: true });
    cloud = await startCloud(dir);
    await appendAndCheckpoint(cloud, edge, chain, 3);
    const logKey = await logKeyOf(cloud);
    const logged = capturedLogger();
    const witnessDir = join(root, 'witness-shrink');
    let witness = await witnessFor('witness.logistics.example/w1', logKey, cloud.url, logged.log, witnessDir);
    expect(await witness.fetchOnce()).toMatchObject({ ok: true, newState: { size: 3 } });
    const cosignedRoot = witness.state()?.rootHash;

    // The operator restores the log from the backup (size 2) at the address the witness follows.
    await stopCloud(cloud);
    running.splice(running.indexOf(witness), 1);
    await witness.stop();
    const restored = await startCloud(backup, 'sqlite');
    witness = await witnessFor('witness.logistics.example/w1', logKey, restored.url, logged.log, witnessDir);
    const shrank = await witness.fetchOnce();
    expect(shrank).toMatchObject({ ok: false, code: 'witness_log_shrank', status: 409, size: 3 });
    expect(witness.state()?.size).toBe(3);
    expect(witness.state()?.rootHash).toEqual(cosignedRoot);
    const alerts = (await getJson<{ items: AlertRow[] }>(`${witness.url}/alerts`)).items;
    expect(alerts.map((alert) => alert.code)).toEqual(['witness_log_shrank']);
    const [evidence] = (await getJson<{ items: EvidenceRow[] }>(`${witness.url}/evidence`)).items;
    expect(evidence).toMatchObject({ code: 'witness_log_shrank', source: 'fetched' });
    expect(openCheckpoint(evidence?.checkpointNote ?? '', logKey).size).toBe(2);
    expect(openCheckpoint(evidence?.previousCheckpointNote ?? '', logKey).size).toBe(3);
    expect(logged.errors().map((line) => line.code)).toEqual(['witness_log_shrank']);

    // A checkpoint whose log signature does not verify: 403, no cosignature, no alert.
    const note = witness.state()?.checkpointNote ?? '';
    const tampered = note.replace('\n3\n', '\n4\n');
    const forged = await addCheckpoint(witness, { oldSize: 3, consistencyProof: [], checkpointNote: tampered });
    expect(forged.status).toBe(403);
    expect(forged.code).toBe('witness_signature_invalid');
    expect((JSON.parse(forged.text) as { error: { code: string } }).error.code).toBe('witness_signature_invalid');
    const unsigned = await addCheckpoint(witness, {
      oldSize: 3,
      consistencyProof: [],
      checkpointNote: `${parseNote(note).body}\n— someone.else AAAAAAAA\n`,
    });
    expect(unsigned).toMatchObject({ status: 403, code: 'witness_signature_invalid' });
    const malformed = await fetch(`${witness.url}/add-checkpoint`, { method: 'POST', body: 'old x\n\nnot a note' });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe('witness_request_invalid');
    expect(witness.state()?.size).toBe(3);
    expect((await getJson<{ items: AlertRow[] }>(`${witness.url}/alerts`)).items.length).toBe(1);
  });
});
