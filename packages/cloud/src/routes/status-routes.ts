import { formatPrometheusText } from '@fieldproof/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { decodePageCursor, pageQueryFields, pageSchema, toPage } from '../api/page-cursor.ts';
import { deviceAccessOf } from '../auth/device-access.ts';
import type { CloudContext } from '../context.ts';
import { findFinalCheckpoint } from '../log/find-final-checkpoint.ts';
import { eventMetricFamilies } from './event-routes.ts';

const QuarantineQuery = z.object(pageQueryFields(['number'])).strict();
const QuarantinedItem = z.object({
  id: z.number().int(),
  receivedAtMs: z.number().int(),
  source: z.string(),
  code: z.string(),
  message: z.string(),
  edgeId: z.string().nullable(),
  payloadBytes: z.number().int(),
  payloadBase64: z.string().describe('the first quarantinePayloadBytesMax bytes as they arrived'),
});
const StatusSchema = z.object({
  suite: z.enum(['intl', 'sm']),
  origin: z.string(),
  frames: z.number().int(),
  batches: z.number().int(),
  devices: z.number().int(),
  edges: z.number().int(),
  logSize: z.number().int(),
  checkpointSize: z.number().int(),
  finalCheckpointSize: z.number().int(),
  witnesses: z.array(z.object({ name: z.string(), cosignedSize: z.number().int() })),
  witnessThreshold: z.number().int(),
  quarantined: z.number().int(),
  rejects: z.record(z.string(), z.number().int()),
});

/** Health, status counts and the quarantine. */
export async function statusRoutes(app: FastifyInstance, context: CloudContext): Promise<void> {
  const { store } = context;
  app.get('/healthz', async () => ({ ok: true }));
  app.get(
    '/v1/status',
    {
      config: {
        openapi: {
          operationId: 'getStatus',
          summary: 'Counts of frames, batches, devices and edges, the log and checkpoint sizes, witnesses, rejects.',
          tags: ['status'],
          responses: { 200: StatusSchema },
        },
      },
    },
    async () => {
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
    },
  );
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
      // Anchor lag: how far the chain's last settled anchor trails the log (absent without a chain).
      ...(context.anchors
        ? [
            {
              name: 'fieldproof_anchor_lag_leaves',
              help: 'Leaves in the log not yet covered by a settled anchor on chain.',
              type: 'gauge' as const,
              samples: [{ value: context.sequencer.size - (await context.anchors.store.lastSettledSize()) }],
            },
          ]
        : []),
      { name: 'fieldproof_devices', help: 'Registered devices.', type: 'gauge', samples: [{ value: totals.devices }] },
      { name: 'fieldproof_edges', help: 'Registered edges.', type: 'gauge', samples: [{ value: totals.edges }] },
      ...(await Promise.all((context.metricSources ?? []).map((source) => source()))).flat(),
      ...(await eventMetricFamilies(context.events)),
    ]);
    return reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(text);
  });
  app.get(
    '/v1/quarantine',
    {
      config: {
        openapi: {
          operationId: 'listQuarantine',
          summary: 'Rejected inputs as they arrived, with their code, oldest first, a page at a time.',
          tags: ['status'],
          query: QuarantineQuery,
          responses: { 200: pageSchema(QuarantinedItem) },
        },
      },
    },
    async (request) => {
      const query = QuarantineQuery.parse(request.query);
      const after = query.cursor === undefined ? 0 : (decodePageCursor(query.cursor, ['number'])?.[0] as number);
      const rows = await store.quarantineList(after, query.limit + 1);
      // Quarantined inputs are operations data: an enterprise sees its own edges' rejects only.
      const edges = await deviceAccessOf(context).visibleEdges(request);
      const page = toPage(
        rows,
        query.limit,
        (row) => [row.id],
        (row) => ({
          id: row.id,
          receivedAtMs: row.received_at_ms,
          source: row.source,
          code: row.code,
          message: row.message,
          edgeId: row.edge_id,
          payloadBytes: row.payload_bytes,
          payloadBase64: row.payload.toString('base64'),
        }),
      );
      return {
        ...page,
        items: page.items.filter((item) => edges === undefined || (item.edgeId !== null && edges.has(item.edgeId))),
      };
    },
  );
}
