import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { AuthStore, ConsentRow } from './auth-store.ts';
import type { Principal } from './principal.ts';

/** A consent in force, with its lists parsed (undefined = no restriction). */
export interface LiveConsent {
  /** The consent's id. */
  id: string;
  /** The enterprise whose data it opens. */
  organisationId: string;
  /** Only these sites' devices, or every site. */
  siteIds: ReadonlySet<string> | undefined;
  /** Only these devices, or every device. */
  deviceIds: ReadonlySet<string> | undefined;
  /** Only these reading kinds (or event types), or every kind. */
  dataKinds: ReadonlySet<string> | undefined;
  /** First covered data time, UTC ms. */
  fromMs: number;
  /** Last covered data time, UTC ms. */
  toMs: number;
}

/**
 * What device data a caller may read: everything (platform admin), its own organisation's
 * devices (enterprise and other users), or what live consents granted to its bank cover.
 */
export type DeviceReadScope =
  | { kind: 'all' }
  | { kind: 'organisation'; organisationId: string }
  | { kind: 'consents'; bankId: string; consents: readonly LiveConsent[] };

/** A device as scoping sees it. */
export interface DeviceOwner {
  /** The device. */
  deviceId: string;
  /** Its organisation (null for a device registered before tenants: platform admins only). */
  organisationId: string | null;
  /** Its site, if any. */
  siteId: string | null;
}

/** What one read touches, beyond the device. */
export interface DataItem {
  /** The data's time (device time of a frame, start of an event); undefined for the device itself. */
  timeMs?: number;
  /** The reading kinds (or event type) it holds; undefined for the device itself. */
  kinds?: readonly string[];
}

const parseList = (text: string | null): ReadonlySet<string> | undefined =>
  text === null ? undefined : new Set(JSON.parse(text) as string[]);

/** Whether a consent row is in force at `nowMs`: not revoked and not expired. */
export function consentIsLive(row: ConsentRow, nowMs: number): boolean {
  return row.revoked_at_ms === null && (row.expires_at_ms === null || row.expires_at_ms > nowMs);
}

/**
 * The read scope of `principal` at `nowMs`. Consents are read from the store on every call, so a
 * revocation takes effect on the bank's next request.
 */
export async function deviceReadScope(auth: AuthStore, principal: Principal, nowMs: number): Promise<DeviceReadScope> {
  if (principal.role === 'platform_admin') return { kind: 'all' };
  if (principal.role === 'bank_officer' || principal.role === 'bank_auditor') {
    const consents = (await auth.consents('bank', principal.organisationId))
      .filter((row) => consentIsLive(row, nowMs))
      .map((row) => ({
        id: row.id,
        organisationId: row.organisation_id,
        siteIds: parseList(row.site_ids),
        deviceIds: parseList(row.device_ids),
        dataKinds: parseList(row.data_kinds),
        fromMs: row.from_ms,
        toMs: row.to_ms,
      }));
    return { kind: 'consents', bankId: principal.organisationId, consents };
  }
  return { kind: 'organisation', organisationId: principal.organisationId };
}

/** The first live consent that covers `item` of `device`, or undefined. */
export function coveringConsent(
  consents: readonly LiveConsent[],
  device: DeviceOwner,
  item: DataItem,
): LiveConsent | undefined {
  return consents.find(
    (consent) =>
      device.organisationId === consent.organisationId &&
      (consent.deviceIds === undefined || consent.deviceIds.has(device.deviceId)) &&
      (consent.siteIds === undefined || (device.siteId !== null && consent.siteIds.has(device.siteId))) &&
      (item.timeMs === undefined || (item.timeMs >= consent.fromMs && item.timeMs <= consent.toMs)) &&
      (item.kinds === undefined ||
        consent.dataKinds === undefined ||
        item.kinds.some((kind) => consent.dataKinds?.has(kind))),
  );
}

/**
 * The scope as a condition of a list query over device data (frames, events), so that rows the
 * caller may not see are left out by the store and each page is full: a row's device must be the
 * caller's organisation's, or one a live consent covers with the row's time in the consent's window.
 * A consent's `dataKinds` is applied when the table has a kind column (an event's type); a frame's
 * reading kinds are not a column, so they are checked when a single frame is read (as before).
 * Undefined for `all` (no condition). The columns name the listed table's (e.g. `frame.device_id`,
 * `frame.device_time_ms`); without a time column (the device list) a consent covers its devices.
 */
export function deviceScopeCondition(
  scope: DeviceReadScope,
  columns: { deviceColumn: string; timeColumn?: string; kindColumn?: string },
): RawBuilder<SqlBool> | undefined {
  if (scope.kind === 'all') return undefined;
  const device = sql.ref(columns.deviceColumn);
  if (scope.kind === 'organisation') {
    return sql<SqlBool>`${device} IN (SELECT device.device_id FROM device WHERE device.organisation_id = ${scope.organisationId})`;
  }
  if (scope.consents.length === 0) return sql<SqlBool>`1 = 0`;
  const covered = scope.consents.map((consent) => {
    const parts = [sql`device.organisation_id = ${consent.organisationId}`];
    if (consent.siteIds !== undefined) {
      parts.push(consent.siteIds.size === 0 ? sql`1 = 0` : sql`device.site_id IN (${sql.join([...consent.siteIds])})`);
    }
    if (consent.deviceIds !== undefined) {
      parts.push(
        consent.deviceIds.size === 0 ? sql`1 = 0` : sql`device.device_id IN (${sql.join([...consent.deviceIds])})`,
      );
    }
    const kinds =
      columns.kindColumn === undefined || consent.dataKinds === undefined
        ? sql``
        : consent.dataKinds.size === 0
          ? sql` AND 1 = 0`
          : sql` AND ${sql.ref(columns.kindColumn)} IN (${sql.join([...consent.dataKinds])})`;
    const window =
      columns.timeColumn === undefined
        ? sql``
        : sql` AND ${sql.ref(columns.timeColumn)} >= ${consent.fromMs} AND ${sql.ref(columns.timeColumn)} <= ${consent.toMs}`;
    return sql`(${device} IN (SELECT device.device_id FROM device WHERE ${sql.join(parts, sql` AND `)})${window}${kinds})`;
  });
  return sql<SqlBool>`(${sql.join(covered, sql` OR `)})`;
}
