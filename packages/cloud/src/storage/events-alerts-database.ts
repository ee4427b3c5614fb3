import type { Kysely } from 'kysely';
import type { CloudDatabase } from './cloud-database.ts';
import type { CloudStore } from './cloud-store.ts';
import { kyselyOf } from './store-kysely.ts';

/** How a stored event's re-execution stands. */
export type EventCheckStatus = 'pending' | 'matched' | 'mismatch' | 'frames_missing' | 'function_unknown';

/** The tables of migration 0003-events-alerts, the same on SQLite and PostgreSQL. */
export interface EventsAlertsDatabase {
  alert: {
    alert_id: string;
    rule: string;
    dedup_key: string;
    severity: string;
    state: string;
    subject_id: string;
    organisation_id: string;
    assignee_id: string | null;
    raised_at_ms: number;
    last_seen_at_ms: number;
    resolved_at_ms: number | null;
    body: string;
  };
  derived_event: {
    event_id: string;
    edge_id: string;
    device_id: string;
    type: string;
    function_name: string;
    function_version: number;
    start_time_ms: number;
    end_time_ms: number;
    received_at_ms: number;
    body: string;
    check_status: EventCheckStatus;
    check_attempts: number;
    next_check_at_ms: number;
    checked_at_ms: number | null;
    check_detail: string | null;
    alert_id: string | null;
  };
}

/** The cloud's Kysely instance typed with the core tables and those of 0003-events-alerts. */
export type EventsAlertsKysely = Kysely<CloudDatabase & EventsAlertsDatabase>;

/** The Kysely instance of `store`, typed for the alert and event tables. */
export function eventsAlertsKysely(store: CloudStore): EventsAlertsKysely {
  return kyselyOf(store) as unknown as EventsAlertsKysely;
}
