// A third-party c2sp.org/tlog-tiles client against a real cloud: it trusts only the log's key,
// reads /checkpoint and the tiles over HTTP, and recomputes roots and proofs from them alone.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CloudServer, startCloudServer } from '@fieldproof/cloud';
import {
  createTileHashReader,
  decodeEntryBundle,
  formatTilePath,
  type Hash,
  hashLeaf,
  merkleRoot,
  type OpenCheckpointResult,
  openCheckpoint,
  proveConsistency,
  proveInclusion,
  type Tile,
  treeHash,
  verifyConsistency,
  verifyInclusion,
} from '@fieldproof/ledger';
import { fromBase64, type TrustFile, toHex } from '@fieldproof/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEdge, type EdgeChain, newEdgeChain, type TestEdge } from '../_test/edge-batches.ts';
import { dropSchema, freshSchemaName, postgresAvailable, postgresTestUrl } from '../_test/postgres.ts';
import { getJson } from '../_test/wait-for.ts';

// The same client against a cloud on each store: SQLite (embedded) and PostgreSQL (scale-out).
const postgresUp = await postgresAvailable();
const backends = [
  { name: 'sqlite', up: true },
  { name: 'postgres', up: postgresUp },
] as const;

describe.each(backends)('on $name', (backend) => {
  if (!backend.up) {
    it.skip('needs PostgreSQL', () => {});
    return;
  }
  const schema = freshSchemaName();
  const dataDir = mkdtempSync(join(tmpdir(), 'fieldproof-tiles-'));
  let cloud: CloudServer;
  let edge: TestEdge;
  const chain: EdgeChain = newEdgeChain();
  let trustedKey: { keyName: string; alg: TrustFile['logs'][string]['alg']; publicKey: Uint8Array };

  /** Each batch the edge uploads becomes one log entry: post batches until the log has `size` leaves. */
  async function growLogTo(size: number): Promise<void> {
    while (cloud.context.sequencer.size < size) {
      await edge.appendBatch(cloud.url, chain, chain.batchSeq, 1);
    }
    expect(cloud.context.sequencer.size).toBe(size);
  }

  async function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${cloud.url}/${path}`, { headers });
  }

  async function getBytes(path: string): Promise<Uint8Array> {
    const response = await get(path);
    if (response.status !== 200) throw new Error(`GET /${path}: ${response.status} ${await response.text()}`);
    return new Uint8Array(await response.arrayBuffer());
  }

  /** What a tlog client does first: fetch /checkpoint and verify it with the log's key it was given. */
  async function fetchCheckpoint(): Promise<OpenCheckpointResult> {
    const response = await get('checkpoint');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(response.headers.get('cache-control')).toMatch(/max-age=[0-9]\b/);
    return openCheckpoint(await response.text(), trustedKey);
  }

  /** A tile reader over HTTP that records the paths it fetched. */
  function httpTileReader(treeSize: number) {
    const fetched: string[] = [];
    const reader = createTileHashReader('intl', {
      treeSize,
      fetchTile: async (tile: Tile) => {
        const path = formatTilePath(tile);
        fetched.push(path);
        return getBytes(path);
      },
    });
    return { reader, fetched };
  }

  /** The tree's root computed the plainest way: every leaf hash from the level-0 tiles, then RFC 9162 MTH. */
  async function rootFromLevelZeroTiles(treeSize: number): Promise<{ root: Hash; leafHashes: Hash[] }> {
    const leafHashes: Hash[] = [];
    for (let index = 0; index * 256 < treeSize; index++) {
      const width = Math.min(256, treeSize - index * 256);
      const bytes = await getBytes(formatTilePath({ level: 0, index, width }));
      expect(bytes.length).toBe(width * 32);
      for (let i = 0; i < width; i++) leafHashes.push(bytes.subarray(i * 32, (i + 1) * 32));
    }
    return { root: merkleRoot('intl', leafHashes), leafHashes };
  }

  /** Entries from the entry bundles, each checked against its level-0 tile hash. */
  async function entriesMatchingTiles(treeSize: number, leafHashes: readonly Hash[]): Promise<Uint8Array[]> {
    const entries: Uint8Array[] = [];
    for (let index = 0; index * 256 < treeSize; index++) {
      const width = Math.min(256, treeSize - index * 256);
      entries.push(...decodeEntryBundle(await getBytes(formatTilePath({ level: 'entries', index, width }))));
    }
    expect(entries).toHaveLength(treeSize);
    entries.forEach((entry, i) => {
      expect(toHex(hashLeaf('intl', entry))).toBe(toHex(leafHashes[i] as Hash));
    });
    return entries;
  }

  /** Rebuild inclusion proofs from tiles and check them with the ledger verifier against the checkpoint root. */
  async function checkInclusionFromTiles(checkpoint: OpenCheckpointResult, entries: readonly Uint8Array[]) {
    const { reader } = httpTileReader(checkpoint.size);
    for (const leafIndex of [0, 1, 200, 255, 256, checkpoint.size - 1]) {
      const proof = await proveInclusion('intl', { leafIndex, treeSize: checkpoint.size }, reader);
      verifyInclusion('intl', {
        leafIndex,
        treeSize: checkpoint.size,
        leafHash: hashLeaf('intl', entries[leafIndex] as Uint8Array),
        proof,
        rootHash: checkpoint.rootHash,
      });
      // The cloud's own proof of that entry, from its stored hashes, is the same one.
      const stored = await proveInclusion('intl', { leafIndex, treeSize: checkpoint.size }, cloud.context.store);
      expect(proof.map(toHex)).toEqual(stored.map(toHex));
    }
  }

  beforeAll(async () => {
    // No checkpoint on a timer: the test publishes each size it wants to check.
    cloud = await startCloudServer({
      dataDir,
      http: { port: 0 },
      checkpointIntervalMs: 3_600_000,
      ...(backend.name === 'postgres' ? { store: { kind: 'postgres', url: postgresTestUrl, schema } } : {}),
    });
    edge = createTestEdge('edge-tiles');
    await edge.register(cloud.url, cloud.adminToken);
    const trust = await getJson<TrustFile>(`${cloud.url}/v1/trust`);
    const log = trust.logs[cloud.origin];
    if (!log) throw new Error('the trust file does not name the log');
    trustedKey = { keyName: log.keyName, alg: log.alg, publicKey: fromBase64(log.publicKey) as Uint8Array };
  });

  afterAll(async () => {
    await cloud?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    if (backend.name === 'postgres') await dropSchema(schema);
  });

  describe('the cloud as a tiled log (c2sp.org/tlog-tiles)', () => {
    it('serves no checkpoint and no tile before the first checkpoint', async () => {
      expect((await get('checkpoint')).status).toBe(404);
      await growLogTo(1);
      const response = await get('tile/0/000.p/1');
      expect(response.status).toBe(404);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_found');
    });

    it('lets a client recompute the root of 300 leaves from tiles and prove inclusion', async () => {
      await growLogTo(300);
      expect(await cloud.checkpointNow()).toBe(300);
      const checkpoint = await fetchCheckpoint();
      expect(checkpoint.size).toBe(300);

      const plain = await rootFromLevelZeroTiles(300);
      expect(toHex(plain.root)).toBe(toHex(checkpoint.rootHash));
      const { reader, fetched } = httpTileReader(300);
      expect(toHex(await treeHash('intl', 300, reader))).toBe(toHex(checkpoint.rootHash));
      // 300 = 256 + 44: the first 256 leaves' root is the one hash of the partial level-1 tile.
      expect([...new Set(fetched)].sort()).toEqual(['tile/0/001.p/44', 'tile/1/000.p/1']);

      const entries = await entriesMatchingTiles(300, plain.leafHashes);
      expect(JSON.parse(Buffer.from(entries[0] as Uint8Array).toString('utf8'))).toMatchObject({ kind: 'batch' });
      await checkInclusionFromTiles(checkpoint, entries);
    });

    it('answers with the spec headers, and 404 for tiles beyond the checkpoint', async () => {
      const full = await get('tile/0/000');
      expect(full.status).toBe(200);
      expect(full.headers.get('content-type')).toBe('application/octet-stream');
      expect(full.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect((await full.arrayBuffer()).byteLength).toBe(8192);
      const bundle = await get('tile/entries/001.p/44', { 'accept-encoding': 'gzip' });
      expect(bundle.status).toBe(200);
      expect(bundle.headers.get('content-encoding')).toBe('gzip');
      expect(decodeEntryBundle(new Uint8Array(await bundle.arrayBuffer()))).toHaveLength(44);
      const head = await fetch(`${cloud.url}/tile/0/001.p/44`, { method: 'HEAD' });
      expect(head.status).toBe(200);

      // The log has 300 leaves checkpointed: one more hash, a full second tile, a level-1 tile are not there yet.
      await growLogTo(320);
      for (const path of ['tile/0/001.p/45', 'tile/0/001', 'tile/1/000.p/2', 'tile/1/000', 'tile/entries/001.p/45']) {
        const response = await get(path);
        expect(response.status, path).toBe(404);
        expect(((await response.json()) as { error: { message: string } }).error.message).toContain('tree size 300');
      }
      // Level 1 has one hash in a tree of 300 (leaves 0–255), so that partial tile is served.
      expect((await getBytes('tile/1/000.p/1')).length).toBe(32);

      for (const path of ['tile/0/1', 'tile/0/x000/001', 'tile/0/000.p/256', 'tile/64/000', 'tile/entries/000.p/0']) {
        const response = await get(path);
        expect(response.status, path).toBe(400);
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe('request_invalid');
      }
    });

    it('lets a client follow the log to 600 leaves: root, inclusion and consistency from tiles', async () => {
      const previous = await fetchCheckpoint();
      await growLogTo(600);
      expect(await cloud.checkpointNow()).toBe(600);
      const checkpoint = await fetchCheckpoint();
      expect(checkpoint.size).toBe(600);

      const plain = await rootFromLevelZeroTiles(600);
      expect(toHex(plain.root)).toBe(toHex(checkpoint.rootHash));
      const { reader, fetched } = httpTileReader(600);
      expect(toHex(await treeHash('intl', 600, reader))).toBe(toHex(checkpoint.rootHash));
      // 600 = 512 + 88: the left 512 leaves are the two hashes of the partial level-1 tile.
      expect([...new Set(fetched)].sort()).toEqual(['tile/0/002.p/88', 'tile/1/000.p/2']);

      const entries = await entriesMatchingTiles(600, plain.leafHashes);
      await checkInclusionFromTiles(checkpoint, entries);

      const proof = await proveConsistency('intl', { size1: previous.size, size2: checkpoint.size }, reader);
      verifyConsistency('intl', {
        size1: previous.size,
        size2: checkpoint.size,
        proof,
        root1: previous.rootHash,
        root2: checkpoint.rootHash,
      });

      // A partial tile stays as it was: the width-44 tile is the head of the now full tile.
      const partial = await getBytes('tile/0/001.p/44');
      expect(toHex(partial)).toBe(toHex((await getBytes('tile/0/001')).subarray(0, 44 * 32)));
    });
  });
});
