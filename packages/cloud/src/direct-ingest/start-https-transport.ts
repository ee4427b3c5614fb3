import { FieldproofError, utf8 } from '@fieldproof/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { JsonObjectSchema } from '../api/openapi-schemas.ts';
import type { DirectFrameResult } from './accept-direct-frame.ts';
import type { AcceptDirectFrames, DirectTransport } from './direct-transport.ts';

export interface StartHttpsTransportParameters {
  /** The verify step. */
  accept: AcceptDirectFrames;
  /** Largest frame in bytes. */
  frameBytesMax: number;
  /** Most frames in one upload. */
  directFramesMax: number;
}

/**
 * The HTTPS transport: `POST /v1/ingest/frames` on the cloud's API listener (its TLS when
 * configured), one signed frame as a JSON object or up to `directFramesMax` as a JSON array.
 * The answer comes only once the bus holds the frames durably (in-process: committed to the store;
 * JetStream: its PubAck): one frame gets 202 `{id, deviceId, seq}`
 * or its error's status with `{error: {code, message}}`; an array gets one result per frame, 202
 * when all are durable, else 503 when any may be retried (`bus_full`) and 422 otherwise (the
 * accepted ones are on the bus either way, and sending them again is harmless: duplicates are
 * dropped). The device's signature is its credential. Registered before the server listens.
 */
export async function startHttpsTransport(
  app: FastifyInstance,
  parameters: StartHttpsTransportParameters,
): Promise<DirectTransport> {
  const { accept, frameBytesMax, directFramesMax } = parameters;
  // The whole array, plus JSON framing; a single frame over frameBytesMax is still read and quarantined.
  const bodyLimit = directFramesMax * (frameBytesMax + 2) + 2;
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
    scope.post(
      '/v1/ingest/frames',
      {
        config: {
          openapi: {
            operationId: 'ingestFrames',
            summary: 'Direct ingest: one signed frame or an array, verified and logged by the cloud.',
            tags: ['ingest'],
            auth: 'none',
            responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
          },
        },
      },
      async (request, reply) => {
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const source = request.ip;
        const trimmed = raw.toString('utf8').trimStart();
        if (!trimmed.startsWith('[')) {
          const [result] = (await accept({ frames: [{ bytes: raw }], transport: 'https', source })).results;
          return sendOne(reply, result as DirectFrameResult);
        }
        let elements: unknown[];
        try {
          elements = JSON.parse(trimmed) as unknown[];
        } catch {
          // Quarantined through the verify step like any unreadable frame.
          const [result] = (await accept({ frames: [{ bytes: raw }], transport: 'https', source })).results;
          return sendOne(reply, result as DirectFrameResult);
        }
        if (elements.length === 0 || elements.length > directFramesMax) {
          throw new FieldproofError(
            elements.length === 0 ? 'request_invalid' : 'direct_frames_too_many',
            `an upload holds 1 to directFramesMax ${directFramesMax} frames; this one holds ${elements.length}`,
            { directFramesMax },
          );
        }
        const frames = elements.map((element) => ({ bytes: utf8(JSON.stringify(element)) }));
        const { results } = await accept({ frames, transport: 'https', source });
        const rejected = results.filter((result) => !result.ok);
        const status = rejected.length === 0 ? 202 : rejected.some((result) => result.status === 503) ? 503 : 422;
        return reply.code(status).send({
          accepted: results.length - rejected.length,
          rejected: rejected.length,
          results: results.map((result) =>
            result.ok
              ? { ok: true, id: result.id, deviceId: result.deviceId, seq: result.seq }
              : { ok: false, code: result.code, message: result.message },
          ),
        });
      },
    );
  });
  return { name: 'https', stop: async () => {} };
}

function sendOne(reply: FastifyReply, result: DirectFrameResult): FastifyReply {
  if (result.ok) return reply.code(202).send({ id: result.id, deviceId: result.deviceId, seq: result.seq });
  return reply.code(result.status).send({ error: { code: result.code, message: result.message } });
}
