import { assert } from '@fieldproof/protocol';
import { type DeviceReadScope, deviceScopeCondition } from '../auth/device-read-scope.ts';
import type { CloudStore } from '../storage/cloud-store.ts';
import {
  type EventCheckStatus,
  type EventsAlertsDatabase,
  type EventsAlertsKysely,
  eventsAlertsKysely,
} from '../storage/events-alerts-database.ts';

/** A stored derived event with its re-execution verdict. */
export type StoredEventRow = EventsAlertsDatabase['derived_event'];

/** A frame as the re-execution reads it. */
export interface StoredFrameRow {
  /** Frame id (hex leaf hash). */
  id: string;
  /** Its device. */
  device_id: string;
  /** Its seq. */
  seq: number;
  /** The canonical signed frame JSON, as logged. */
  body: string;
}

/** Most events one list call returns. */
export const eventListLimitMax = 1_000;

/** Which events to list, newest received first. */
export interface ListEventsParameters {
  /** Only events of this device. */
  deviceId?: string;
  /** Only events of this type (`stock.movement`). */
  type?: string;
  /** Only events whose re-execution stands so. */
  checkStatus?: EventCheckStatus;
  /** Only events of this edge. */
  edgeId?: string;
  /** Only events this read scope sees (device owner, consents with their windows and kinds), in the query. */
  readScope?: DeviceReadScope;
  /** How many, 1..eventListLimitMax. */
  limit: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

/** What the re-execution recorded. */
export interface EventCheckUpdate {
  /** New status. */
  status: EventCheckStatus;
  /** Attempts so far. */
  attempts: number;
  /** When to look again (pending only), UTC ms. */
  nextCheckAtMs: number;
  /** When checked, UTC ms. */
  checkedAtMs: number;
  /** JSON detail (code, message, expected, missing frame ids). */
  detail: string | null;
  /** The alert raised for it, if any. */
  alertId: string | null;
}

/** The derived events of edges, with their verdicts, on the cloud store (migration 0003-events-alerts). */
export interface EventStore {
  /** Insert a new event; false if its id is stored already (nothing changes then). */
  insert(row: StoredEventRow): Promise<boolean>;
  /** The event with this id. */
  get(eventId: string): Promise<StoredEventRow | undefined>;
  /** One page of events, newest received first. */
  list(parameters: ListEventsParameters): Promise<{ events: StoredEventRow[]; nextCursor?: string }>;
  /** Pending events due for a check at `nowMs`, oldest due first. */
  due(nowMs: number, limit: number): Promise<StoredEventRow[]>;
  /** Record a check's outcome. */
  recordCheck(eventId: string, update: EventCheckUpdate): Promise<void>;
  /** Events by check status, and all received. */
  counts(): Promise<Record<EventCheckStatus, number> & { received: number }>;
  /** Stored frames with these ids (those that are). */
  framesById(ids: readonly string[]): Promise<StoredFrameRow[]>;
  /** Stored frames of a device with seq in [firstSeq, lastSeq], at most `limit`, in seq order. */
  deviceFrames(deviceId: string, firstSeq: number, lastSeq: number, limit: number): Promise<StoredFrameRow[]>;
}

const encodeCursor = (row: StoredEventRow) =>
  Buffer.from(JSON.stringify([row.received_at_ms, row.event_id])).toString('base64url');

/** The position a list cursor names, or undefined when it is not one of ours. */
export function decodeEventCursor(cursor: string): { receivedAtMs: number; eventId: string } | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string') {
      return { receivedAtMs: value[0], eventId: value[1] };
    }
  } catch {}
  return undefined;
}

// Ids per IN list: well under both dialects' bound-parameter limits.
const idsPerQueryMax = 1_000;

/**
 * The event store on the cloud's SQLite or PostgreSQL store. Precondition: `store` was opened by
 * openSqliteCloudStore or openPostgresCloudStore.
 */
