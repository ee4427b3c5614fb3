import {
  type EdgeConfigAnswer,
  EdgeConfigDocumentSchema,
  edgeRequestBytesMax,
  edgeRequestHeaders,
  FieldproofError,
  HeartbeatSchema,
  IdSchema,
  type KeyRotationState,
} from '@fieldproof/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { JsonObjectSchema } from '../api/openapi-schemas.ts';
import type { CloudContext } from '../context.ts';
import { approveKeyRotation } from '../edges/approve-key-rotation.ts';
import { authenticateEdgeRequest } from '../edges/authenticate-edge-request.ts';
import { edgeHealth } from '../edges/edge-health.ts';
import type { EdgeOperationsStore } from '../edges/edge-operations-store.ts';
import { requestKeyRotation } from '../edges/request-key-rotation.ts';

const EdgeParams = z.object({ id: IdSchema }).strict();
const KeyParams = z.object({ id: IdSchema, keyId: z.string().regex(/^[0-9a-f]{32}$/) }).strict();
const ApproveBody = z.object({ fromBatchSeq: z.number().int().min(0).optional() }).strict();
const HeartbeatBody = HeartbeatSchema.extend({ intervalMs: z.number().int().min(100).max(3_600_000) }).strict();

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new FieldproofError('request_invalid', 'the body is not JSON');
  }
}

/**
 * Edge operations (docs/edge-operations.md): versioned remote config (operator PUT, edge GET),
 * heartbeats and health, key rotation (edge request signed by old and new key, operator approval).
 * Edge calls are signed with the edge key (authenticateEdgeRequest); operator calls need the admin token.
 */
