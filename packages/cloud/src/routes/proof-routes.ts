import {
  assert,
  FrameProofBundleSchema,
  HashHexSchema,
  SignedFrameSchema,
  type TrustFile,
  TrustFileSchema,
  toBase64,
} from '@fieldproof/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { decodePageCursor, pageQueryFields, pageSchema, toPage } from '../api/page-cursor.ts';
import { deviceAccessOf } from '../auth/device-access.ts';
import { type DataItem, deviceReadScope, deviceScopeCondition } from '../auth/device-read-scope.ts';
import type { CloudContext } from '../context.ts';
import { edgeKeyHistory } from '../edges/edge-key-history.ts';
import { identityStoreOf } from '../identity/identity-store.ts';
import { checkpointFinality } from '../log/checkpoint-finality.ts';
import { buildFrameBundle } from '../proofs/build-frame-bundle.ts';
import type { CloudDatabase } from '../storage/cloud-database.ts';
import { storeKysely } from '../storage/store-kysely.ts';

/** Frames a page holds when the caller names no limit (the console's recent-frames view). */
/** What access control looks at in a stored frame: its device time and the kinds of its readings. */
function frameData(row: { device_time_ms: number; body: string }): DataItem {
  const signed = JSON.parse(row.body) as { frame?: { readings?: { kind: string }[] } };
  return { timeMs: row.device_time_ms, kinds: (signed.frame?.readings ?? []).map((reading) => reading.kind) };
}

export const framePageDefault = 20;

// The cursor is [receivedAtMs, id] of the last frame, or [seq, id] with a deviceId.
const FrameListQuery = z
  .object({
    ...pageQueryFields(['number', 'string']),
    limit: pageQueryFields(['number', 'string']).limit.default(framePageDefault),
    deviceId: z.string().optional(),
  })
  .strict();
const FrameParams = z.object({ id: HashHexSchema }).strict();
const FrameSummary = z.object({
  id: HashHexSchema,
  attestation: z.enum(['device-signed', 'edge-attested']),
  deviceId: z.string(),
  seq: z.number().int(),
  deviceTimeMs: z.number().int(),
  receivedAtMs: z.number().int(),
});
const StoredFrame = SignedFrameSchema.extend({ id: HashHexSchema, receivedAtMs: z.number().int() });

const CheckpointQuery = z.object({ cosigned: z.enum(['0', '1']).optional() }).strict();