export function createKyselyEventStore(store: CloudStore): EventStore {
  const db: EventsAlertsKysely = eventsAlertsKysely(store);
  return {
    async insert(row) {
      const inserted = await db
        .insertInto('derived_event')
        .values(row)
        .onConflict((conflict) => conflict.column('event_id').doNothing())
        .returning('event_id')
        .execute();
      return inserted.length === 1;
    },
    async get(eventId) {
      return db.selectFrom('derived_event').selectAll().where('event_id', '=', eventId).executeTakeFirst();
    },
    async list(parameters) {
      assert(
        Number.isSafeInteger(parameters.limit) && parameters.limit >= 1 && parameters.limit <= eventListLimitMax,
        `an event page holds 1..${eventListLimitMax} events`,
      );
      let query = db.selectFrom('derived_event').selectAll();
      if (parameters.deviceId !== undefined) query = query.where('device_id', '=', parameters.deviceId);
      if (parameters.type !== undefined) query = query.where('type', '=', parameters.type);
      if (parameters.checkStatus !== undefined) query = query.where('check_status', '=', parameters.checkStatus);
      if (parameters.edgeId !== undefined) query = query.where('edge_id', '=', parameters.edgeId);
      const inScope =
        parameters.readScope &&
        deviceScopeCondition(parameters.readScope, {
          deviceColumn: 'derived_event.device_id',
          timeColumn: 'derived_event.start_time_ms',
          kindColumn: 'derived_event.type',
        });
      if (inScope) query = query.where(inScope);
      const after = parameters.cursor === undefined ? undefined : decodeEventCursor(parameters.cursor);
      if (after) {
        query = query.where((eb) =>
          eb.or([
            eb('received_at_ms', '<', after.receivedAtMs),
            eb.and([eb('received_at_ms', '=', after.receivedAtMs), eb('event_id', '<', after.eventId)]),
          ]),
        );
      }
      const rows = await query
        .orderBy('received_at_ms', 'desc')
        .orderBy('event_id', 'desc')
        .limit(parameters.limit + 1)
        .execute();
      const events = rows.slice(0, parameters.limit);
      const last = events.at(-1);
      return rows.length > parameters.limit && last ? { events, nextCursor: encodeCursor(last) } : { events };
    },
    async due(nowMs, limit) {
      return db
        .selectFrom('derived_event')
        .selectAll()
        .where('check_status', '=', 'pending')
        .where('next_check_at_ms', '<=', nowMs)
        .orderBy('next_check_at_ms')
        .orderBy('event_id')
        .limit(limit)
        .execute();
    },
    async recordCheck(eventId, update) {
      await db
        .updateTable('derived_event')
        .set({
          check_status: update.status,
          check_attempts: update.attempts,
          next_check_at_ms: update.nextCheckAtMs,
          checked_at_ms: update.checkedAtMs,
          check_detail: update.detail,
          alert_id: update.alertId,
        })
        .where('event_id', '=', eventId)
        .execute();
    },
    async counts() {
      const rows = await db
        .selectFrom('derived_event')
        .select(['check_status', db.fn.countAll<number>().as('count')])
        .groupBy('check_status')
        .execute();
      const counts = { pending: 0, matched: 0, mismatch: 0, frames_missing: 0, function_unknown: 0, received: 0 };
      for (const row of rows) {
        counts[row.check_status] = Number(row.count);
        counts.received += Number(row.count);
      }
      return counts;
    },
    async framesById(ids) {
      const found: StoredFrameRow[] = [];
      for (let start = 0; start < ids.length; start += idsPerQueryMax) {
        const chunk = ids.slice(start, start + idsPerQueryMax);
        found.push(
          ...(await db
            .selectFrom('frame')
            .select(['id', 'device_id', 'seq', 'body'])
            .where('id', 'in', chunk)
            .execute()),
        );
      }
      return found;
    },
    async deviceFrames(deviceId, firstSeq, lastSeq, limit) {
      return db
        .selectFrom('frame')
        .select(['id', 'device_id', 'seq', 'body'])
        .where('device_id', '=', deviceId)
        .where('seq', '>=', firstSeq)
        .where('seq', '<=', lastSeq)
        .orderBy('seq')
        .limit(limit)
        .execute();
    },
  };
}
