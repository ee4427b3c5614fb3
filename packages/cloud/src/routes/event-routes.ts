import { assert, HashHexSchema, IdSchema } from '@fieldproof/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { JsonObjectSchema } from '../api/openapi-schemas.ts';
import { pageSchema } from '../api/page-cursor.ts';
import { deviceAccessOf } from '../auth/device-access.ts';
import { deviceReadScope } from '../auth/device-read-scope.ts';
import type { CloudContext } from '../context.ts';
import { reexecuteFramesMax } from '../events/check-stored-event.ts';
import { ingestEvents } from '../events/ingest-events.ts';
import {
  decodeEventCursor,
  type EventStore,
  eventListLimitMax,
  type StoredEventRow,
} from '../events/kysely-event-store.ts';

/** Largest `POST /v1/events` body in bytes. */
export const eventUploadBytesMax = 8 * 1024 * 1024;

const ListQuery = z
  .object({
    deviceId: IdSchema.optional(),
    edgeId: IdSchema.optional(),
    type: z
      .string()
      .regex(/^[a-z][a-z0-9_.]{0,63}$/)
      .optional(),
    checkStatus: z.enum(['pending', 'matched', 'mismatch', 'frames_missing', 'function_unknown']).optional(),
    limit: z.coerce.number().int().min(1).max(eventListLimitMax).default(100),
    cursor: z
      .string()
      .max(1024)
      .refine((cursor) => decodeEventCursor(cursor) !== undefined, 'not a cursor of this API')
      .optional(),
  })
  .strict();

/** A stored event as the API shows it: the event as the edge sent it, and the cloud's verdict. */
export function eventView(row: StoredEventRow) {
  return {
    event: JSON.parse(row.body) as unknown,
    edgeId: row.edge_id,
    receivedAtMs: row.received_at_ms,
    check: {
      status: row.check_status,
      attempts: row.check_attempts,
      checkedAtMs: row.checked_at_ms,
      nextCheckAtMs: row.check_status === 'pending' ? row.next_check_at_ms : null,
      detail: row.check_detail === null ? null : (JSON.parse(row.check_detail) as unknown),
      alertId: row.alert_id,
    },
  };
}

/**
 * Derived events: POST /v1/events (an edge's signed upload; the edge signature is its credential,
 * see ingestEvents), GET /v1/events (filters deviceId, edgeId, type, checkStatus; `limit` and
 * `cursor` pages, newest received first), GET /v1/events/:id and GET /v1/events/:id/frames (the
 * logged frames a re-execution needs), readable like frames.
 */
