import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type AuditFinding, auditLog, openAuditStore } from '@fieldproof/cloud';
import { createDeviceClient, createMemorySeqStore } from '@fieldproof/device';
import { appendLeaf, hashLeaf, loadFrontier } from '@fieldproof/ledger';
import {
  canonicalize,
  canonicalizeSignedFrame,
  fromBase64,
  generateKeyPair,
  keyPairSigner,
  toHex,
  utf8,
} from '@fieldproof/protocol';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditedLog, buildAuditedLog, buildBulkLog, copyAuditedLog } from '../../_test/audited-log.ts';
import { buildBatch } from '../../_test/signed-batch.ts';
import { createProgressBar } from '../progress-bar.ts';
import { runAudit } from './audit.ts';

const root = mkdtempSync(join(tmpdir(), 'fieldproof-audit-'));
const copies: string[] = [root];
let log: AuditedLog;

beforeAll(async () => {
  log = await buildAuditedLog(root);
});

afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

/** A fresh copy of the log's data folder and a writable connection to its database. */
function tamperableCopy(): { dataDir: string; db: Database.Database } {
  const dataDir = copyAuditedLog(log);
  copies.push(dataDir);
  return { dataDir, db: new Database(join(dataDir, 'cloud', 'cloud.db')) };
}

async function audit(dataDir: string, extraArgs: string[] = []): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runAudit(['--data-dir', dataDir, '--progress', 'never', ...extraArgs], (line) => lines.push(line));
  return { code, lines };
}

async function findingsOf(dataDir: string): Promise<AuditFinding[]> {
  const store = openAuditStore(join(dataDir, 'cloud', 'cloud.db'));
  try {
    const keyFile = JSON.parse(readFileSync(join(dataDir, 'cloud', 'keys', 'log-key.json'), 'utf8')) as {
      alg: 'ed25519';
      publicKey: string;
    };
    const result = await auditLog(store.db, {
      suite: 'intl',
      origin: log.origin,
      logKey: { keyName: log.origin, alg: keyFile.alg, publicKey: fromBase64(keyFile.publicKey) as Uint8Array },
    });
    return result.findings;
  } finally {
    store.close();
  }
}

const frameRow = (db: Database.Database, logIndex: number, frameLeafIndex: number) =>
  db
    .prepare('SELECT f.* FROM frame f JOIN batch b ON b.id = f.batch_id WHERE b.log_index = ? AND f.leaf_index = ?')
    .get(logIndex, frameLeafIndex) as { id: string; body: string };