/** Frames, their proof bundles, the log's checkpoint (with `?cosigned=1`, its cosignatures too) and the trust file. */
export async function proofRoutes(app: FastifyInstance, context: CloudContext): Promise<void> {
  const { store } = context;
  const db = storeKysely<CloudDatabase>(store);
  const access = deviceAccessOf(context);
  app.get(
    '/v1/frames',
    {
      config: {
        openapi: {
          operationId: 'listFrames',
          summary: "Stored frames, newest received first (or a device's by seq, newest first), a page at a time.",
          tags: ['frames'],
          query: FrameListQuery,
          responses: { 200: pageSchema(FrameSummary) },
        },
      },
    },
    async (request) => {
      const query = FrameListQuery.parse(request.query);
      // A list of one device's frames names that device: refused outright when it is not the caller's to see.
      if (query.deviceId !== undefined) {
        await access.authorize(request, query.deviceId, {}, `device:${query.deviceId}`);
      }
      const position = query.cursor === undefined ? undefined : decodePageCursor(query.cursor, ['number', 'string']);
      const columns = ['id', 'device_id', 'seq', 'device_time_ms', 'received_at_ms'] as const;
      let select = db
        .selectFrom('frame')
        .select(columns)
        .limit(query.limit + 1);
      if (query.deviceId === undefined) {
        select = select.orderBy('received_at_ms', 'desc').orderBy('id');
        if (position) {
          const [receivedAtMs, id] = position as [number, string];
          select = select.where((where) =>
            where.or([
              where('received_at_ms', '<', receivedAtMs),
              where.and([where('received_at_ms', '=', receivedAtMs), where('id', '>', id)]),
            ]),
          );
        }
      } else {
        select = select.where('device_id', '=', query.deviceId).orderBy('seq', 'desc');
        if (position) select = select.where('seq', '<', position[0] as number);
      }
      // The caller's scope is part of the query, so every page is full and its cursor right.
      const { principal } = request;
      const { auth } = context;
      assert(principal !== undefined && auth !== undefined, 'the frame list runs behind installAuth');
      const inScope = deviceScopeCondition(await deviceReadScope(auth, principal, context.clock()), {
        deviceColumn: 'frame.device_id',
        timeColumn: 'frame.device_time_ms',
      });
      if (inScope) select = select.where(inScope);
      const rows = await select.execute();
      const attestations = new Map<string, string>();
      const attestationOf = async (deviceId: string): Promise<string> => {
        // Ingest accepts a device's frames only under its registered attestation, so the device's is the frame's.
        let found = attestations.get(deviceId);
        if (found === undefined) {
          found = (await store.device(deviceId))?.attestation ?? 'device-signed';
          attestations.set(deviceId, found);
        }
        return found;
      };
      const attestationById = new Map<string, string>();
      for (const row of rows.slice(0, query.limit)) attestationById.set(row.id, await attestationOf(row.device_id));
      const page = toPage(
        rows,
        query.limit,
        (row) => (query.deviceId === undefined ? [row.received_at_ms, row.id] : [row.seq, row.id]),
        (row) => ({
          id: row.id,
          attestation: attestationById.get(row.id),
          deviceId: row.device_id,
          seq: row.seq,
          deviceTimeMs: row.device_time_ms,
          receivedAtMs: row.received_at_ms,
        }),
      );
      // The query already left out what the caller may not see; the gate writes the bank's access
      // log rows. The list shows no readings, so it is scoped by device and time, kinds when a frame is read.
      const visible = await access.filter(
        request,
        page.items,
        (item) => ({ deviceId: item.deviceId, timeMs: item.deviceTimeMs }),
        query.deviceId === undefined ? 'frames' : `frames?deviceId=${query.deviceId}`,
      );
      return { ...page, items: visible };
    },
  );
  app.get<{ Params: { id: string } }>(
    '/v1/frames/:id',
    {
      config: {
        openapi: {
          operationId: 'getFrame',
          summary: 'One stored frame as the device signed it, with its receive time.',
          tags: ['frames'],
          params: FrameParams,
          responses: { 200: StoredFrame },
        },
      },
    },
    async (request, reply) => {
      const id = HashHexSchema.parse(request.params.id);
      const row = await store.frame(id);
      if (!row) return reply.code(404).send({ error: { code: 'frame_not_found', message: `no frame ${id}` } });
      await access.authorize(request, row.device_id, frameData(row), `frame:${id}`);
      return { id: row.id, receivedAtMs: row.received_at_ms, ...JSON.parse(row.body) };
    },
  );
  app.get<{ Params: { id: string } }>(
    '/v1/frames/:id/proof',
    {
      config: {
        openapi: {
          operationId: 'getFrameProof',
          summary:
            "A frame's proof bundle: frame, batch inclusion, log inclusion, checkpoint (fieldproof verify checks it offline).",
          tags: ['frames'],
          params: FrameParams,
          responses: { 200: FrameProofBundleSchema },
        },
      },
    },
    async (request, reply) => {
      const frameId = HashHexSchema.parse(request.params.id);
      const row = await store.frame(frameId);
      if (row) await access.authorize(request, row.device_id, frameData(row), `frame:${frameId}/proof`);
      const bundle = await buildFrameBundle(context, { frameId });
      return reply.header('content-type', 'application/json').send(bundle);
    },
  );
  app.get(
    '/v1/log/checkpoint',
    {
      config: {
        openapi: {
          operationId: 'getLogCheckpoint',
          summary:
            "The log's latest signed checkpoint note (C2SP tlog-checkpoint); with cosigned=1 its cosignatures too.",
          tags: ['log'],
          auth: 'none',
          query: CheckpointQuery,
          responses: { 200: { contentType: 'text/plain', description: 'The signed checkpoint note.' } },
        },
      },
    },
    async (request, reply) => {
      const query = CheckpointQuery.parse(request.query);
      const checkpoint = await store.latestCheckpoint();
      if (!checkpoint) return reply.code(404).send({ error: { code: 'not_found', message: 'no checkpoint yet' } });
      // The log's note alone by default (what witnesses fetch); with cosigned=1 the valid cosignatures follow it.
      const note =
        query.cosigned === '1'
          ? (await checkpointFinality(context, checkpoint.note, checkpoint.size)).note
          : checkpoint.note;
      return reply.header('content-type', 'text/plain; charset=utf-8').send(note);
    },
  );
  app.get(
    '/v1/trust',
    {
      config: {
        openapi: {
          operationId: 'getTrustFile',
          summary: 'A trust file of this log, its edges, devices and witnesses (for demos; get keys out of band).',
          tags: ['log'],
          auth: 'none',
          responses: { 200: TrustFileSchema },
        },
      },
    },
    async () => {
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
          (await store.edges()).map((row) => [
            row.edge_id,
            { alg: row.alg as 'ed25519', publicKey: row.public_key.toString('base64') },
          ]),
        ),
        devices: Object.fromEntries(
          (await store.devices())
            // A keyless device has no key to trust: its frames verify with its edge's key.
            .filter((row) => row.attestation !== 'edge-attested')
            .map((row) => [row.device_id, { alg: row.alg as 'ed25519', publicKey: row.public_key.toString('base64') }]),
        ),
      };
      // After a key rotation, each such edge's key history, so bundles from before and after verify.
      const rotated = new Set((await context.edgeOperations?.approvedKeys())?.map((key) => key.edge_id) ?? []);
      if (rotated.size > 0 && context.edgeOperations) {
        trust.edgeKeys = {};
        for (const edgeId of rotated) {
          const history = await edgeKeyHistory(store, context.edgeOperations, edgeId);
          if (!history) continue;
          trust.edgeKeys[edgeId] = history.map((entry) => ({
            alg: entry.alg,
            publicKey: entry.publicKey.toString('base64'),
            fromBatchSeq: entry.fromBatchSeq,
          }));
        }
      }
      // After a device key rotation, each such device's key history by device time.
      const identity = identityStoreOf(store);
      const rotatedDevices = await identity.devicesWithRotatedKeys();
      if (rotatedDevices.length > 0) {
        trust.deviceKeys = {};
        for (const deviceId of rotatedDevices) {
          const device = await store.device(deviceId);
          if (!device) continue;
          trust.deviceKeys[deviceId] = [
            { alg: device.alg as 'ed25519', publicKey: device.public_key.toString('base64'), fromDeviceTimeMs: 0 },
            ...(await identity.deviceKeys(deviceId)).map((key) => ({
              alg: key.alg as 'ed25519',
              publicKey: key.publicKey.toString('base64'),
              fromDeviceTimeMs: key.validFromMs,
            })),
          ];
        }
      }
      if (context.config.witnesses.length > 0) {
        trust.witnesses = Object.fromEntries(
          context.config.witnesses.map((witness) => [witness.name, { alg: witness.alg, publicKey: witness.publicKey }]),
        );
        trust.witnessThreshold = context.config.witnessThreshold;
      }
      return trust;
    },
  );
}
