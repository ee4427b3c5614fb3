import { fromBase64, IdSchema, SignatureAlgorithmSchema } from '@fieldproof/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import '../auth/principal.ts';
import { decodePageCursor, pageQueryFields, pageSchema, toPage } from '../api/page-cursor.ts';
import type { CloudContext } from '../context.ts';
import { edgeHealth } from '../edges/edge-health.ts';
import { identityStoreOf } from '../identity/identity-store.ts';
import type { CloudDatabase } from '../storage/cloud-database.ts';
import { storeKysely } from '../storage/store-kysely.ts';

const EdgeBody = z.object({ edgeId: IdSchema, alg: SignatureAlgorithmSchema, publicKey: z.string().min(1) }).strict();
const DeviceBody = z.union([
  z
    .object({
      deviceId: IdSchema,
      alg: SignatureAlgorithmSchema,
      publicKey: z.string().min(1),
      edgeId: IdSchema,
      attestation: z.literal('device-signed').optional(),
      /** False: registered, not active until POST /v1/devices/:id/activate (docs/identity-lifecycle.md). */
      activate: z.boolean().optional(),
    })
    .strict(),
  // A keyless device (Modbus, OPC UA): no key of its own; its edge signs its frames as edge-attested.
  z
    .object({
      deviceId: IdSchema,
      edgeId: IdSchema,
      attestation: z.literal('edge-attested'),
      activate: z.boolean().optional(),
    })
    .strict(),
]);
const ListQuery = z.object(pageQueryFields(['string'])).strict();
const EdgeRegistered = z.object({ edgeId: z.string(), created: z.boolean() });
const DeviceRegistered = z.object({ deviceId: z.string(), created: z.boolean() });
const DeviceView = z.object({
  deviceId: z.string(),
  alg: SignatureAlgorithmSchema,
  publicKey: z.string().nullable().describe('base64; null for an edge-attested (keyless) device'),
  edgeId: z.string(),
  lastSeq: z.number().int().nullable(),
  attestation: z.enum(['device-signed', 'edge-attested']),
});
const EdgeView = z
  .object({
    edgeId: z.string(),
    alg: SignatureAlgorithmSchema,
    publicKey: z.string(),
    lastBatchSeq: z.number().int().nullable(),
  })
  .catchall(z.unknown())
  .describe('An edge and its health from heartbeats (docs/edge-operations.md)');

