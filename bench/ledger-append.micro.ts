/**
 * A focused A/B bench of the log's hot path (not part of `npm run bench`): append LEAVES leaves
 * (default 10^6) through the cloud's sequencer into a fresh SQLite file, 10,000 per transaction,
 * then build PROOFS inclusion proofs (default 5,000). Prints leaves/s and proof p50/p99, one line
 * each, so two versions of the code can be run back to back on a shared machine.
 * Run: `npx tsx bench/ledger-append.micro.ts` (LEAVES=…, PROOFS=…); with STORE=postgres://… it
 * runs on PostgreSQL instead, in a fresh schema dropped afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { proveInclusion } from '@fieldproof/ledger';
import pg from 'pg';
import { openLogSequencer } from '../packages/cloud/src/log/log-sequencer.ts';
import type { CloudStore } from '../packages/cloud/src/storage/cloud-store.ts';
import { openPostgresCloudStore } from '../packages/cloud/src/storage/postgres/open-postgres-cloud-store.ts';
import { openSqliteCloudStore } from '../packages/cloud/src/storage/sqlite/open-sqlite-cloud-store.ts';

const leaves = Number(process.env.LEAVES ?? 1_000_000);
const proofCount = Number(process.env.PROOFS ?? 5_000);
const perTransaction = 10_000;

const postgresUrl = process.env.STORE?.startsWith('postgres') ? process.env.STORE : undefined;
const schema = `fp_bench_${process.pid}`;
const dataDir = mkdtempSync(join(tmpdir(), 'fieldproof-micro-ledger-'));
try {
  const store: CloudStore =
    postgresUrl === undefined
      ? await openSqliteCloudStore(join(dataDir, 'cloud.db'))
      : await openPostgresCloudStore({ url: postgresUrl, schema, connectionsMax: 2 });
  const sequencer = await openLogSequencer(store, 'intl');
  const entry = new Uint8Array(64);
  const started = performance.now();
  while (sequencer.size < leaves) {
    const count = Math.min(perTransaction, leaves - sequencer.size);
    const nowMs = Date.now();
    await sequencer.write(async (_tx, stage) => {
      for (let i = 0; i < count; i++) {
        const data = entry.slice();
        new DataView(data.buffer).setFloat64(0, sequencer.size + i);
        stage('bench', data, nowMs);
      }
    });
  }
  const appendMs = performance.now() - started;
  console.log(
    `append (${postgresUrl === undefined ? 'SQLite' : 'PostgreSQL'}): ${Math.round((leaves / appendMs) * 1000)} leaves/s (${leaves} in ${(appendMs / 1000).toFixed(2)} s)`,
  );
  await store.checkpointWal();
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let i = 0; i < 200; i++)
    await proveInclusion('intl', { leafIndex: Math.floor(random() * leaves), treeSize: leaves }, store);
  const samples: number[] = [];
  for (let i = 0; i < proofCount; i++) {
    const leafIndex = Math.floor(random() * leaves);
    const t0 = performance.now();
    await proveInclusion('intl', { leafIndex, treeSize: leaves }, store);
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round((samples[Math.min(samples.length - 1, Math.ceil(q * samples.length) - 1)] as number) * 1000);
  console.log(`proof: p50 ${at(0.5)} µs, p99 ${at(0.99)} µs (${proofCount} proofs at ${leaves} leaves)`);
  await store.close();
} finally {
  rmSync(dataDir, { recursive: true, force: true });
  if (postgresUrl !== undefined) {
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
}
