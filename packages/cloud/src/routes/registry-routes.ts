import { assert, FieldproofError, fromBase64, IdSchema, SignatureAlgorithmSchema } from '@fieldproof/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { decodePageCursor, pageQueryFields, pageSchema, toPage } from '../api/page-cursor.ts';
import { deviceAccessOf } from '../auth/device-access.ts';
import { deviceReadScope, deviceScopeCondition } from '../auth/device-read-scope.ts';
import { requirePermission } from '../auth/require-permission.ts';
import type { CloudContext } from '../context.ts';
import { edgeHealth } from '../edges/edge-health.ts';
import { identityStoreOf } from '../identity/identity-store.ts';
import type { CloudDatabase } from '../storage/cloud-database.ts';
import { storeKysely } from '../storage/store-kysely.ts';

// The owner (docs/access-control.md): a platform admin names it (or leaves it unset); an
// enterprise admin's registrations belong to its own organisation.
const Ownership = { organisationId: IdSchema.optional(), siteId: IdSchema.optional() };
const EdgeBody = z
  .object({
    edgeId: IdSchema,
    alg: SignatureAlgorithmSchema,
    publicKey: z.string().min(1),
    organisationId: IdSchema.optional(),
  })
  .strict();
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
      ...Ownership,
    })
    .strict(),
  // A keyless device (Modbus, OPC UA): no key of its own; its edge signs its frames as edge-attested.
  z
    .object({
      deviceId: IdSchema,
      edgeId: IdSchema,
      attestation: z.literal('edge-attested'),
      activate: z.boolean().optional(),
      ...Ownership,
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
  organisationId: z.string().nullable().describe('The owning organisation (docs/access-control.md)'),
  siteId: z.string().nullable(),
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

/**
 * The organisation a registration belongs to: the one named by a platform admin (or none), the
 * caller's own for anyone else; naming another is `organisation_forbidden`.
 */
async function ownerOf(
  context: CloudContext,
  request: FastifyRequest,
  named: string | undefined,
): Promise<string | null> {
  const principal = requirePermission(request, 'registry:write');
  if (principal.role !== 'platform_admin') {
    if (named !== undefined && named !== principal.organisationId) {
      throw new FieldproofError(
        'organisation_forbidden',
        'you can register edges and devices of your own organisation only',
      );
    }
    return principal.organisationId;
  }
  if (named !== undefined && !(await context.auth?.organisation(named))) {
    throw new FieldproofError('organisation_unknown', `no organisation ${named}`);
  }
  return named ?? null;
}

/** Registration of edges and devices (admin token required); reads of the registry. */
export async function registryRoutes(app: FastifyInstance, context: CloudContext) {
  const { store } = context;
  const db = storeKysely<CloudDatabase>(store);
  const auth = () => {
    if (!context.auth) throw new Error('invariant violated: registry routes need the auth store (installAuth)');
    return context.auth;
  };
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
      const body = EdgeBody.parse(request.body);
      const owner = await ownerOf(context, request, body.organisationId);
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
      const owners = await auth().edgeOwners();
      const currentOwner = owners.get(body.edgeId) ?? null;
      if (!created && currentOwner !== null && currentOwner !== owner && owner !== null) {
        throw new FieldproofError('organisation_forbidden', `edge ${body.edgeId} belongs to another organisation`);
      }
      if (owner !== null && currentOwner !== owner) await auth().assignEdge(body.edgeId, owner);
      if (created) {
        await identityStoreOf(store).recordRegistration('edge', body.edgeId, 'active', {
          reason: 'registered',
          actorId: request.principal?.subject ?? 'admin-token',
          nowMs: context.clock(),
        });
      }
      context.log.info({ edgeId: body.edgeId, created, organisationId: owner }, 'edge registered');
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
      const body = DeviceBody.parse(request.body);
      const principal = requirePermission(request, 'registry:write');
      const owner = await ownerOf(context, request, body.organisationId);
      const edge = await store.edge(body.edgeId);
      if (!edge) {
        return reply
          .code(400)
          .send({ error: { code: 'edge_unknown', message: `edge ${body.edgeId} is not registered` } });
      }
      // An enterprise attaches devices to its own edges only; a site must be the device's organisation's.
      if (principal.role !== 'platform_admin' && (await auth().edgeOwners()).get(body.edgeId) !== owner) {
        throw new FieldproofError('organisation_forbidden', `edge ${body.edgeId} belongs to another organisation`);
      }
      if (body.siteId !== undefined && (await auth().site(body.siteId))?.organisation_id !== (owner ?? undefined)) {
        throw new FieldproofError('organisation_forbidden', `site ${body.siteId} is not the device organisation's`);
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
      const current = (await auth().deviceOwners([body.deviceId])).get(body.deviceId);
      if (!created && principal.role !== 'platform_admin' && current?.organisationId !== owner) {
        throw new FieldproofError('organisation_forbidden', `device ${body.deviceId} belongs to another organisation`);
      }
      if (owner !== null && (current?.organisationId !== owner || (body.siteId ?? null) !== current?.siteId)) {
        await auth().assignDevice(body.deviceId, owner, body.siteId ?? null);
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
      context.log.info(
        { deviceId: body.deviceId, edgeId: body.edgeId, created, status, organisationId: owner },
        'device registered',
      );
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
      // The caller's scope is part of the query (docs/access-control.md), so each page is full.
      const principal = request.principal;
      assert(principal !== undefined, 'the device list runs behind installAuth');
      const inScope = deviceScopeCondition(await deviceReadScope(auth(), principal, context.clock()), {
        deviceColumn: 'device.device_id',
      });
      if (inScope) select = select.where(inScope);
      const page = toPage(
        await select.execute(),
        query.limit,
        (row) => [row.device_id],
        (row) => row,
      );
      const visible = await deviceAccessOf(context).filter(
        request,
        page.items,
        (row) => ({ deviceId: row.device_id }),
        'devices',
      );
      const owners = await auth().deviceOwners(visible.map((row) => row.device_id));
      return {
        ...page,
        items: visible.map((row) => ({
          deviceId: row.device_id,
          alg: row.alg,
          publicKey: row.attestation === 'edge-attested' ? null : Buffer.from(row.public_key).toString('base64'),
          edgeId: row.edge_id,
          lastSeq: row.last_seq,
          attestation: row.attestation,
          organisationId: owners.get(row.device_id)?.organisationId ?? null,
          siteId: owners.get(row.device_id)?.siteId ?? null,
        })),
      };
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
      const visible = await deviceAccessOf(context).visibleEdges(request);
      const owners = await auth().edgeOwners();
      const page = toPage(
        await select.execute(),
        query.limit,
        (row) => [row.edge_id],
        (row) => ({
          edgeId: row.edge_id,
          organisationId: owners.get(row.edge_id) ?? null,
          alg: row.alg,
          publicKey: Buffer.from(row.public_key).toString('base64'),
          lastBatchSeq: row.last_batch_seq,
          ...(({ edgeId: _edgeId, ...health }) => health)(
            edgeHealth(context, row.edge_id, heartbeats.get(row.edge_id)),
          ),
        }),
      );
      return { ...page, items: page.items.filter((item) => visible === undefined || visible.has(item.edgeId)) };
    },
  );
}
