import { gzipSync } from 'node:zlib';
import {
  encodeEntryBundle,
  formatTilePath,
  isTileInTree,
  parseTilePath,
  type Tile,
  TileError,
  tileHashIndexes,
  tileWidthMax,
} from '@fieldproof/ledger';
import { FieldproofError } from '@fieldproof/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { CloudContext } from '../context.ts';

/** Cache-Control of tiles and entry bundles: their bytes never change, full or partial (c2sp.org/tlog-tiles). */
export const tileCacheControl = 'public, max-age=31536000, immutable';

/** Cache-Control of /checkpoint: it changes with every checkpoint, so caches keep it for a few seconds at most. */
export const checkpointCacheControl = 'public, max-age=2, must-revalidate';

/** Cache-Control of a 404 for a tile beyond the checkpoint: the tile will exist once the log grows. */
const notYetCacheControl = 'no-store';

function notFound(reply: FastifyReply, message: string, details: Record<string, unknown>) {
  return reply
    .code(404)
    .header('cache-control', notYetCacheControl)
    .send({ error: { code: 'not_found', message, details } });
}

/**
 * The log as a c2sp.org/tlog-tiles tiled log, for any third-party tlog client to follow:
 * `GET /checkpoint` (the latest signed checkpoint note, text/plain), `GET /tile/<L>/<N>[.p/<W>]`
 * (the tree's hashes at level 8·L with indexes N·256 … N·256+W−1, 32 bytes each) and
 * `GET /tile/entries/<N>[.p/<W>]` (those leaves' entries, each a big-endian uint16 length and its
 * bytes; gzip when the client accepts it). A tile is served only when the latest checkpoint's
 * tree holds all of it: beyond it the answer is 404 `not_found`, not cached. A path that is not
 * the spec's canonical spelling is 400 `request_invalid`. The hashes are the log suite's: SHA-256
 * for `intl` as the spec has it, SM3 for `sm`.
 */
export async function tileRoutes(app: FastifyInstance, context: CloudContext): Promise<void> {
  const { store } = context;
  app.get('/checkpoint', async (_request, reply) => {
    const checkpoint = await store.latestCheckpoint();
    if (!checkpoint) return notFound(reply, 'no checkpoint yet', {});
    return reply
      .header('content-type', 'text/plain; charset=utf-8')
      .header('cache-control', checkpointCacheControl)
      .send(checkpoint.note);
  });
  app.get<{ Params: { '*': string } }>('/tile/*', async (request, reply) => {
    let tile: Tile;
    try {
      tile = parseTilePath(`tile/${request.params['*']}`);
    } catch (error) {
      if (error instanceof TileError) throw new FieldproofError('request_invalid', error.message, error.details);
      throw error;
    }
    const treeSize = (await store.latestCheckpoint())?.size ?? 0;
    if (!isTileInTree(tile, treeSize)) {
      return notFound(reply, `${formatTilePath(tile)} is beyond the latest checkpoint (tree size ${treeSize})`, {
        treeSize,
      });
    }
    reply.header('content-type', 'application/octet-stream').header('cache-control', tileCacheControl);
    if (tile.level !== 'entries') return reply.send(Buffer.concat(await store.readHashes(tileHashIndexes(tile))));
    const bundle = encodeEntryBundle(await store.readLogEntries(tile.index * tileWidthMax, tile.width));
    reply.header('vary', 'accept-encoding');
    if (!/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) return reply.send(Buffer.from(bundle));
    return reply.header('content-encoding', 'gzip').send(gzipSync(bundle));
  });
}
