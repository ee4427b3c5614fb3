import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CloudContext } from '../context.ts';

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
    const totals = store.totals();
    const checkpoint = store.latestCheckpoint();
    return {
      suite: context.suite,
      origin: context.origin,
      frames: totals.frames,
      batches: totals.batches,
      devices: totals.devices,
      edges: totals.edges,
      logSize: context.sequencer.size,
      checkpointSize: checkpoint?.size ?? 0,
      quarantined: totals.quarantined,
      rejects: store.rejectCounts(),
    };
  });
  app.get('/v1/quarantine', async (request) => {
    const query = QuarantineQuery.parse(request.query);
    const rows = store.quarantineList(query.after, query.limit);
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
      next: rows.length === query.limit ? (rows[rows.length - 1]?.id ?? null) : null,
    };
  });
}
