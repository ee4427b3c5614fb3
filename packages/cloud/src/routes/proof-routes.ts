import { HashHexSchema, type TrustFile, toBase64 } from '@fieldproof/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CloudContext } from '../context.ts';
import { edgeKeyHistory } from '../edges/edge-key-history.ts';
import { identityStoreOf } from '../identity/identity-store.ts';
import { checkpointFinality } from '../log/checkpoint-finality.ts';
import { buildFrameBundle } from '../proofs/build-frame-bundle.ts';

const FrameListQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(1000).default(20), deviceId: z.string().optional() })
  .strict();

const CheckpointQuery = z.object({ cosigned: z.enum(['0', '1']).optional() }).strict();

/** Frames, their proof bundles, the log's checkpoint (with `?cosigned=1`, its cosignatures too) and the trust file. */
export async function proofRoutes(app: FastifyInstance, context: CloudContext): Promise<void> {
  const { store } = context;
  app.get('/v1/frames', async (request) => {
    const query = FrameListQuery.parse(request.query);
    const rows = await store.recentFrames(query.limit, query.deviceId);
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
    const items = [];
    for (const row of rows) {
      items.push({
        id: row.id,
        attestation: await attestationOf(row.device_id),
        deviceId: row.device_id,
        seq: row.seq,
        deviceTimeMs: row.device_time_ms,
        receivedAtMs: row.received_at_ms,
      });
    }
    return { items };
  });
  app.get<{ Params: { id: string } }>('/v1/frames/:id', async (request, reply) => {
    const id = HashHexSchema.parse(request.params.id);
    const row = await store.frame(id);
    if (!row) return reply.code(404).send({ error: { code: 'frame_not_found', message: `no frame ${id}` } });
    return { id: row.id, receivedAtMs: row.received_at_ms, ...JSON.parse(row.body) };
  });
  app.get<{ Params: { id: string } }>('/v1/frames/:id/proof', async (request, reply) => {
    const frameId = HashHexSchema.parse(request.params.id);
    const bundle = await buildFrameBundle(context, { frameId });
    return reply.header('content-type', 'application/json').send(bundle);
  });
  app.get('/v1/log/checkpoint', async (request, reply) => {
    const query = CheckpointQuery.parse(request.query);
    const checkpoint = await store.latestCheckpoint();
    if (!checkpoint) return reply.code(404).send({ error: { code: 'not_found', message: 'no checkpoint yet' } });
    // The log's note alone by default (what witnesses fetch); with cosigned=1 the valid cosignatures follow it.
    const note =
      query.cosigned === '1'
        ? (await checkpointFinality(context, checkpoint.note, checkpoint.size)).note
        : checkpoint.note;
    return reply.header('content-type', 'text/plain; charset=utf-8').send(note);
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
  });
}
