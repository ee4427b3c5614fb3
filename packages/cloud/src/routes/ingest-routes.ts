import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';
import { FieldproofError } from '@fieldproof/protocol';
import type { FastifyInstance } from 'fastify';
import { JsonObjectSchema } from '../api/openapi-schemas.ts';
import type { CloudContext } from '../context.ts';
import { ingestBatch } from '../ingest/ingest-batch.ts';

const decoders = {
  gzip: promisify(gunzip),
  br: promisify(brotliDecompress),
  deflate: promisify(inflate),
} as const;

/**
 * POST /v1/ingest/batches: an edge uploads a signed batch. The edge's signature is its credential.
 * A body with `Content-Encoding: gzip`, `br` or `deflate` (the edge's low-bandwidth profile) is
 * inflated off the event loop with its output capped at `limits.batchBytesMax`: a body that would
 * inflate past it (a zip bomb) is stopped there, quarantined as it arrived and answered 413
 * `payload_too_large`, so no more than batchBytesMax is ever allocated for it.
 */
export async function ingestRoutes(app: FastifyInstance, context: CloudContext): Promise<void> {
  await app.register(async (scope) => {
    // The raw bytes are kept: a reject is quarantined exactly as it arrived.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: context.config.limits.batchBytesMax * 2 },
      (_request, body, done) => done(null, body),
    );
    scope.post(
      '/v1/ingest/batches',
      {
        config: {
          openapi: {
            operationId: 'ingestBatch',
            summary: 'An edge uploads a signed batch (gzip, br or deflate allowed).',
            tags: ['ingest'],
            auth: 'edge-signature',
            rawBody: { contentType: 'application/json', description: 'the signed batch, as the edge signed it' },
            responses: { 200: JsonObjectSchema },
          },
        },
      },
      async (request, reply) => {
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const source = `http:${request.ip}`;
        const body = await decodeBody(context, raw, request.headers['content-encoding'], source);
        const result = await ingestBatch(context, { body, source });
        return reply.code(200).send(result);
      },
    );
  });
}

async function decodeBody(
  context: CloudContext,
  raw: Buffer,
  contentEncoding: string | undefined,
  source: string,
): Promise<Buffer> {
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return raw;
  const reject = async (error: FieldproofError): Promise<never> => {
    const keep = Math.min(raw.length, context.config.limits.quarantinePayloadBytesMax);
    // `await` keeps this right whether the store answers now (SQLite) or later (an async store).
    await context.store.quarantine({
      receivedAtMs: context.clock(),
      source,
      code: error.code,
      message: error.message,
      edgeId: null,
      payload: raw.subarray(0, keep),
      payloadBytes: raw.length,
    });
    context.log.warn({ code: error.code, encoding, bytes: raw.length }, error.message);
    throw error;
  };
  if (!Object.hasOwn(decoders, encoding)) {
    return reject(
      new FieldproofError('batch_malformed', `Content-Encoding ${encoding} is not supported; use gzip, br or deflate`),
    );
  }
  const limit = context.config.limits.batchBytesMax;
  try {
    return await decoders[encoding as keyof typeof decoders](raw, { maxOutputLength: limit });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      return reject(
        new FieldproofError(
          'payload_too_large',
          `a ${raw.length}-byte ${encoding} body inflates past batchBytesMax ${limit}; rejected unread`,
        ),
      );
    }
    return reject(
      new FieldproofError('batch_malformed', `the ${encoding} body does not decode: ${(error as Error).message}`),
    );
  }
}