/** Registration of edges and devices (admin token required); reads of the registry. */
export async function registryRoutes(
  app: FastifyInstance,
  context: CloudContext,
  requireAdmin: (authorization: string | undefined) => void,
) {
  const { store } = context;
  const db = storeKysely<CloudDatabase>(store);
  app.post(
    '/v1/edges',
    {
      config: {
        openapi: {
          operationId: 'registerEdge',
          summary: 'Register an edge gateway and its public key (201 new, 200 the same again, 409 another key).',
          tags: ['registry'],
          body: EdgeBody,
          responses: { 200: EdgeRegistered, 201: EdgeRegistered },
        },
      },
    },
    async (request, reply) => {
      requireAdmin(request.headers.authorization);
      const body = EdgeBody.parse(request.body);
      const publicKey = fromBase64(body.publicKey);
      if (!publicKey)
        return reply.code(400).send({ error: { code: 'request_invalid', message: 'publicKey is not base64' } });
      const created = await store.insertEdge(body.edgeId, body.alg, publicKey, context.clock());
      const existing = await store.edge(body.edgeId);
      if (!created && existing && (existing.alg !== body.alg || !existing.public_key.equals(Buffer.from(publicKey)))) {
        return reply.code(409).send({
          error: {
            code: 'request_invalid',
            message: `edge ${body.edgeId} is registered with another key; rotate it with POST /v1/edges/:id/keys (docs/edge-operations.md)`,
          },
        });
      }
      if (created) {
        await identityStoreOf(store).recordRegistration('edge', body.edgeId, 'active', {
          reason: 'registered',
          actorId: request.principal?.subject ?? 'admin-token',
          nowMs: context.clock(),
        });
      }
      context.log.info({ edgeId: body.edgeId, created }, 'edge registered');
      return reply.code(created ? 201 : 200).send({ edgeId: body.edgeId, created });
    },
  );
  app.post(
    '/v1/devices',
    {
      config: {
        openapi: {
          operationId: 'registerDevice',
          summary: 'Register a device under its edge: with its own key, or keyless (edge-attested).',
          tags: ['registry'],
          body: DeviceBody,
          responses: { 200: DeviceRegistered, 201: DeviceRegistered },
        },
      },
    },
    async (request, reply) => {
      requireAdmin(request.headers.authorization);
      const body = DeviceBody.parse(request.body);
      const edge = await store.edge(body.edgeId);
      if (!edge) {
        return reply
          .code(400)
          .send({ error: { code: 'edge_unknown', message: `edge ${body.edgeId} is not registered` } });
      }
      const attestation = body.attestation ?? 'device-signed';
      // A keyless device keeps the NOT NULL columns with its edge's algorithm and an empty key.
      const alg = 'alg' in body ? body.alg : edge.alg;
      const publicKey = 'publicKey' in body ? fromBase64(body.publicKey) : new Uint8Array();
      if (!publicKey)
        return reply.code(400).send({ error: { code: 'request_invalid', message: 'publicKey is not base64' } });
      const created = await store.insertDevice(
        body.deviceId,
        alg,
        publicKey,
        body.edgeId,
        context.clock(),
        attestation,
      );
      const existing = await store.device(body.deviceId);
      if (
        !created &&
        existing &&
        (existing.alg !== alg ||
          existing.edge_id !== body.edgeId ||
          existing.attestation !== attestation ||
          !existing.public_key.equals(Buffer.from(publicKey)))
      ) {
        return reply.code(409).send({
          error: { code: 'request_invalid', message: `device ${body.deviceId} is registered with another key or edge` },
        });
      }
      // A device starts active unless the body asks otherwise, so registering and sending keeps working.
      const status = body.activate === false ? 'registered' : 'active';
      if (created) {
        await identityStoreOf(store).recordRegistration('device', body.deviceId, status, {
          reason: 'registered',
          actorId: request.principal?.subject ?? 'admin-token',
          nowMs: context.clock(),
        });
      }
      context.log.info({ deviceId: body.deviceId, edgeId: body.edgeId, created, status }, 'device registered');
      return reply.code(created ? 201 : 200).send({ deviceId: body.deviceId, created });
    },
  );
  app.get(
    '/v1/devices',
    {
      config: {
        openapi: {
          operationId: 'listDevices',
          summary: 'Registered devices by id, a page at a time.',
          tags: ['registry'],
          query: ListQuery,
          responses: { 200: pageSchema(DeviceView) },
        },
      },
    },
    async (request) => {
      const query = ListQuery.parse(request.query);
      const after = query.cursor === undefined ? undefined : String(decodePageCursor(query.cursor, ['string'])?.[0]);
      let select = db
        .selectFrom('device')
        .selectAll()
        .orderBy('device_id')
        .limit(query.limit + 1);
      if (after !== undefined) select = select.where('device_id', '>', after);
      return toPage(
        await select.execute(),
        query.limit,
        (row) => [row.device_id],
        (row) => ({
          deviceId: row.device_id,
          alg: row.alg,
          publicKey: row.attestation === 'edge-attested' ? null : Buffer.from(row.public_key).toString('base64'),
          edgeId: row.edge_id,
          lastSeq: row.last_seq,
          attestation: row.attestation,
        }),
      );
    },
  );
  app.get(
    '/v1/edges',
    {
      config: {
        openapi: {
          operationId: 'listEdges',
          summary: 'Registered edges by id with their health, a page at a time.',
          tags: ['registry'],
          query: ListQuery,
          responses: { 200: pageSchema(EdgeView) },
        },
      },
    },
    async (request) => {
      const query = ListQuery.parse(request.query);
      const after = query.cursor === undefined ? undefined : String(decodePageCursor(query.cursor, ['string'])?.[0]);
      let select = db
        .selectFrom('edge')
        .selectAll()
        .orderBy('edge_id')
        .limit(query.limit + 1);
      if (after !== undefined) select = select.where('edge_id', '>', after);
      // Health from the edges' heartbeats (docs/edge-operations.md), when edge operations run.
      const heartbeats = (await context.edgeOperations?.latestHeartbeats()) ?? new Map();
      return toPage(
        await select.execute(),
        query.limit,
        (row) => [row.edge_id],
        (row) => ({
          edgeId: row.edge_id,
          alg: row.alg,
          publicKey: Buffer.from(row.public_key).toString('base64'),
          lastBatchSeq: row.last_batch_seq,
          ...(({ edgeId: _edgeId, ...health }) => health)(
            edgeHealth(context, row.edge_id, heartbeats.get(row.edge_id)),
          ),
        }),
      );
    },
  );
}