describe('fieldproof audit on a real log', () => {
  it('finds nothing in an untouched log, and says what it checked', async () => {
    const dataDir = copyAuditedLog(log);
    copies.push(dataDir);
    const { code, lines } = await audit(dataDir);
    expect(lines.at(-2)).toMatch(/^checked 4 log leaves, 4 batches, 10 frames, 3 checkpoints and 7 stored hashes of /);
    expect(lines.at(-1)).toMatch(/^clean: /);
    expect(lines.filter((line) => line.startsWith('FOUND'))).toEqual([]);
    expect(code).toBe(0);
    expect(log.checkpointSizes).toEqual([1, 2, 4]);
  });

  it('reports an edited frame row with its batch leaf index and its frame leaf index', async () => {
    const { dataDir, db } = tamperableCopy();
    const row = frameRow(db, 1, 2);
    const edited = row.body.replace('"value":1003', '"value":9003');
    expect(edited).not.toBe(row.body);
    db.prepare('UPDATE frame SET body = ? WHERE id = ?').run(edited, row.id);
    db.close();

    const findings = await findingsOf(dataDir);
    expect(findings).toEqual([
      expect.objectContaining({ kind: 'frame_edited', table: 'frame', row: row.id, logIndex: 1, frameLeafIndex: 2 }),
    ]);
    const { code, lines } = await audit(dataDir);
    expect(code).toBe(1);
    expect(lines.filter((line) => line.startsWith('FOUND'))).toEqual([
      expect.stringMatching(/^FOUND frame_edited +log leaf 1 +frame leaf 2 +frame [0-9a-f]{64}: /),
    ]);
    expect(lines.at(-1)).toBe('NOT clean: 1 finding(s): frame_edited 1');
  });

  it('reports a deleted frame row with its indexes, and not the frame the cloud quarantined', async () => {
    const { dataDir, db } = tamperableCopy();
    const row = frameRow(db, 3, 1);
    db.prepare('DELETE FROM frame WHERE id = ?').run(row.id);
    db.close();

    const findings = await findingsOf(dataDir);
    expect(findings).toEqual([
      expect.objectContaining({ kind: 'frame_deleted', table: 'frame', row: row.id, logIndex: 3, frameLeafIndex: 1 }),
    ]);
    const { code, lines } = await audit(dataDir);
    expect(code).toBe(1);
    expect(lines.filter((line) => line.startsWith('FOUND'))).toEqual([
      expect.stringMatching(/^FOUND frame_deleted +log leaf 3 +frame leaf 1 /),
    ]);
  });

  it('reports a deleted frame that a forged quarantine record tries to excuse', async () => {
    const { dataDir, db } = tamperableCopy();
    const row = frameRow(db, 0, 1);
    db.prepare('DELETE FROM frame WHERE id = ?').run(row.id);
    db.prepare(
      `INSERT INTO quarantine (received_at_ms, source, code, message, edge_id, payload, payload_bytes)
       VALUES (0, ?, 'frame_signature_invalid', 'cover', ?, ?, 5)`,
    ).run(`http batch ${log.edgeId}/0 leaf 1`, log.edgeId, Buffer.from('cover'));
    db.close();
    expect(await findingsOf(dataDir)).toEqual([
      expect.objectContaining({ kind: 'frame_deleted', logIndex: 0, frameLeafIndex: 1 }),
    ]);
  });

  it('reports a frame row inserted under a batch whose root does not cover it', async () => {
    const { dataDir, db } = tamperableCopy();
    const intruder = createDeviceClient({
      deviceId: 'dev-a',
      signer: keyPairSigner(generateKeyPair('ed25519')),
      seqStore: createMemorySeqStore(500),
    });
    const signed = intruder.buildFrame([{ kind: 'weight', value: 42, unit: 'kg' }], 1_750_000_100_000);
    const body = canonicalizeSignedFrame(signed).signed;
    const batchId = (db.prepare('SELECT id FROM batch WHERE log_index = 2').get() as { id: number }).id;
    const id = toHex(new Uint8Array(32).fill(7));
    db.prepare(
      `INSERT INTO frame (id, device_id, seq, device_time_ms, received_at_ms, batch_id, leaf_index, body)
       VALUES (?, 'dev-a', 500, 1750000100000, 0, ?, 2, ?)`,
    ).run(id, batchId, body);
    db.close();
    expect(await findingsOf(dataDir)).toEqual([
      expect.objectContaining({ kind: 'frame_inserted', row: id, logIndex: 2, frameLeafIndex: 2 }),
    ]);
  });

  it('reports a forged batch appended at the end of the log with its leaf index', async () => {
    const { dataDir, db } = tamperableCopy();
    // A careful forger: a real-looking batch that chains to the edge's last one, its log entry,
    // and the stored hashes a real append writes; only the edge key and the log key are out of reach.
    const forgedEdgeKey = generateKeyPair('ed25519');
    const forgedDevice = createDeviceClient({
      deviceId: 'dev-b',
      signer: keyPairSigner(generateKeyPair('ecdsa-p256')),
      seqStore: createMemorySeqStore(100),
    });
    const frames = [forgedDevice.buildFrame([{ kind: 'power', value: 9_999, unit: 'W' }], 1_750_000_200_000)];
    const last = log.batches.at(-1);
    const forged = buildBatch(forgedEdgeKey, log.edgeId, log.batches.length, last?.batchHash ?? '', frames);
    const logIndex = log.batches.length;
    const header = canonicalize(forged.batch);
    const entry = utf8(canonicalize({ kind: 'batch', batch: forged.batch }));
    const batchId = Number(
      db
        .prepare(
          `INSERT INTO batch (edge_id, batch_seq, batch_hash, header, frame_count, leaf_hashes, received_at_ms, log_index)
           VALUES (?, ?, ?, ?, 1, ?, 0, ?)`,
        )
        .run(log.edgeId, log.batches.length, forged.batchHash, header, Buffer.concat(forged.leafHashes), logIndex)
        .lastInsertRowid,
    );
    const frame = frames[0] as (typeof frames)[number];
    db.prepare(
      `INSERT INTO frame (id, device_id, seq, device_time_ms, received_at_ms, batch_id, leaf_index, body)
       VALUES (?, 'dev-b', ?, ?, 0, ?, 0, ?)`,
    ).run(
      toHex(forged.leafHashes[0] as Uint8Array),
      frame.frame.seq,
      frame.frame.deviceTimeMs,
      batchId,
      canonicalizeSignedFrame(frame).signed,
    );
    db.prepare("INSERT INTO log_entry (leaf_index, kind, data, created_at_ms) VALUES (?, 'batch', ?, 0)").run(
      logIndex,
      entry,
    );
    const reader = {
      readHashes: (indexes: readonly number[]) =>
        indexes.map(
          (index) =>
            new Uint8Array((db.prepare('SELECT hash FROM log_hash WHERE idx = ?').get(index) as { hash: Buffer }).hash),
        ),
    };
    const frontier = await loadFrontier(logIndex, reader);
    for (const stored of appendLeaf('intl', frontier, hashLeaf('intl', entry)).stored) {
      db.prepare('INSERT INTO log_hash (idx, hash) VALUES (?, ?)').run(stored.index, stored.hash);
    }
    db.close();

    const findings = await findingsOf(dataDir);
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'entry_forged', table: 'batch', row: String(batchId), logIndex }),
        expect.objectContaining({ kind: 'batch_inserted', table: 'batch', row: String(batchId), logIndex }),
      ]),
    );
    expect(findings.every((finding) => finding.logIndex === logIndex)).toBe(true);
    expect(findings.some((finding) => finding.kind === 'stored_hash_mismatch')).toBe(false);
    const { code, lines } = await audit(dataDir);
    expect(code).toBe(1);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^FOUND entry_forged +log leaf 4 /),
        expect.stringMatching(/^FOUND batch_inserted +log leaf 4 /),
      ]),
    );
  });

  it('reports an edited batch header with its leaf index, and the first checkpoint it breaks', async () => {
    const { dataDir, db } = tamperableCopy();
    const row = db.prepare('SELECT id, header FROM batch WHERE log_index = 2').get() as { id: number; header: string };
    const signed = JSON.parse(row.header) as { header: { lastTimeMs: number } };
    signed.header.lastTimeMs += 3_600_000;
    db.prepare('UPDATE batch SET header = ? WHERE id = ?').run(canonicalize(signed), row.id);
    db.close();

    const findings = await findingsOf(dataDir);
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'batch_edited', table: 'batch', row: String(row.id), logIndex: 2 }),
        expect.objectContaining({ kind: 'checkpoint_mismatch', table: 'checkpoint', row: '4' }),
      ]),
    );
    const { code, lines } = await audit(dataDir);
    expect(code).toBe(1);
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^FOUND batch_edited +log leaf 2 /)]));
  });

  it('reports a batch deleted with its log entry (a gap) and a log cut short below its checkpoint', async () => {
    const { dataDir, db } = tamperableCopy();
    for (const logIndex of [1, 3]) {
      const id = (db.prepare('SELECT id FROM batch WHERE log_index = ?').get(logIndex) as { id: number }).id;
      db.prepare('DELETE FROM frame WHERE batch_id = ?').run(id);
      db.prepare('DELETE FROM batch WHERE id = ?').run(id);
      db.prepare('DELETE FROM log_entry WHERE leaf_index = ?').run(logIndex);
    }
    db.close();
    const findings = await findingsOf(dataDir);
    const deleted = findings.filter((finding) => finding.kind === 'batch_deleted').map((finding) => finding.logIndex);
    expect(deleted).toEqual([1, 3]);
    expect(findings.some((finding) => finding.kind === 'checkpoint_mismatch')).toBe(false);
  });

  it('reports a batch row deleted while its log entry stays', async () => {
    const { dataDir, db } = tamperableCopy();
    const id = (db.prepare('SELECT id FROM batch WHERE log_index = 2').get() as { id: number }).id;
    db.prepare('DELETE FROM frame WHERE batch_id = ?').run(id);
    db.prepare('DELETE FROM batch WHERE id = ?').run(id);
    db.close();
    expect(await findingsOf(dataDir)).toEqual([
      expect.objectContaining({ kind: 'batch_deleted', row: `${log.edgeId}/2`, logIndex: 2 }),
      expect.objectContaining({ kind: 'batch_chain_broken', logIndex: 3 }),
    ]);
  });

  it('reports a checkpoint whose note does not verify with the log key', async () => {
    const { dataDir, db } = tamperableCopy();
    const note = (db.prepare('SELECT note FROM checkpoint WHERE size = 2').get() as { note: string }).note;
    db.prepare('UPDATE checkpoint SET note = ? WHERE size = 2').run(note.replace('\n2\n', '\n3\n'));
    db.close();
    expect(await findingsOf(dataDir)).toEqual([
      expect.objectContaining({ kind: 'checkpoint_invalid', table: 'checkpoint', row: '2' }),
    ]);
  });

  it('reports a stored hash that is not the hash of its stored children', async () => {
    const { dataDir, db } = tamperableCopy();
    // Stored hash 2 is the level-1 node over leaves 0 and 1 (tlog layout).
    db.prepare('UPDATE log_hash SET hash = ? WHERE idx = 2').run(Buffer.alloc(32, 9));
    db.close();
    expect(await findingsOf(dataDir)).toEqual([
      expect.objectContaining({ kind: 'stored_hash_mismatch', table: 'log_hash', row: '2', logIndex: 1 }),
    ]);
  });

  it('reports a forged checkpoint row with a huge size without walking it', async () => {
    const { dataDir, db } = tamperableCopy();
    const note = (db.prepare('SELECT note FROM checkpoint WHERE size = 4').get() as { note: string }).note;
    db.prepare('INSERT INTO checkpoint (size, root, note, created_at_ms) VALUES (?, ?, ?, 0)').run(
      1e12,
      Buffer.alloc(32),
      note.replace('\n4\n', '\n1000000000000\n'),
    );
    db.close();
    expect(await findingsOf(dataDir)).toEqual([
      expect.objectContaining({ kind: 'checkpoint_invalid', table: 'checkpoint', row: '1000000000000' }),
    ]);
  });

  it('exits 2 for unreadable input', async () => {
    const missing = mkdtempSync(join(tmpdir(), 'fieldproof-audit-missing-'));
    copies.push(missing);
    const noKey = await audit(missing);
    expect(noKey.code).toBe(2);
    expect(noKey.lines[0]).toMatch(/^cannot read log key /);

    const dataDir = copyAuditedLog(log);
    copies.push(dataDir);
    const noDb = await audit(dataDir, ['--db', join(missing, 'nothing.db')]);
    expect(noDb).toEqual({ code: 2, lines: [`cannot read database ${join(missing, 'nothing.db')}: no such file`] });

    const notSqlite = join(missing, 'not-sqlite.db');
    writeFileSync(notSqlite, 'this is not a database, just text that is long enough to be a header');
    const bad = await audit(dataDir, ['--db', notSqlite]);
    expect(bad.code).toBe(2);
    expect(bad.lines[0]).toMatch(/not-sqlite\.db/);
  });

  it('accepts --db and --log-key instead of --data-dir, and draws progress on request', async () => {
    const dataDir = copyAuditedLog(log);
    copies.push(dataDir);
    const chunks: string[] = [];
    const progressStream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk.toString('utf8'));
        callback();
      },
    });
    const lines: string[] = [];
    const code = await runAudit(
      [
        '--db',
        join(dataDir, 'cloud', 'cloud.db'),
        '--log-key',
        join(dataDir, 'cloud', 'keys', 'log-key.json'),
        '--progress',
        'always',
      ],
      (line) => lines.push(line),
      { progressStream },
    );
    expect(code).toBe(0);
    const progress = chunks.join('').split('\n').filter(Boolean);
    expect(progress[0]).toBe('audit 0% (0/14)');
    expect(progress.at(-1)).toBe('audit 100% (14/14)');
  });
});