export async function edgeOperationsRoutes(
  app: FastifyInstance,
  context: CloudContext,
  operations: EdgeOperationsStore,
): Promise<void> {
  await app.register(async (scope) => {
    // Raw bodies here: a signed request is checked against the exact bytes the edge hashed.
    scope.addContentTypeParser(
      'application/json',
      { parseAs: 'buffer', bodyLimit: edgeRequestBytesMax },
      (_request, body, done) => done(null, body),
    );
    const authenticate = (request: FastifyRequest, edgeId: string) =>
      authenticateEdgeRequest(context, operations, {
        edgeId,
        method: request.method,
        path: request.url,
        headers: request.headers,
        body: (request.body as Buffer | undefined) ?? Buffer.alloc(0),
      });
    const rotationState = async (edgeId: string): Promise<KeyRotationState | null> => {
      const keys = (await operations.keys(edgeId)).filter((key) => key.state !== 'superseded');
      const newest = keys[keys.length - 1];
      return newest
        ? { keyId: newest.key_id, state: newest.state as 'pending' | 'approved', fromBatchSeq: newest.from_batch_seq }
        : null;
    };

    scope.put(
      '/v1/edges/:id/config',
      {
        config: {
          openapi: {
            operationId: 'putEdgeConfig',
            summary: "Store a new version of an edge's remote config.",
            tags: ['edges'],
            params: EdgeParams,
            body: EdgeConfigDocumentSchema,
            responses: { 201: z.object({ edgeId: z.string(), version: z.number().int() }) },
          },
        },
      },
      async (request, reply) => {
        const { id } = EdgeParams.parse(request.params);
        if (!(await context.store.edge(id))) throw new FieldproofError('edge_unknown', `edge ${id} is not registered`);
        const parsed = EdgeConfigDocumentSchema.safeParse(parseJson(request.body as Buffer));
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new FieldproofError(
            'edge_config_invalid',
            `${issue?.path.join('.') || 'config'}: ${issue?.message ?? 'invalid'}`,
          );
        }
        const stored = await operations.putConfig(
          id,
          parsed.data.version,
          JSON.stringify(parsed.data),
          context.clock(),
        );
        if (!stored.stored) {
          throw new FieldproofError(
            'edge_config_version_conflict',
            `edge ${id} has config version ${stored.previous}; a new one must be above it`,
            { storedVersion: stored.previous },
          );
        }
        context.log.info({ edgeId: id, version: parsed.data.version }, 'edge config stored');
        return reply.code(201).send({ edgeId: id, version: parsed.data.version });
      },
    );

    scope.get(
      '/v1/edges/:id/config',
      {
        config: {
          openapi: {
            operationId: 'getEdgeConfig',
            summary: "The edge's latest config and key rotation state (signed by the edge).",
            tags: ['edges'],
            auth: 'edge-signature',
            params: EdgeParams,
            responses: { 200: JsonObjectSchema },
          },
        },
      },
      async (request) => {
        const { id } = EdgeParams.parse(request.params);
        await authenticate(request, id);
        const latest = await operations.latestConfig(id);
        const answer: EdgeConfigAnswer = {
          document: latest ? JSON.parse(latest.body) : null,
          keyRotation: await rotationState(id),
        };
        return answer;
      },
    );

    scope.post(
      '/v1/edges/:id/heartbeats',
      {
        config: {
          openapi: {
            operationId: 'postEdgeHeartbeat',
            summary: "An edge's heartbeat (signed by the edge).",
            tags: ['edges'],
            auth: 'edge-signature',
            params: EdgeParams,
            body: HeartbeatBody,
            responses: { 202: JsonObjectSchema },
          },
        },
      },
      async (request, reply) => {
        const { id } = EdgeParams.parse(request.params);
        await authenticate(request, id);
        const heartbeat = HeartbeatBody.parse(parseJson(request.body as Buffer));
        await operations.insertHeartbeat(id, JSON.stringify(heartbeat), context.clock());
        const latest = await operations.latestConfig(id);
        return reply.code(202).send({ configVersion: latest?.version ?? 0, keyRotation: await rotationState(id) });
      },
    );

    scope.get(
      '/v1/edges/:id/health',
      {
        config: {
          openapi: {
            operationId: 'getEdgeHealth',
            summary: "An edge's health from its heartbeats, and its recent heartbeats.",
            tags: ['edges'],
            params: EdgeParams,
            responses: { 200: JsonObjectSchema },
          },
        },
      },
      async (request) => {
        const { id } = EdgeParams.parse(request.params);
        if (!(await context.store.edge(id))) throw new FieldproofError('edge_unknown', `edge ${id} is not registered`);
        const [row] = await operations.heartbeats(id, 1);
        const history = await operations.heartbeats(id, 20);
        return {
          ...edgeHealth(context, id, row),
          keyRotation: await rotationState(id),
          history: history.map((item) => ({ receivedAtMs: item.received_at_ms, heartbeat: JSON.parse(item.body) })),
        };
      },
    );

    scope.post(
      '/v1/edges/:id/keys',
      {
        config: {
          openapi: {
            operationId: 'requestEdgeKeyRotation',
            summary: 'An edge asks to rotate its key (signed by the old and the new key).',
            tags: ['edges'],
            auth: 'edge-signature',
            params: EdgeParams,
            rawBody: { contentType: 'application/json', description: 'the key rotation request the edge signed' },
            responses: { 200: JsonObjectSchema, 202: JsonObjectSchema },
          },
        },
      },
      async (request, reply) => {
        const { id } = EdgeParams.parse(request.params);
        await authenticate(request, id);
        const result = await requestKeyRotation(context, operations, {
          edgeId: id,
          body: parseJson(request.body as Buffer),
          timestampMs: Number(request.headers[edgeRequestHeaders.timestamp]),
          nonce: String(request.headers[edgeRequestHeaders.nonce]),
        });
        return reply.code(result.created ? 202 : 200).send(result);
      },
    );

    scope.get(
      '/v1/edges/:id/keys',
      {
        config: {
          openapi: {
            operationId: 'listEdgeKeys',
            summary: "An edge's key history.",
            tags: ['edges'],
            params: EdgeParams,
            responses: { 200: JsonObjectSchema },
          },
        },
      },
      async (request) => {
        const { id } = EdgeParams.parse(request.params);
        return {
          items: (await operations.keys(id)).map((key) => ({
            keyId: key.key_id,
            alg: key.alg,
            publicKey: key.public_key.toString('base64'),
            state: key.state,
            fromBatchSeq: key.from_batch_seq,
            requestedAtMs: key.requested_at_ms,
            decidedAtMs: key.decided_at_ms,
          })),
        };
      },
    );

    scope.post(
      '/v1/edges/:id/keys/:keyId/approve',
      {
        config: {
          openapi: {
            operationId: 'approveEdgeKeyRotation',
            summary: "Approve an edge's pending key.",
            tags: ['edges'],
            params: KeyParams,
            body: ApproveBody,
            responses: { 200: JsonObjectSchema },
          },
        },
      },
      async (request) => {
        const { id, keyId } = KeyParams.parse(request.params);
        const body = ApproveBody.parse(parseJson((request.body as Buffer | undefined) ?? Buffer.alloc(0)));
        return approveKeyRotation(context, operations, {
          edgeId: id,
          keyId,
          actorId: 'admin',
          ...(body.fromBatchSeq === undefined ? {} : { fromBatchSeq: body.fromBatchSeq }),
        });
      },
    );
  });
}
