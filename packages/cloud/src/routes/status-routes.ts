import { formatPrometheusText } from '@fieldproof/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { deviceAccessOf } from '../auth/device-access.ts';
import type { CloudContext } from '../context.ts';
import { findFinalCheckpoint } from '../log/find-final-checkpoint.ts';
import { eventMetricFamilies } from './event-routes.ts';

const QuarantineQuery = z
  .object({
    after: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

/** Health, status counts and the quarantine. */
export async function statusRoutes(app: FastifyInstance, context: CloudContext): Promise<void> {
  const { store } = context;
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/v1/status', async () => {
    const totals = await store.totals();
    const checkpoint = await store.latestCheckpoint();
    return {
      suite: context.suite,
      origin: context.origin,
      frames: totals.frames,
      batches: totals.batches,
      devices: totals.devices,
      edges: totals.edges,
      logSize: context.sequencer.size,
      checkpointSize: checkpoint?.size ?? 0,
      // Final: cosigned by witnessThreshold of the configured witnesses (every checkpoint without witnesses).
      finalCheckpointSize: (await findFinalCheckpoint(context))?.size ?? 0,
      witnesses: await Promise.all(
        context.config.witnesses.map(async (witness) => ({
          name: witness.name,
          cosignedSize: await context.cosignatures.witnessSize(witness.name),
        })),
      ),
      witnessThreshold: context.config.witnessThreshold,
      quarantined: totals.quarantined,
      rejects: await store.rejectCounts(),
    };
  });
  app.get('/metrics', async (_request, reply) => {
    const totals = await store.totals();
    const checkpoint = await store.latestCheckpoint();
    const text = formatPrometheusText([
      {
        name: 'fieldproof_frames_total',
        help: 'Frames stored (device-signed facts).',
        type: 'counter',
        samples: [{ value: totals.frames }],
      },
      {
        name: 'fieldproof_batches_total',
        help: 'Edge batches accepted and logged.',
        type: 'counter',
        samples: [{ value: totals.batches }],
      },
      {
        name: 'fieldproof_log_size',
        help: 'Leaves in the log.',
        type: 'gauge',
        samples: [{ value: context.sequencer.size }],
      },
      {
        name: 'fieldproof_checkpoint_size',
        help: 'Size of the latest signed checkpoint.',
        type: 'gauge',
        samples: [{ value: checkpoint?.size ?? 0 }],
      },
      {
        name: 'fieldproof_checkpoint_lag_leaves',
        help: 'Leaves appended but not yet covered by a signed checkpoint.',
        type: 'gauge',
        samples: [{ value: context.sequencer.size - (checkpoint?.size ?? 0) }],
      },
      {
        name: 'fieldproof_rejects_total',
        help: 'Rejected inputs by code (each kept in quarantine).',
        type: 'counter',
        samples: Object.entries(await store.rejectCounts()).map(([code, value]) => ({ labels: { code }, value })),
      },
      { name: 'fieldproof_devices', help: 'Registered devices.', type: 'gauge', samples: [{ value: totals.devices }] },
      { name: 'fieldproof_edges', help: 'Registered edges.', type: 'gauge', samples: [{ value: totals.edges }] },
      ...(await Promise.all((context.metricSources ?? []).map((source) => source()))).flat(),
      ...(await eventMetricFamilies(context.events)),
    ]);
    return reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(text);
  });
  app.get('/v1/quarantine', async (request) => {
    const query = QuarantineQuery.parse(request.query);
    // Quarantined inputs are operations data: an enterprise sees its own edges' rejects only.
    const page = await store.quarantineList(query.after, query.limit);
    const edges = await deviceAccessOf(context).visibleEdges(request);
    const rows = edges === undefined ? page : page.filter((row) => row.edge_id !== null && edges.has(row.edge_id));
    return {
      items: rows.map((row) => ({
        id: row.id,
        receivedAtMs: row.received_at_ms,
        source: row.source,
        code: row.code,
        message: row.message,
        edgeId: row.edge_id,
        payloadBytes: row.payload_bytes,
        payloadBase64: row.payload.toString('base64'),
      })),
      next: page.length === query.limit ? (page[page.length - 1]?.id ?? null) : null,
    };
  });
}
