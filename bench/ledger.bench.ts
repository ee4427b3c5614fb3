/**
 * bench:ledger — the log's figures beside the machine's raw SHA-256 rate (65-byte inputs, the
 * size of an RFC 9162 node hash input, node:crypto), all measured in the same run:
 * leaves/s appended through the cloud's own sequencer into a real SQLite file, inclusion proof
 * build p50/p99 at 10^6 leaves (and 10^7 with BENCH_LEDGER_LARGE=1), frame bundle verify p50/p99,
 * gas per anchor (from bench:anchor's last result), and SM2 verify/s ÷ P-256 verify/s on one thread.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { proveInclusion, verifyFrameBundle } from '@fieldproof/ledger';
import { generateKeyPair, sign, verify } from '@fieldproof/protocol';
import { openLogSequencer } from '../packages/cloud/src/log/log-sequencer.ts';
import { openSqliteCloudStore } from '../packages/cloud/src/storage/sqlite/open-sqlite-cloud-store.ts';
import { buildFrameBundle } from '../packages/ledger/_test/frame-bundle-fixture.ts';
import { describeMachine, progress, writeResults } from './machine.ts';

const leavesPerTransaction = 10_000;
const entryBytes = 64;
const proofSamples = Number(process.env.BENCH_LEDGER_PROOFS ?? 10_000);
const bundleRuns = 1_000;
const largeRun = process.env.BENCH_LEDGER_LARGE === '1';
const sizes = largeRun ? [1_000_000, 10_000_000] : [1_000_000];

/** A seeded generator (mulberry32), so that a run's proof indexes can be reproduced. */
function seededGenerator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** The value at quantile `q` (0–1) of sorted samples, nearest rank. */
function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/** Run `work` until `minimumMs` have passed and at least `minimumRuns` runs; returns runs per second. */
function ratePerSecond(label: string, work: () => void, minimumMs: number, minimumRuns: number): number {
  const started = performance.now();
  let runs = 0;
  while (runs < minimumRuns || performance.now() - started < minimumMs) {
    work();
    runs++;
    if (runs % 16 === 0) progress(label, Math.min(Math.round(performance.now() - started), minimumMs), minimumMs);
  }
  const elapsedMs = performance.now() - started;
  progress(label, minimumMs, minimumMs);
  return (runs / elapsedMs) * 1000;
}

const format = (value: number, digits = 0) =>
  value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });

const machine = describeMachine();
console.log(
  `bench:ledger on ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.date}\n`,
);

// (0) The baseline: raw SHA-256 of 65-byte inputs (0x01 ‖ left ‖ right), one thread.
const nodeInput = Buffer.alloc(65, 0x5a);
nodeInput[0] = 0x01;
const sha256PerSecond =
  ratePerSecond(
    'raw SHA-256',
    () => {
      for (let i = 0; i < 1_000; i++) createHash('sha256').update(nodeInput).digest();
    },
    1_500,
    1,
  ) * 1_000;
console.log(`  raw SHA-256, 65-byte inputs, 1 thread:    ${format(sha256PerSecond)} hashes/s`);

// (1) Frame bundle verification, before the SQLite phases leave garbage for the collector: one real bundle (Ed25519 device, edge and log keys, SHA-256).
const fixture = await buildFrameBundle('intl', { device: 'ed25519', edge: 'ed25519', log: 'ed25519' });
for (let i = 0; i < 100; i++) verifyFrameBundle(fixture.bundle, fixture.trust);
const bundleSamples: number[] = [];
for (let i = 0; i < bundleRuns; i++) {
  const t0 = performance.now();
  const result = verifyFrameBundle(fixture.bundle, fixture.trust);
  bundleSamples.push(performance.now() - t0);
  if (!result.ok) throw new Error(`the bench bundle does not verify: ${JSON.stringify(result.steps)}`);
  if (i % 50 === 49) progress('verify bundle', i + 1, bundleRuns);
}
bundleSamples.sort((a, b) => a - b);
const bundleP50Ms = quantile(bundleSamples, 0.5);
const bundleP99Ms = quantile(bundleSamples, 0.99);
console.log(
  `  frame bundle verify (Ed25519 ×3, intl):   p50 ${format(bundleP50Ms * 1000)} µs, p99 ${format(bundleP99Ms * 1000)} µs   (${format(bundleRuns)} runs after 100 warm-up runs, 1 thread)`,
);
const bundleVerify = {
  p50Us: Math.round(bundleP50Ms * 1000),
  p99Us: Math.round(bundleP99Ms * 1000),
  runs: bundleRuns,
};

