import { fromBase64, IdSchema, SignatureAlgorithmSchema } from '@fieldproof/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CloudContext } from '../context.ts';
import { edgeHealth } from '../edges/edge-health.ts';

const EdgeBody = z.object({ edgeId: IdSchema, alg: SignatureAlgorithmSchema, publicKey: z.string().min(1) }).strict();
const DeviceBody = z.union([
  z
    .object({
      deviceId: IdSchema,
      alg: SignatureAlgorithmSchema,
      publicKey: z.string().min(1),
      edgeId: IdSchema,
      attestation: z.literal('device-signed').optional(),
    })
    .strict(),
  // A keyless device (Modbus, OPC UA): no key of its own; its edge signs its frames as edge-attested.
  z.object({ deviceId: IdSchema, edgeId: IdSchema, attestation: z.literal('edge-attested') }).strict(),
]);

/** Registration of edges and devices (admin token required); reads of the registry. */
export async function registryRoutes(
  app: FastifyInstance,
  context: CloudContext,
) {
  const { store } = context;
  app.post('/v1/edges', async (request, reply) => {
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
    context.log.info({ edgeId: body.edgeId, created }, 'edge registered');
    return reply.code(created ? 201 : 200).send({ edgeId: body.edgeId, created });
  });
  app.post('/v1/devices', async (request, reply) => {
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
    const created = await store.insertDevice(body.deviceId, alg, publicKey, body.edgeId, context.clock(), attestation);
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
    context.log.info({ deviceId: body.deviceId, edgeId: body.edgeId, created }, 'device registered');
    return reply.code(created ? 201 : 200).send({ deviceId: body.deviceId, created });
  });
  app.get('/v1/devices', async () => ({
    items: (await store.devices()).map((row) => ({
      deviceId: row.device_id,
      alg: row.alg,
      publicKey: row.attestation === 'edge-attested' ? null : row.public_key.toString('base64'),
      edgeId: row.edge_id,
      lastSeq: row.last_seq,
      attestation: row.attestation,
    })),
  }));
  app.get('/v1/edges', async () => {
    // Health from the edges' heartbeats (docs/edge-operations.md), when edge operations run.
    const heartbeats = (await context.edgeOperations?.latestHeartbeats()) ?? new Map();
    return {
      items: (await store.edges()).map((row) => ({
        edgeId: row.edge_id,
        alg: row.alg,
        publicKey: row.public_key.toString('base64'),
        lastBatchSeq: row.last_batch_seq,
        ...(({ edgeId: _edgeId, ...health }) => health)(edgeHealth(context, row.edge_id, heartbeats.get(row.edge_id))),
      })),
    };
  });
}