describe('fieldproof audit on a long run', () => {
  it('checks 10,000 frames on a verify pool, draws progress by tenths, and finds one edited frame among them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fieldproof-audit-bulk-'));
    copies.push(dir);
    await buildBulkLog(dir, { batches: 10, framesPerBatch: 1_000 });
    const chunks: string[] = [];
    const progressStream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk.toString('utf8'));
        callback();
      },
    });
    const lines: string[] = [];
    const clean = await runAudit(['--data-dir', dir], (line) => lines.push(line), { progressStream });
    expect(lines.at(-2)).toMatch(/^checked 10 log leaves, 10 batches, 10000 frames, 1 checkpoint /);
    expect(clean).toBe(0);
    expect(chunks.join('').split('\n').filter(Boolean)).toEqual(
      [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map((p) => expect.stringMatching(new RegExp(`^audit ${p}% `))),
    );

    const db = new Database(join(dir, 'cloud', 'cloud.db'));
    const row = frameRow(db, 7, 500);
    db.prepare('UPDATE frame SET body = ? WHERE id = ?').run(
      row.body.replace('"value":70500', '"value":70501'),
      row.id,
    );
    db.close();
    const tampered: string[] = [];
    const code = await runAudit(['--data-dir', dir, '--progress', 'never'], (line) => tampered.push(line));
    expect(code).toBe(1);
    expect(tampered.filter((line) => line.startsWith('FOUND'))).toEqual([
      expect.stringMatching(/^FOUND frame_edited +log leaf 7 +frame leaf 500 /),
    ]);
  });
});