// (2) Append, then (3) prove, at each size, in one SQLite file in the cloud's schema.
const dataDir = mkdtempSync(join(tmpdir(), 'fieldproof-bench-ledger-'));
const results: Record<string, unknown> = { bundleVerify };
try {
  const store = await openSqliteCloudStore(join(dataDir, 'cloud.db'));
  const sequencer = await openLogSequencer(store, 'intl');
  const entry = new Uint8Array(entryBytes);
  let appendMs = 0;
  const proofs: Record<string, { p50Ms: number; p99Ms: number; samples: number; dbBytes: number }> = {};
  for (const size of sizes) {
    const started = performance.now();
    const first = sequencer.size;
    while (sequencer.size < size) {
      const count = Math.min(leavesPerTransaction, size - sequencer.size);
      const nowMs = Date.now();
      await sequencer.write(async (_tx, stage) => {
        for (let i = 0; i < count; i++) {
          // Distinct entries: the leaf index in the first 8 bytes (a copy each: staged entries are written at commit).
          const data = entry.slice();
          new DataView(data.buffer).setFloat64(0, sequencer.size + i);
          stage('bench', data, nowMs);
        }
      });
      progress(`append to ${format(size)} leaves`, sequencer.size - first, size - first);
    }
    appendMs += performance.now() - started;
    await store.checkpointWal();
    const dbBytes = statSync(join(dataDir, 'cloud.db')).size;

    const random = seededGenerator(size);
    // Warm up (JIT, statement cache, page cache) before timing; these runs are not counted.
    for (let i = 0; i < 200; i++)
      await proveInclusion('intl', { leafIndex: Math.floor(random() * size), treeSize: size }, store);
    const samples: number[] = [];
    for (let i = 0; i < proofSamples; i++) {
      const leafIndex = Math.floor(random() * size);
      const t0 = performance.now();
      const proof = await proveInclusion('intl', { leafIndex, treeSize: size }, store);
      samples.push(performance.now() - t0);
      if (proof.length === 0 && size > 1) throw new Error('an empty proof for a tree of more than one leaf');
      if (i % 100 === 99) progress(`prove at ${format(size)} leaves`, i + 1, proofSamples);
    }
    samples.sort((a, b) => a - b);
    proofs[String(size)] = {
      p50Ms: quantile(samples, 0.5),
      p99Ms: quantile(samples, 0.99),
      samples: proofSamples,
      dbBytes,
    };
  }
  const appendedPerSecond = (sequencer.size / appendMs) * 1000;
  console.log(
    `  leaves appended (batched, ${format(leavesPerTransaction)}/transaction, ${entryBytes}-byte entries, SQLite WAL synchronous=NORMAL):`,
  );
  console.log(
    `                                            ${format(appendedPerSecond)} leaves/s   (target ≥ 100,000; ${format(sequencer.size)} leaves in ${format(appendMs / 1000, 2)} s)`,
  );
  console.log(
    `                                            = ${format(sha256PerSecond / appendedPerSecond, 1)} raw SHA-256s of time per leaf (a leaf costs 2 hashes on average: its own and ~1 parent)`,
  );
  for (const [size, figures] of Object.entries(proofs)) {
    console.log(
      `  inclusion proof build at ${format(Number(size))} leaves:  p50 ${format(figures.p50Ms * 1000)} µs, p99 ${format(figures.p99Ms * 1000)} µs   (target p99 ≤ 2 ms; ${format(figures.samples)} seeded-random leaves after 200 warm-up proofs, database ${format(figures.dbBytes / 2 ** 20)} MiB)`,
    );
  }
  if (!largeRun) {
    const bytesPerLeaf = (proofs['1000000']?.dbBytes ?? 0) / 1_000_000;
    console.log(
      `  inclusion proof build at 10,000,000 leaves: skipped (set BENCH_LEDGER_LARGE=1): appending 10^7 leaves takes ~${format(10_000_000 / appendedPerSecond / 60, 1)} min here and ~${format((bytesPerLeaf * 10_000_000) / 2 ** 30, 1)} GiB of disk`,
    );
  }
  await store.close();
  results.appendedLeavesPerSecond = Math.round(appendedPerSecond);
  results.appendedLeaves = sequencer.size;
  results.leavesPerTransaction = leavesPerTransaction;
  results.entryBytes = entryBytes;
  results.proofBuild = Object.fromEntries(
    Object.entries(proofs).map(([size, figures]) => [
      size,
      {
        p50Us: Math.round(figures.p50Ms * 1000),
        p99Us: Math.round(figures.p99Ms * 1000),
        samples: figures.samples,
        databaseBytes: figures.dbBytes,
      },
    ]),
  );
  results.proofBuildLargeSkipped = !largeRun;
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}

