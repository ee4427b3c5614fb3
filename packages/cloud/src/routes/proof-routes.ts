import { HashHexSchema, type TrustFile, toBase64 } from '@fieldproof/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CloudContext } from '../context.ts';
import { buildFrameBundle } from '../proofs/build-frame-bundle.ts';

const FrameListQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(1000).default(20), deviceId: z.string().optional() })
  .strict();

/** Frames, their proof bundles, the log's checkpoint and the trust file. */
export async function proofRoutes(app: FastifyInstance, context: CloudContext): Promise<void> {
  const { store } = context;
  app.get('/v1/frames', async (request) => {
    const query = FrameListQuery.parse(request.query);
    const rows = store.recentFrames(query.limit, query.deviceId);
    return {
      items: rows.map((row) => ({
        id: row.id,
        deviceId: row.device_id,
        seq: row.seq,
        deviceTimeMs: row.device_time_ms,
        receivedAtMs: row.received_at_ms,
      })),
    };
  });
  app.get<{ Params: { id: string } }>('/v1/frames/:id', async (request, reply) => {
    const id = HashHexSchema.parse(request.params.id);
    const row = store.frame(id);
    if (!row) return reply.code(404).send({ error: { code: 'frame_not_found', message: `no frame ${id}` } });
    return { id: row.id, receivedAtMs: row.received_at_ms, ...JSON.parse(row.body) };
  });
  app.get<{ Params: { id: string } }>('/v1/frames/:id/proof', async (request, reply) => {
    const frameId = HashHexSchema.parse(request.params.id);
    const bundle = await buildFrameBundle(context, { frameId });
    return reply.header('content-type', 'application/json').send(bundle);
  });
  app.get('/v1/log/checkpoint', async (_request, reply) => {
    const checkpoint = store.latestCheckpoint();
    if (!checkpoint) return reply.code(404).send({ error: { code: 'not_found', message: 'no checkpoint yet' } });
    return reply.header('content-type', 'text/plain; charset=utf-8').send(checkpoint.note);
  });
  app.get('/v1/trust', async () => {
    // A convenience for demos and tests: a real verifier gets these keys out of band.
    const trust: TrustFile = {
      v: 1,
      logs: {
        [context.origin]: {
          keyName: context.logKeyName,
          alg: context.logSigner.alg,
          publicKey: toBase64(context.logSigner.publicKey),
        },
      },
      edges: Object.fromEntries(
        store
          .edges()
          .map((row) => [row.edge_id, { alg: row.alg as 'ed25519', publicKey: row.public_key.toString('base64') }]),
      ),
      devices: Object.fromEntries(
        store
          .devices()
          .map((row) => [row.device_id, { alg: row.alg as 'ed25519', publicKey: row.public_key.toString('base64') }]),
      ),
    };
    return trust;
  });
}