describe('fieldproof audit on an sm (SM3) log', () => {
  it('finds nothing in an untouched sm log and finds an edited frame in a copy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fieldproof-audit-sm-'));
    copies.push(dir);
    const smLog = await buildAuditedLog(dir, 'sm');
    const clean = await audit(dir);
    expect(clean.lines.at(-1)).toMatch(/^clean: /);
    expect(clean.code).toBe(0);

    const copy = copyAuditedLog(smLog);
    copies.push(copy);
    const db = new Database(join(copy, 'cloud', 'cloud.db'));
    const row = frameRow(db, 2, 0);
    db.prepare('UPDATE frame SET body = ? WHERE id = ?').run(row.body.replace('"value":1004', '"value":1'), row.id);
    db.close();
    const tampered = await audit(copy);
    expect(tampered.code).toBe(1);
    expect(tampered.lines.filter((line) => line.startsWith('FOUND'))).toEqual([
      expect.stringMatching(/^FOUND frame_edited +log leaf 2 +frame leaf 0 /),
    ]);
  });
});

describe('progress bar', () => {
  const collect = (isTTY: boolean) => {
    const written: string[] = [];
    return { written, stream: { isTTY, write: (text: string) => written.push(text) > 0 } };
  };

  it('writes one line per tenth when the stream is not a terminal', () => {
    const { written, stream } = collect(false);
    const bar = createProgressBar({ stream, label: 'audit' });
    for (let done = 0; done <= 1000; done += 7) bar.update(done, 1000);
    bar.finish();
    expect(written).toEqual(
      [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map((p) => expect.stringMatching(new RegExp(`^audit ${p}% `))),
    );
  });

  it('redraws one line in place on a terminal, at most once per redraw interval', () => {
    const { written, stream } = collect(true);
    let nowMs = 0;
    const bar = createProgressBar({ stream, label: 'audit', widthChars: 10, redrawMs: 100, clock: () => nowMs });
    bar.update(0, 100);
    bar.update(30, 100);
    nowMs = 150;
    bar.update(50, 100);
    bar.clear();
    bar.update(60, 100);
    bar.finish();
    expect(written).toEqual([
      '\raudit [..........]   0% 0/100',
      '\raudit [#####.....]  50% 50/100',
      '\r\x1b[K',
      '\raudit [######....]  60% 60/100',
      '\raudit [######....]  60% 60/100',
      '\n',
    ]);
  });
});
