import { fromBase64, IdSchema, SignatureAlgorithmSchema } from '@fieldproof/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { JsonObjectSchema } from '../api/openapi-schemas.ts';
import '../auth/principal.ts';
import type { CloudContext } from '../context.ts';
import { addDeviceKey } from '../identity/add-device-key.ts';
import { assignDevice } from '../identity/assign-device.ts';
import { changeIdentityStatus } from '../identity/change-identity-status.ts';
import { edgeActions, type IdentityAction, identityActions } from '../identity/identity-lifecycle.ts';
import { identityStoreOf } from '../identity/identity-store.ts';
import { readDeviceIdentity, statusHistoryRowsMax } from '../identity/read-device-identity.ts';

/** Longest reason kept in the status history. */
export const statusReasonCharsMax = 1_000;

const Params = z.object({ id: IdSchema }).strict();
const Reason = z.string().min(1).max(statusReasonCharsMax);
const StatusBody = z.object({ reason: Reason }).strict();
// A revocation may reach back: a key known to have leaked earlier refuses frames from then on.
const RevokeBody = z.object({ reason: Reason, effectiveFromMs: z.number().int().min(0).optional() }).strict();
const AssignBody = z.object({ edgeId: IdSchema, reason: Reason.optional() }).strict();
const KeyBody = z
  .object({
    alg: SignatureAlgorithmSchema,
    publicKey: z.string().min(1),
    validFromMs: z.number().int().min(0).optional(),
    reason: Reason.optional(),
  })
  .strict();

const actorOf = (request: FastifyRequest) => request.principal?.subject ?? 'admin-token';

/**
 * The identity lifecycle of devices and edges (docs/identity-lifecycle.md): status changes, device
 * key rotation, moving a device to another edge, and a device's status, keys and history.
 * Admin token required for every change.
 */
export async function identityRoutes(app: FastifyInstance, context: CloudContext) {
  for (const action of identityActions) {
    app.post(
      `/v1/devices/:id/${action}`,
      {
        config: {
          openapi: {
            operationId: `${action}Device`,
            summary: 'Device lifecycle: activate, suspend, resume, revoke or retire (docs/identity-lifecycle.md).',
            tags: ['identity'],
            responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
          },
        },
      },
      async (request) => {
        const { id } = Params.parse(request.params);
        const body: z.infer<typeof RevokeBody> = (action === 'revoke' ? RevokeBody : StatusBody).parse(
          request.body ?? {},
        );
        const result = await changeIdentityStatus(context, {
          kind: 'device',
          id,
          action: action as IdentityAction,
          reason: body.reason,
          actorId: actorOf(request),
          effectiveFromMs: body.effectiveFromMs,
        });
        return { deviceId: id, status: result.to, previousStatus: result.from, changedAtMs: result.changedAtMs };
      },
    );
  }
  for (const action of edgeActions) {
    app.post(
      `/v1/edges/:id/${action}`,
      {
        config: {
          openapi: {
            operationId: `${action}Edge`,
            summary: 'Edge lifecycle: activate, suspend, resume, revoke or retire (docs/identity-lifecycle.md).',
            tags: ['identity'],
            body: StatusBody,
            responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
          },
        },
      },
      async (request) => {
        const { id } = Params.parse(request.params);
        const body = StatusBody.parse(request.body ?? {});
        const result = await changeIdentityStatus(context, {
          kind: 'edge',
          id,
          action,
          reason: body.reason,
          actorId: actorOf(request),
        });
        return { edgeId: id, status: result.to, previousStatus: result.from, changedAtMs: result.changedAtMs };
      },
    );
  }
  app.post(
    '/v1/devices/:id/assign',
    {
      config: {
        openapi: {
          operationId: 'assignDevice',
          summary: 'Move a device to another edge.',
          tags: ['identity'],
          body: AssignBody,
          responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
        },
      },
    },
    async (request) => {
      const { id } = Params.parse(request.params);
      const body = AssignBody.parse(request.body);
      return assignDevice(context, {
        deviceId: id,
        edgeId: body.edgeId,
        actorId: actorOf(request),
        reason: body.reason ?? 'assigned',
      });
    },
  );
  app.post(
    '/v1/devices/:id/keys',
    {
      config: {
        openapi: {
          operationId: 'addDeviceKey',
          summary: 'Rotate a device key from a device time on (old frames keep verifying).',
          tags: ['identity'],
          body: KeyBody,
          responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      const { id } = Params.parse(request.params);
      const body = KeyBody.parse(request.body);
      const publicKey = fromBase64(body.publicKey);
      if (!publicKey)
        return reply.code(400).send({ error: { code: 'device_key_invalid', message: 'publicKey is not base64' } });
      const result = await addDeviceKey(context, {
        deviceId: id,
        alg: body.alg,
        publicKey,
        validFromMs: body.validFromMs,
        actorId: actorOf(request),
        reason: body.reason,
      });
      return reply.code(201).send(result);
    },
  );
  app.get(
    '/v1/devices/:id',
    {
      config: {
        openapi: {
          operationId: 'getDevice',
          summary: 'A device with its status, keys and status history.',
          tags: ['identity'],
          responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
        },
      },
    },
    async (request) => {
      const { id } = Params.parse(request.params);
      return readDeviceIdentity(context, { deviceId: id });
    },
  );
  app.get(
    '/v1/edges/:id/history',
    {
      config: {
        openapi: {
          operationId: 'getEdgeHistory',
          summary: "An edge's status history.",
          tags: ['identity'],
          responses: { 200: JsonObjectSchema, 201: JsonObjectSchema },
        },
      },
    },
    async (request) => {
      const { id } = Params.parse(request.params);
      const identity = identityStoreOf(context.store);
      const state = await identity.edgeState(id);
      if (!state) return { edgeId: id, status: null, history: [] };
      return { edgeId: id, ...state, history: await identity.history('edge', id, statusHistoryRowsMax) };
    },
  );
}
