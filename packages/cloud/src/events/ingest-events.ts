import {
  canonicalize,
  type DerivedEvent,
  DerivedEventSchema,
  type ErrorCode,
  EventUploadSchema,
  eventUploadMessage,
  FieldproofError,
  fromBase64,
  utf8,
  verify,
} from '@fieldproof/protocol';
import type { CloudContext } from '../context.ts';
import { edgeKeysInForce } from '../edges/edge-key-history.ts';
import { identityStoreOf } from '../identity/identity-store.ts';
import type { EventStore } from './kysely-event-store.ts';

/** An events upload as it arrived. */
export interface IngestEventsParameters {
  /** The request body (JSON of EventUpload). */
  body: Buffer;
  /** Where it came from, for the quarantine record. */
  source: string;
}

/** One event the cloud refused, with its code (it is quarantined and counted). */
export interface RejectedEvent {
  /** The event's id as claimed. */
  eventId: string;
  /** Stable code: device_unknown, device_not_assigned_to_edge, events_malformed, event_conflict. */
  code: ErrorCode;
  /** What to do about it. */
  message: string;
}

/** The verdict on an upload. */
export interface IngestEventsResult {
  /** Events stored now (each waits for its re-execution). */
  accepted: number;
  /** Events stored before with the same body (an edge resending after a lost answer). */
  duplicates: number;
  /** Events refused, each quarantined with its code. */
  rejected: RejectedEvent[];
}

/**
 * Accept an edge's signed events upload. The whole upload is refused (quarantined, counted, a
 * typed error thrown) when it does not parse (`events_malformed`), names an unregistered edge
 * (`edge_unknown`) or its signature does not verify against that edge's key
 * (`events_signature_invalid`). Then each event on its own: its device must be registered
 * (`device_unknown`) to this edge (`device_not_assigned_to_edge`) and its hash suite the log's
 * (`events_malformed`); an id stored before is a duplicate if the body is the same and
 * `event_conflict` if not. A refused event is quarantined with its code; the rest are stored as
 * pending, for the re-execution worker.
 */
export async function ingestEvents(
  context: CloudContext & { events: EventStore },
  parameters: IngestEventsParameters,
): Promise<IngestEventsResult> {
  const { store, config } = context;
  const receivedAtMs = context.clock();
  let edgeId: string | null = null;
  const quarantine = async (code: ErrorCode, message: string, payload: Uint8Array) => {
    await store.quarantine({
      receivedAtMs,
      source: parameters.source,
      code,
      message,
      edgeId,
      payload: payload.subarray(0, config.limits.quarantinePayloadBytesMax),
      payloadBytes: payload.length,
    });
  };
  const fail = async (error: FieldproofError): Promise<never> => {
    await quarantine(error.code, error.message, parameters.body);
    context.log.warn({ code: error.code, edgeId }, error.message);
    throw error;
  };

  let json: unknown;
  try {
    json = JSON.parse(parameters.body.toString('utf8'));
  } catch {
    return fail(new FieldproofError('events_malformed', 'the events upload is not JSON'));
  }
  const parsed = EventUploadSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(
      new FieldproofError(
        'events_malformed',
        `the events upload does not match the schema: ${issue?.path.join('.') || 'body'}: ${issue?.message}`,
      ),
    );
  }
  const upload = parsed.data;
  edgeId = upload.edgeId;
  const edge = await store.edge(upload.edgeId);
  if (!edge) return fail(new FieldproofError('edge_unknown', `edge ${upload.edgeId} is not registered`));
  const signature = fromBase64(upload.sig);
  // Uploads are signed with the keys the edge may sign anything with now, as its requests are.
  const keys = context.edgeOperations
    ? ((await edgeKeysInForce(store, context.edgeOperations, upload.edgeId))?.inForce ?? [])
    : [{ alg: edge.alg, publicKey: edge.public_key }];
  const message = eventUploadMessage(upload.edgeId, upload.events);
  if (
    !signature ||
    !keys.some(
      (key) =>
        key.alg === upload.alg &&
        verify(key.alg as typeof upload.alg, new Uint8Array(key.publicKey), message, signature),
    )
  ) {
    return fail(
      new FieldproofError(
        'events_signature_invalid',
        `the events upload signature does not verify against edge ${upload.edgeId}'s key`,
      ),
    );
  }

  // Events of a suspended, revoked or retired edge are refused whole, as its batches are.
  const edgeState = await identityStoreOf(store).edgeState(upload.edgeId);
  if (edgeState && edgeState.status !== 'active') {
    return fail(
      new FieldproofError(
        `edge_${edgeState.status}` as 'edge_suspended' | 'edge_revoked' | 'edge_retired',
        `edge ${upload.edgeId} is ${edgeState.status}; its uploads are refused`,
      ),
    );
  }
  const devices = await store.devicesById(upload.events.map((event) => event.deviceId));
  const result: IngestEventsResult = { accepted: 0, duplicates: 0, rejected: [] };
  const reject = async (event: DerivedEvent, code: ErrorCode, message: string) => {
    await quarantine(code, message, utf8(canonicalize(event)));
    context.log.warn({ code, edgeId, eventId: event.eventId }, message);
    result.rejected.push({ eventId: event.eventId, code, message });
  };
  for (const event of upload.events) {
    const device = devices.get(event.deviceId);
    if (!device) {
      await reject(event, 'device_unknown', `event ${event.eventId}: device ${event.deviceId} is not registered`);
      continue;
    }
    if (device.edge_id !== upload.edgeId) {
      await reject(
        event,
        'device_not_assigned_to_edge',
        `event ${event.eventId}: device ${event.deviceId} belongs to another edge than ${upload.edgeId}`,
      );
      continue;
    }
    if (event.suite !== context.suite) {
      await reject(
        event,
        'events_malformed',
        `event ${event.eventId} uses suite ${event.suite}; this log's frames are hashed with ${context.suite}`,
      );
      continue;
    }
    const body = canonicalize(DerivedEventSchema.parse(event));
    const inserted = await context.events.insert({
      event_id: event.eventId,
      edge_id: upload.edgeId,
      device_id: event.deviceId,
      type: event.type,
      function_name: event.function.name,
      function_version: event.function.version,
      start_time_ms: event.startTimeMs,
      end_time_ms: event.endTimeMs,
      received_at_ms: receivedAtMs,
      body,
      check_status: 'pending',
      check_attempts: 0,
      next_check_at_ms: receivedAtMs,
      checked_at_ms: null,
      check_detail: null,
      alert_id: null,
    });
    if (inserted) {
      result.accepted++;
      continue;
    }
    const stored = await context.events.get(event.eventId);
    if (stored?.body === body && stored.edge_id === upload.edgeId) result.duplicates++;
    else await reject(event, 'event_conflict', `event ${event.eventId} was stored before with a different body`);
  }
  return result;
}
