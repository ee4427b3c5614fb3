import { randomUUID } from 'node:crypto';
import { type AlertStore, raiseAlerts } from '@fieldproof/finance';
import {
  type DerivedEvent,
  type EventRegistry,
  eventFunctionKey,
  type ReexecuteEventResult,
  reexecuteEvent,
  type SignedFrame,
} from '@fieldproof/protocol';
import type { CloudConfig } from '../config.ts';
import type { EventCheckStatus } from '../storage/events-alerts-database.ts';
import type { EventStore, StoredEventRow, StoredFrameRow } from './kysely-event-store.ts';

/** Most frames one re-execution loads (the seq range between an event's first and last source). */
export const reexecuteFramesMax = 20_000;

/** Longest payload text copied into an alert's details. */
const alertPayloadCharactersMax = 1_000;

/** What checking an event needs. */
export interface CheckStoredEventDependencies {
  /** Stored events and frames. */
  events: EventStore;
  /** Where a mismatch raises its alert. */
  alerts: AlertStore;
  /** The event functions this cloud knows, by name@version. */
  registry: EventRegistry;
  /** Waits and the alerts' organisation. */
  config: CloudConfig['events'];
  /** UTC ms. */
  clock: () => number;
}

/** Which event. */
export interface CheckStoredEventParameters {
  /** The stored event, as `due` returned it. */
  row: StoredEventRow;
}

/** What the check concluded and recorded. */
export interface CheckStoredEventResult {
  /** The event's status now (`pending`: its frames are not all logged yet, look again later). */
  status: EventCheckStatus;
  /** The alert raised for a mismatch. */
  alertId: string | null;
}

const truncate = (text: string) =>
  text.length > alertPayloadCharactersMax ? `${text.slice(0, alertPayloadCharactersMax)}…` : text;

/**
 * Re-run a stored event's function on the logged frames it names and record the verdict on it.
 * The frames come in batches, maybe after the event: while a named frame is not logged the event
 * stays pending and is looked at again after a doubling wait, until frameWaitAttemptsMax checks,
 * then it is `frames_missing`. Otherwise reexecuteEvent runs on every logged frame of the device
 * in the sources' seq range: `matched`, `function_unknown` (this cloud does not have that version),
 * or `mismatch`, which raises a high `edge_computation_mismatch` alert whose evidence is the event
 * and its source frames (a repeat of the check repeats the same alert, by dedup key).
 */
export async function checkStoredEvent(
  dependencies: CheckStoredEventDependencies,
  parameters: CheckStoredEventParameters,
): Promise<CheckStoredEventResult> {
  const { events, config } = dependencies;
  const { row } = parameters;
  const nowMs = dependencies.clock();
  const attempts = row.check_attempts + 1;
  const event = JSON.parse(row.body) as DerivedEvent;
  const record = async (status: EventCheckStatus, detail: unknown, alertId: string | null = null, nextMs = nowMs) => {
    await events.recordCheck(row.event_id, {
      status,
      attempts,
      nextCheckAtMs: nextMs,
      checkedAtMs: nowMs,
      detail: detail === null ? null : JSON.stringify(detail),
      alertId,
    });
    return { status, alertId };
  };

  const sourceIds = [...new Set(event.sourceFrameIds)];
  const named = await events.framesById(sourceIds);
  if (named.length < sourceIds.length) {
    const found = new Set(named.map((frame) => frame.id));
    const missing = sourceIds.filter((id) => !found.has(id));
    const detail = {
      code: 'event_frames_missing',
      message: `${missing.length} of the event's ${sourceIds.length} source frames are not logged`,
      missingFrameIds: missing.slice(0, 20),
      missingCount: missing.length,
    };
    if (attempts >= config.frameWaitAttemptsMax) return record('frames_missing', detail);
    const waitMs = Math.min(config.frameWaitRetryMaxMs, config.frameWaitRetryMs * 2 ** Math.min(attempts - 1, 30));
    return record('pending', detail, null, nowMs + waitMs);
  }

  const ofDevice = named.filter((frame) => frame.device_id === event.deviceId);
  let frames: StoredFrameRow[] = named;
  let result: ReexecuteEventResult | undefined;
  if (ofDevice.length > 0) {
    const firstSeq = Math.min(...ofDevice.map((frame) => frame.seq));
    const lastSeq = Math.max(...ofDevice.map((frame) => frame.seq));
    if (lastSeq - firstSeq + 1 > reexecuteFramesMax) {
      result = {
        ok: false,
        code: 'event_mismatch',
        message: `the event's sources span ${lastSeq - firstSeq + 1} seqs, more than reexecuteFramesMax ${reexecuteFramesMax}`,
        expected: null,
        got: event,
      };
    } else {
      const inRange = await events.deviceFrames(event.deviceId, firstSeq, lastSeq, reexecuteFramesMax);
      const byId = new Map([...named, ...inRange].map((frame) => [frame.id, frame]));
      frames = [...byId.values()];
    }
  }
  result ??= reexecuteEvent(
    dependencies.registry,
    event,
    frames.map((frame) => JSON.parse(frame.body) as SignedFrame),
  );
  if (result.ok) return record('matched', null);
  const detail = { code: result.code, message: result.message, expected: result.expected, got: event };
  if (result.code === 'event_function_unknown') return record('function_unknown', detail);
  const { raised, repeated } = await raiseAlerts(
    { store: dependencies.alerts, newAlertId: () => `alert-${randomUUID()}` },
    {
      candidates: [
        {
          rule: 'edge_computation_mismatch',
          dedupKey: `edge-computation.${row.event_id}`,
          severity: 'high',
          subjectId: row.device_id,
          organisationId: config.alertOrganisationId,
          message: `edge ${row.edge_id}'s ${row.type} event ${row.event_id} from ${row.device_id} does not re-execute: ${result.message}`,
          details: {
            eventId: row.event_id,
            edgeId: row.edge_id,
            deviceId: row.device_id,
            eventType: row.type,
            function: eventFunctionKey(event.function.name, event.function.version),
            code: result.code,
            expectedEventId: result.expected?.eventId ?? null,
            expectedPayload: result.expected ? truncate(JSON.stringify(result.expected.payload)) : null,
            claimedPayload: truncate(JSON.stringify(event.payload)),
          },
          evidence: [{ kind: 'event', id: row.event_id }, ...sourceIds.map((id) => ({ kind: 'frame' as const, id }))],
          observedAtMs: nowMs,
        },
      ],
    },
  );
  const alert = raised[0] ?? repeated[0];
  return record('mismatch', detail, alert?.alertId ?? null);
}
