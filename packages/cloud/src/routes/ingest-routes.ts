import type { FastifyInstance } from 'fastify';
import type { CloudContext } from '../context.ts';
import { ingestBatch } from '../ingest/ingest-batch.ts';

/** POST /v1/ingest/batches: an edge uploads a signed batch. The edge's signature is its credential. */
export async function ingestRoutes(app: FastifyInstance, context: CloudContext): Promise<void> {
  await app.register(async (scope) => {
    // The raw bytes are kept: a reject is quarantined exactly as it arrived.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: context.config.limits.batchBytesMax * 2 },
      (_request, body, done) => done(null, body),
    );
    scope.post('/v1/ingest/batches', async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const result = await ingestBatch(context, { body, source: `http:${request.ip}` });
      return reply.code(200).send(result);
    });
  });
}