export async function eventRoutes(
  app: FastifyInstance,
  context: CloudContext & { events: EventStore },
  onAccepted: () => void,
): Promise<void> {
  const access = deviceAccessOf(context);
  // An event is covered by a consent through its device, its start time and its type.
  const eventData = (row: StoredEventRow) => ({
    deviceId: row.device_id,
    timeMs: row.start_time_ms,
    kinds: [row.type],
  });
  await app.register(async (scope) => {
    // The raw bytes are kept: a refused upload is quarantined exactly as it arrived.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: eventUploadBytesMax }, (_request, body, done) =>
      done(null, body),
    );
    scope.post(
      '/v1/events',
      {
        config: {
          openapi: {
            operationId: 'uploadEvents',
            summary: 'An edge uploads signed derived events.',
            tags: ['events'],
            auth: 'edge-signature',
            rawBody: {
              contentType: 'application/json',
              description: 'the signed events upload, as the edge signed it',
            },
            responses: { 200: JsonObjectSchema },
          },
        },
      },
      async (request) => {
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const result = await ingestEvents(context, { body, source: `http:${request.ip}` });
        if (result.accepted > 0) onAccepted();
        return result;
      },
    );
  });
  app.get(
    '/v1/events',
    {
      config: {
        openapi: {
          operationId: 'listEvents',
          summary: 'Derived events newest received first, filtered, a page at a time.',
          tags: ['events'],
          query: ListQuery,
          responses: { 200: pageSchema(JsonObjectSchema) },
        },
      },
    },
    async (request) => {
      const query = ListQuery.parse(request.query);
      if (query.deviceId !== undefined) {
        await access.authorize(request, query.deviceId, {}, `device:${query.deviceId}`);
      }
      // The caller's scope is part of the query, so each page is full and its cursor right.
      const { principal } = request;
      const { auth } = context;
      assert(principal !== undefined && auth !== undefined, 'the event list runs behind installAuth');
      const page = await context.events.list({
        limit: query.limit,
        readScope: await deviceReadScope(auth, principal, context.clock()),
        ...(query.deviceId === undefined ? {} : { deviceId: query.deviceId }),
        ...(query.edgeId === undefined ? {} : { edgeId: query.edgeId }),
        ...(query.type === undefined ? {} : { type: query.type }),
        ...(query.checkStatus === undefined ? {} : { checkStatus: query.checkStatus }),
        ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
      });
      return {
        // The query left out what the caller may not see; the gate writes the bank's access log rows.
        items: (await access.filter(request, page.events, eventData, 'events')).map(eventView),
        ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
      };
    },
  );
  app.get<{ Params: { id: string } }>(
    '/v1/events/:id',
    {
      config: {
        openapi: {
          operationId: 'getEvent',
          summary: "One derived event and the cloud's re-execution verdict.",
          tags: ['events'],
          responses: { 200: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      const id = HashHexSchema.parse(request.params.id);
      const row = await context.events.get(id);
      if (!row) return reply.code(404).send({ error: { code: 'event_not_found', message: `no event ${id}` } });
      await access.authorize(request, row.device_id, eventData(row), `event:${id}`);
      return eventView(row);
    },
  );
  // The ids of every logged frame of the event's device between its first and last named source,
  // in seq order: what a re-execution must be given (fieldproof reexecute fetches their proofs).
  app.get<{ Params: { id: string } }>(
    '/v1/events/:id/frames',
    {
      config: {
        openapi: {
          operationId: 'listEventFrames',
          summary: 'The logged frames a re-execution of the event needs.',
          tags: ['events'],
          responses: { 200: JsonObjectSchema },
        },
      },
    },
    async (request, reply) => {
      const id = HashHexSchema.parse(request.params.id);
      const row = await context.events.get(id);
      if (!row) return reply.code(404).send({ error: { code: 'event_not_found', message: `no event ${id}` } });
      await access.authorize(request, row.device_id, eventData(row), `event:${id}/frames`);
      const event = JSON.parse(row.body) as { deviceId: string; sourceFrameIds: string[] };
      const named = await context.events.framesById([...new Set(event.sourceFrameIds)]);
      const seqs = named.filter((frame) => frame.device_id === event.deviceId).map((frame) => frame.seq);
      const inRange =
        seqs.length === 0
          ? []
          : await context.events.deviceFrames(event.deviceId, Math.min(...seqs), Math.max(...seqs), reexecuteFramesMax);
      const ids = new Set([...named.map((frame) => frame.id), ...inRange.map((frame) => frame.id)]);
      return {
        eventId: id,
        deviceId: event.deviceId,
        frames: [...named, ...inRange]
          .filter((frame) => ids.delete(frame.id))
          .sort((a, b) => a.seq - b.seq)
          .map((frame) => ({ id: frame.id, deviceId: frame.device_id, seq: frame.seq })),
        missingFrameIds: event.sourceFrameIds.filter((frameId) => !named.some((frame) => frame.id === frameId)),
      };
    },
  );
}

/** Metric families of the events: received, and by re-execution verdict. */
export async function eventMetricFamilies(events: EventStore) {
  const counts = await events.counts();
  return [
    {
      name: 'fieldproof_events_received_total',
      help: 'Derived events stored from edges.',
      type: 'counter' as const,
      samples: [{ value: counts.received }],
    },
    {
      name: 'fieldproof_events_checked',
      help: 'Stored derived events by re-execution verdict (matched, mismatch, pending, frames_missing, function_unknown).',
      type: 'gauge' as const,
      samples: (['matched', 'mismatch', 'pending', 'frames_missing', 'function_unknown'] as const).map((status) => ({
        labels: { status },
        value: counts[status],
      })),
    },
  ];
}
