import type { Alert, AlertSeverity, AlertState, AlertStore, RiskRule } from '@fieldproof/finance';
import { assert } from '@fieldproof/protocol';
import type { CloudStore } from '../storage/cloud-store.ts';
import { type EventsAlertsKysely, eventsAlertsKysely } from '../storage/events-alerts-database.ts';

/** Most alerts one list call returns. */
export const alertListLimitMax = 500;

/** Which alerts to list, newest raised first. */
export interface ListAlertsParameters {
  /** Only alerts in this lifecycle state. */
  state?: AlertState;
  /** Only alerts of this severity. */
  severity?: AlertSeverity;
  /** Only alerts raised by this rule (the alert's type). */
  rule?: RiskRule;
  /** Only alerts about this subject (a device, a lot, a borrower). */
  subjectId?: string;
  /** Only alerts of this organisation. */
  organisationId?: string;
  /** How many, 1..alertListLimitMax. */
  limit: number;
  /** The `nextCursor` of the previous page, to continue after it. */
  cursor?: string;
}

/** One page of alerts. */
export interface ListAlertsResult {
  /** The alerts, newest raised first (ties by id, descending). */
  alerts: Alert[];
  /** Pass as `cursor` to get the next page; absent on the last page. */
  nextCursor?: string;
}

/** The cloud's alert store: finance's AlertStore plus listing for the API and the console. */
export interface CloudAlertStore extends AlertStore {
  /** One page of alerts matching the filters. */
  list(parameters: ListAlertsParameters): Promise<ListAlertsResult>;
}

function encodeCursor(alert: Alert): string {
  return Buffer.from(JSON.stringify([alert.raisedAtMs, alert.alertId])).toString('base64url');
}

/** The position a cursor names, or undefined when it is not one of ours. */
export function decodeAlertCursor(cursor: string): { raisedAtMs: number; alertId: string } | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string') {
      return { raisedAtMs: value[0], alertId: value[1] };
    }
  } catch {}
  return undefined;
}

/**
 * The alert store on the cloud's SQLite or PostgreSQL store (tables of migration
 * 0003-events-alerts). Each alert is stored whole as JSON, with its state, severity, rule, dedup
 * key and times copied into columns for filtering; a unique partial index keeps one unresolved
 * alert per dedup key, as raiseAlerts expects. Precondition: `store` was opened by
 * openSqliteCloudStore or openPostgresCloudStore.
 */
export function createKyselyAlertStore(store: CloudStore): CloudAlertStore {
  const db: EventsAlertsKysely = eventsAlertsKysely(store);
  const parse = (body: string): Alert => JSON.parse(body) as Alert;
  return {
    async get(alertId) {
      const row = await db.selectFrom('alert').select('body').where('alert_id', '=', alertId).executeTakeFirst();
      return row ? parse(row.body) : undefined;
    },
    async findUnresolvedByDedupKey(dedupKey) {
      const row = await db
        .selectFrom('alert')
        .select('body')
        .where('dedup_key', '=', dedupKey)
        .where('state', '<>', 'resolved')
        .executeTakeFirst();
      return row ? parse(row.body) : undefined;
    },
    async put(alert) {
      const columns = {
        rule: alert.rule,
        dedup_key: alert.dedupKey,
        severity: alert.severity,
        state: alert.state,
        subject_id: alert.subjectId,
        organisation_id: alert.organisationId,
        assignee_id: alert.assigneeId,
        raised_at_ms: alert.raisedAtMs,
        last_seen_at_ms: alert.lastSeenAtMs,
        resolved_at_ms: alert.resolvedAtMs,
        body: JSON.stringify(alert),
      };
      await db
        .insertInto('alert')
        .values({ alert_id: alert.alertId, ...columns })
        .onConflict((conflict) => conflict.column('alert_id').doUpdateSet(columns))
        .execute();
    },
    async list(parameters) {
      assert(
        Number.isSafeInteger(parameters.limit) && parameters.limit >= 1 && parameters.limit <= alertListLimitMax,
        `an alert page holds 1..${alertListLimitMax} alerts`,
      );
      let query = db.selectFrom('alert').select('body');
      if (parameters.state !== undefined) query = query.where('state', '=', parameters.state);
      if (parameters.severity !== undefined) query = query.where('severity', '=', parameters.severity);
      if (parameters.rule !== undefined) query = query.where('rule', '=', parameters.rule);
      if (parameters.subjectId !== undefined) query = query.where('subject_id', '=', parameters.subjectId);
      if (parameters.organisationId !== undefined)
        query = query.where('organisation_id', '=', parameters.organisationId);
      const after = parameters.cursor === undefined ? undefined : decodeAlertCursor(parameters.cursor);
      if (after) {
        query = query.where((eb) =>
          eb.or([
            eb('raised_at_ms', '<', after.raisedAtMs),
            eb.and([eb('raised_at_ms', '=', after.raisedAtMs), eb('alert_id', '<', after.alertId)]),
          ]),
        );
      }
      const rows = await query
        .orderBy('raised_at_ms', 'desc')
        .orderBy('alert_id', 'desc')
        .limit(parameters.limit + 1)
        .execute();
      const alerts = rows.slice(0, parameters.limit).map((row) => parse(row.body));
      const last = alerts.at(-1);
      return rows.length > parameters.limit && last ? { alerts, nextCursor: encodeCursor(last) } : { alerts };
    },
  };
}
