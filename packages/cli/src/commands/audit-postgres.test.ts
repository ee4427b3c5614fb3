// The ledger's tamper acceptance on PostgreSQL: a real cloud on PostgreSQL, real ingest over HTTP,
// then a frame row edited, one deleted and a forged batch inserted with a pg client straight into
// the tables; `fieldproof audit --store postgres://…` reports each with its leaf index, as on SQLite.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDeviceClient, createMemorySeqStore } from '@fieldproof/device';
import { appendLeaf, hashLeaf, loadFrontier } from '@fieldproof/ledger';
import {
  canonicalize,
  canonicalizeSignedFrame,
  generateKeyPair,
  keyPairSigner,
  toBase64,
  toHex,
  utf8,
} from '@fieldproof/protocol';
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { type AuditedLog, buildAuditedLog } from '../../_test/audited-log.ts';
import {
  connectToSchema,
  dropSchema,
  freshSchemaName,
  postgresAvailable,
  postgresTestUrl,
} from '../../_test/postgres.ts';
import { buildBatch } from '../../_test/signed-batch.ts';
import { runAudit } from './audit.ts';

const postgresUp = await postgresAvailable();
const folders: string[] = [];
const schemas: string[] = [];

afterAll(async () => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  for (const schema of schemas) await dropSchema(schema);
});

/** A real log built by a cloud on PostgreSQL in a fresh schema, and a pg client on that schema. */
async function postgresLog(): Promise<{ log: AuditedLog; schema: string; client: pg.Client }> {
  const folder = mkdtempSync(join(tmpdir(), 'fieldproof-audit-pg-'));
  folders.push(folder);
  const schema = freshSchemaName();
  schemas.push(schema);
  const log = await buildAuditedLog(folder, 'intl', { kind: 'postgres', url: postgresTestUrl, schema });
  return { log, schema, client: await connectToSchema(schema) };
}

async function audit(log: AuditedLog, schema: string): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runAudit(
    ['--data-dir', log.dataDir, '--store', `${postgresTestUrl}?schema=${schema}`, '--progress', 'never'],
    (line) => lines.push(line),
  );
  return { code, lines };
}

async function frameRow(client: pg.Client, logIndex: number, frameLeafIndex: number) {
  const result = await client.query(
    'SELECT f.* FROM frame f JOIN batch b ON b.id = f.batch_id WHERE b.log_index = $1 AND f.leaf_index = $2',
    [logIndex, frameLeafIndex],
  );
  return result.rows[0] as { id: string; body: string };
}