// (4) Gas per anchor: measured by bench:anchor against a real Anvil node; read, not re-measured.
const anchorPath = join(import.meta.dirname, 'results', 'anchor.json');
try {
  const anchor = JSON.parse(await readFile(anchorPath, 'utf8')) as {
    anchorGasMedian?: number;
    anchorsTotal?: number;
    node?: string;
    machine?: { date?: string };
  };
  console.log(
    `  gas per anchor (median):                  ${format(anchor.anchorGasMedian ?? Number.NaN)} gas   (target ≤ 80,000; from bench/results/anchor.json: ${anchor.anchorsTotal ?? '?'} anchors on ${anchor.node ?? '?'}, ${anchor.machine?.date ?? '?'}; run npm run bench:anchor to refresh)`,
  );
  results.anchorGasMedian = anchor.anchorGasMedian;
  results.anchorGasSource = { file: 'bench/results/anchor.json', date: anchor.machine?.date };
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  console.log(
    '  gas per anchor:                           not measured (no bench/results/anchor.json; run npm run bench:anchor)',
  );
}

// (5) SM2 verify/s ÷ P-256 verify/s, protocol verify, one thread, same message.
const message = new Uint8Array(
  Buffer.from('fieldproof bench: a canonical frame of about this length, 120 bytes or so.'),
);
const rates: Record<'sm2' | 'ecdsa-p256', number> = { sm2: 0, 'ecdsa-p256': 0 };
for (const alg of ['ecdsa-p256', 'sm2'] as const) {
  const key = generateKeyPair(alg);
  const signature = sign(key, message);
  rates[alg] = ratePerSecond(
    `${alg} verify`,
    () => {
      if (!verify(alg, key.publicKey, message, signature)) throw new Error(`${alg} signature does not verify`);
    },
    2_000,
    20,
  );
}
const ratio = rates.sm2 / rates['ecdsa-p256'];
console.log(`  P-256 verify, 1 thread:                   ${format(rates['ecdsa-p256'])} verifications/s`);
console.log(`  SM2 verify, 1 thread:                     ${format(rates.sm2)} verifications/s`);
console.log(`  SM2 ÷ P-256 verify rate:                  ${format(ratio, 3)}   (target ≥ 0.5)`);
results.p256VerifyPerSecond = Math.round(rates['ecdsa-p256']);
results.sm2VerifyPerSecond = Math.round(rates.sm2);
results.ratioSm2ToP256Verify = Number(ratio.toFixed(3));

const path = writeResults('ledger', {
  rawSha256PerSecond: Math.round(sha256PerSecond),
  ...results,
  target: {
    appendedLeavesPerSecondMin: 100_000,
    proofBuildP99UsMax: 2_000,
    anchorGasMax: 80_000,
    ratioSm2ToP256VerifyMin: 0.5,
  },
});
console.log(`\n  figures written to ${path}`);
