import { HashHexSchema, type TrustFile, toBase64 } from '@fieldproof/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { deviceAccessOf } from '../auth/device-access.ts';
import type { DataItem } from '../auth/device-read-scope.ts';
import type { CloudContext } from '../context.ts';
import { edgeKeyHistory } from '../edges/edge-key-history.ts';
import { checkpointFinality } from '../log/checkpoint-finality.ts';
import { buildFrameBundle } from '../proofs/build-frame-bundle.ts';

const FrameListQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(1000).default(20), deviceId: z.string().optional() })
  .strict();

/** What access control looks at in a stored frame: its device time and the kinds of its readings. */
function frameData(row: { device_time_ms: number; body: string }): DataItem {
  const signed = JSON.parse(row.body) as { frame?: { readings?: { kind: string }[] } };
  return { timeMs: row.device_time_ms, kinds: (signed.frame?.readings ?? []).map((reading) => reading.kind) };
}

const CheckpointQuery = z.object({ cosigned: z.enum(['0', '1']).optional() }).strict();

/** Frames, their proof bundles, the log's checkpoint (with `?cosigned=1`, its cosignatures too) and the trust file. */
export async function proofRoutes(app: FastifyInstance, context: CloudContext): Promise<void> {
  const { store } = context;
  const access = deviceAccessOf(context);
  app.get('/v1/frames', async (request) => {
    const query = FrameListQuery.parse(request.query);
    // A list of one device's frames names that device: refused outright when it is not the caller's to see.
    if (query.deviceId !== undefined) await access.authorize(request, query.deviceId, {}, `device:${query.deviceId}`);
    // Rows the caller may not see are dropped after the query, so a page can hold fewer than `limit`.
    const rows = await access.filter(
      request,
      await store.recentFrames(query.limit, query.deviceId),
      // The list shows no readings, so it is scoped by device and time; kinds are checked when a frame is read.
      (row) => ({ deviceId: row.device_id, timeMs: row.device_time_ms }),
      query.deviceId === undefined ? 'frames' : `frames?deviceId=${query.deviceId}`,
    );
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
    await access.authorize(request, row.device_id, frameData(row), `frame:${id}`);
    return { id: row.id, receivedAtMs: row.received_at_ms, ...JSON.parse(row.body) };
  });
  app.get<{ Params: { id: string } }>('/v1/frames/:id/proof', async (request, reply) => {
    const frameId = HashHexSchema.parse(request.params.id);
    const row = await store.frame(frameId);
    if (row) await access.authorize(request, row.device_id, frameData(row), `frame:${frameId}/proof`);
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
    if (context.config.witnesses.length > 0) {
      trust.witnesses = Object.fromEntries(
        context.config.witnesses.map((witness) => [witness.name, { alg: witness.alg, publicKey: witness.publicKey }]),
      );
      trust.witnessThreshold = context.config.witnessThreshold;
    }
    return trust;
  });
}