describe.skipIf(!postgresUp)('fieldproof audit on a PostgreSQL store', () => {
  it('finds nothing in an untouched log', async () => {
    const { log, schema, client } = await postgresLog();
    await client.end();
    const { code, lines } = await audit(log, schema);
    expect(lines.at(-2)).toMatch(/^checked 4 log leaves, 4 batches, 10 frames, 3 checkpoints and 7 stored hashes of /);
    expect(lines.at(-1)).toMatch(/^clean: /);
    expect(code).toBe(0);
  });

  it('reports an edited frame row and a deleted one, each with its leaf indexes', async () => {
    const { log, schema, client } = await postgresLog();
    const edited = await frameRow(client, 1, 2);
    await client.query('UPDATE frame SET body = $1 WHERE id = $2', [
      edited.body.replace('"value":1003', '"value":9003'),
      edited.id,
    ]);
    const deleted = await frameRow(client, 3, 1);
    await client.query('DELETE FROM frame WHERE id = $1', [deleted.id]);
    await client.end();

    const { code, lines } = await audit(log, schema);
    expect(code).toBe(1);
    expect(lines.filter((line) => line.startsWith('FOUND'))).toEqual([
      expect.stringMatching(/^FOUND frame_edited +log leaf 1 +frame leaf 2 +frame [0-9a-f]{64}: /),
      expect.stringMatching(/^FOUND frame_deleted +log leaf 3 +frame leaf 1 /),
    ]);
  });

  it('reports a forged batch appended at the end of the log with its leaf index', async () => {
    const { log, schema, client } = await postgresLog();
    const forgedDevice = createDeviceClient({
      deviceId: 'dev-b',
      signer: keyPairSigner(generateKeyPair('ecdsa-p256')),
      seqStore: createMemorySeqStore(100),
    });
    const frames = [forgedDevice.buildFrame([{ kind: 'power', value: 9_999, unit: 'W' }], 1_750_000_200_000)];
    const last = log.batches.at(-1);
    const forged = buildBatch(
      generateKeyPair('ed25519'),
      log.edgeId,
      log.batches.length,
      last?.batchHash ?? '',
      frames,
    );
    const logIndex = log.batches.length;
    const entry = utf8(canonicalize({ kind: 'batch', batch: forged.batch }));
    const inserted = await client.query(
      `INSERT INTO batch (edge_id, batch_seq, batch_hash, header, frame_count, leaf_hashes, received_at_ms, log_index)
       VALUES ($1, $2, $3, $4, 1, $5, 0, $6) RETURNING id`,
      [
        log.edgeId,
        log.batches.length,
        forged.batchHash,
        canonicalize(forged.batch),
        Buffer.concat(forged.leafHashes),
        logIndex,
      ],
    );
    const batchId = Number(inserted.rows[0].id);
    const frame = frames[0] as (typeof frames)[number];
    await client.query(
      `INSERT INTO frame (id, device_id, seq, device_time_ms, received_at_ms, batch_id, leaf_index, body)
       VALUES ($1, 'dev-b', $2, $3, 0, $4, 0, $5)`,
      [
        toHex(forged.leafHashes[0] as Uint8Array),
        frame.frame.seq,
        frame.frame.deviceTimeMs,
        batchId,
        canonicalizeSignedFrame(frame).signed,
      ],
    );
    await client.query("INSERT INTO log_entry (leaf_index, kind, data, created_at_ms) VALUES ($1, 'batch', $2, 0)", [
      logIndex,
      Buffer.from(entry),
    ]);
    const reader = {
      readHashes: async (indexes: readonly number[]) => {
        const rows = await Promise.all(
          indexes.map((index) => client.query('SELECT hash FROM log_hash WHERE idx = $1', [index])),
        );
        return rows.map((result) => new Uint8Array(result.rows[0].hash as Buffer));
      },
    };
    const frontier = await loadFrontier(logIndex, reader);
    for (const stored of appendLeaf('intl', frontier, hashLeaf('intl', entry)).stored) {
      await client.query('INSERT INTO log_hash (idx, hash) VALUES ($1, $2)', [stored.index, Buffer.from(stored.hash)]);
    }
    await client.end();

    const { code, lines } = await audit(log, schema);
    expect(code).toBe(1);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^FOUND entry_forged +log leaf 4 /),
        expect.stringMatching(/^FOUND batch_inserted +log leaf 4 /),
      ]),
    );
    expect(lines.filter((line) => line.startsWith('FOUND') && !/ log leaf 4 /.test(line))).toEqual([]);
  });

  it('says the store is unavailable when PostgreSQL does not answer', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'fieldproof-audit-pg-down-'));
    folders.push(folder);
    mkdirSync(join(folder, 'cloud', 'keys'), { recursive: true });
    const key = generateKeyPair('ed25519');
    writeFileSync(
      join(folder, 'cloud', 'keys', 'log-key.json'),
      JSON.stringify({ alg: 'ed25519', publicKey: toBase64(key.publicKey) }),
    );
    const lines: string[] = [];
    const code = await runAudit(
      ['--data-dir', folder, '--store', 'postgres://fp:secret@127.0.0.1:1/test', '--progress', 'never'],
      (line) => lines.push(line),
    );
    expect(code).toBe(2);
    expect(lines.join('\n')).toMatch(
      /cannot reach the PostgreSQL store at postgres:\/\/fp:\*\*\*@127\.0\.0\.1:1\/test/,
    );
    expect(lines.join('\n')).not.toContain('secret');
  });
});
