import type { Kysely, Transaction } from 'kysely';
import type { CloudStore } from '../storage/cloud-store.ts';
import { storeKysely } from '../storage/store-kysely.ts';
import {
  type IdentityAction,
  type IdentityKind,
  type IdentityStatus,
  nextIdentityStatus,
} from './identity-lifecycle.ts';

/** The tables of the identity lifecycle (migration 0009-identity-lifecycle.sql, both dialects). */
export interface IdentityDatabase {
  device: {
    device_id: string;
    edge_id: string;
    alg: string;
    public_key: Uint8Array;
    status: string;
    status_changed_at_ms: number | string | null;
  };
  edge: { edge_id: string; status: string; status_changed_at_ms: number | string | null };
  identity_status_change: {
    id?: number;
    subject_kind: IdentityKind;
    subject_id: string;
    action: string;
    from_status: string | null;
    to_status: string;
    reason: string;
    actor_id: string;
    changed_at_ms: number;
    details: string;
  };
  device_key: {
    device_id: string;
    key_id: string;
    alg: string;
    public_key: Uint8Array;
    valid_from_ms: number;
    added_at_ms: number;
  };
}

/** A key a device rotated to, valid for frames whose device time is at or after `validFromMs`. */
export interface DeviceKeyRow {
  keyId: string;
  alg: string;
  publicKey: Buffer;
  validFromMs: number;
  addedAtMs: number;
}

/** A device's or edge's lifecycle status. */
export interface IdentityState {
  status: IdentityStatus;
  /** When the status last changed (for `revoked`: the device time from which frames are refused); null if never. */
  statusChangedAtMs: number | null;
}

/** What ingest needs of a device beyond its registry row. */
export interface DeviceIdentity extends IdentityState {
  /** Rotated keys, oldest first by validFromMs (the registered key is valid before the first). */
  keys: DeviceKeyRow[];
}

/** One row of the status history. */
export interface StatusChangeRow {
  action: string;
  fromStatus: IdentityStatus | null;
  toStatus: IdentityStatus;
  reason: string;
  actorId: string;
  changedAtMs: number;
  details: Record<string, unknown>;
}

/** The outcome of a guarded change: done, or why not. */
export type IdentityChangeOutcome =
  | { ok: true; from: IdentityStatus; to: IdentityStatus }
  | { ok: false; reason: 'unknown' | 'transition'; from?: IdentityStatus };

/** Who changed something and why, for the history row. */
export interface ChangeBy {
  reason: string;
  actorId: string;
  nowMs: number;
}

const numberOrNull = (value: number | string | null | undefined): number | null =>
  value === null || value === undefined ? null : Number(value);

/** The identity-lifecycle queries, on the cloud store's Kysely instance (SQLite or PostgreSQL). */
export function createIdentityStore(store: CloudStore) {
  const db: Kysely<IdentityDatabase> = storeKysely<IdentityDatabase>(store);
  const recordChange = (
    tx: Kysely<IdentityDatabase> | Transaction<IdentityDatabase>,
    kind: IdentityKind,
    subjectId: string,
    action: string,
    from: IdentityStatus | null,
    to: IdentityStatus,
    by: ChangeBy,
    details: Record<string, unknown> = {},
  ) =>
    tx
      .insertInto('identity_status_change')
      .values({
        subject_kind: kind,
        subject_id: subjectId,
        action,
        from_status: from,
        to_status: to,
        reason: by.reason,
        actor_id: by.actorId,
        changed_at_ms: by.nowMs,
        details: JSON.stringify(details),
      })
      .execute();
  const toKey = (row: IdentityDatabase['device_key']): DeviceKeyRow => ({
    keyId: row.key_id,
    alg: row.alg,
    publicKey: Buffer.from(row.public_key),
    validFromMs: Number(row.valid_from_ms),
    addedAtMs: Number(row.added_at_ms),
  });
  return {
    /** The status and rotated keys of each registered device of `deviceIds` (two queries). */
    async deviceIdentities(deviceIds: readonly string[]): Promise<Map<string, DeviceIdentity>> {
      const ids = [...new Set(deviceIds)];
      const result = new Map<string, DeviceIdentity>();
      if (ids.length === 0) return result;
      const rows = await db
        .selectFrom('device')
        .select(['device_id', 'status', 'status_changed_at_ms'])
        .where('device_id', 'in', ids)
        .execute();
      for (const row of rows) {
        result.set(row.device_id, {
          status: row.status as IdentityStatus,
          statusChangedAtMs: numberOrNull(row.status_changed_at_ms),
          keys: [],
        });
      }
      const keys = await db
        .selectFrom('device_key')
        .selectAll()
        .where('device_id', 'in', ids)
        .orderBy('valid_from_ms')
        .execute();
      for (const key of keys) result.get(key.device_id)?.keys.push(toKey(key));
      return result;
    },
    /** An edge's status; undefined when it is not registered. */
    async edgeState(edgeId: string): Promise<IdentityState | undefined> {
      const row = await db
        .selectFrom('edge')
        .select(['status', 'status_changed_at_ms'])
        .where('edge_id', '=', edgeId)
        .executeTakeFirst();
      return row && { status: row.status as IdentityStatus, statusChangedAtMs: numberOrNull(row.status_changed_at_ms) };
    },
    /**
     * Apply a lifecycle action to a device or edge in one transaction that re-reads its status, and
     * write the history row. For `revoke`, `effectiveFromMs` (default now) is stored as the time from
     * which the device's frames are refused.
     */
    async changeStatus(
      kind: IdentityKind,
      subjectId: string,
      action: IdentityAction,
      by: ChangeBy,
      effectiveFromMs?: number,
    ): Promise<IdentityChangeOutcome> {
      return db.transaction().execute(async (tx): Promise<IdentityChangeOutcome> => {
        const table = kind === 'device' ? 'device' : 'edge';
        const idColumn = kind === 'device' ? 'device_id' : 'edge_id';
        const row = (await tx
          .selectFrom(table)
          .select('status')
          // biome-ignore lint/suspicious/noExplicitAny: one query for both tables, keyed by their id column.
          .where(idColumn as any, '=', subjectId)
          .executeTakeFirst()) as { status: string } | undefined;
        if (!row) return { ok: false, reason: 'unknown' };
        const from = row.status as IdentityStatus;
        const to = nextIdentityStatus(kind, from, action);
        if (!to) return { ok: false, reason: 'transition', from };
        const changedAtMs = action === 'revoke' ? (effectiveFromMs ?? by.nowMs) : by.nowMs;
        await tx
          .updateTable(table)
          .set({ status: to, status_changed_at_ms: changedAtMs })
          // biome-ignore lint/suspicious/noExplicitAny: as above.
          .where(idColumn as any, '=', subjectId)
          .execute();
        await recordChange(
          tx,
          kind,
          subjectId,
          action,
          from,
          to,
          by,
          action === 'revoke' ? { effectiveFromMs: changedAtMs } : {},
        );
        return { ok: true, from, to };
      });
    },
    /** Record how a new registration starts (`registered`, or `active` at once), as the first history row. */
    async recordRegistration(
      kind: IdentityKind,
      subjectId: string,
      status: IdentityStatus,
      by: ChangeBy,
      details: Record<string, unknown> = {},
    ) {
      await db.transaction().execute(async (tx) => {
        if (kind === 'device' && status !== 'active') {
          await tx
            .updateTable('device')
            .set({ status, status_changed_at_ms: by.nowMs })
            .where('device_id', '=', subjectId)
            .execute();
        }
        await recordChange(tx, kind, subjectId, 'register', null, status, by, details);
      });
    },
    /** The status history of a device or edge, oldest first (at most `limit` newest rows). */
    async history(kind: IdentityKind, subjectId: string, limit: number): Promise<StatusChangeRow[]> {
      const rows = await db
        .selectFrom('identity_status_change')
        .selectAll()
        .where('subject_kind', '=', kind)
        .where('subject_id', '=', subjectId)
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.reverse().map((row) => ({
        action: row.action,
        fromStatus: row.from_status as IdentityStatus | null,
        toStatus: row.to_status as IdentityStatus,
        reason: row.reason,
        actorId: row.actor_id,
        changedAtMs: Number(row.changed_at_ms),
        details: JSON.parse(row.details) as Record<string, unknown>,
      }));
    },
    /** The ids of the devices that rotated their key at least once. */
    async devicesWithRotatedKeys(): Promise<string[]> {
      const rows = await db.selectFrom('device_key').select('device_id').distinct().orderBy('device_id').execute();
      return rows.map((row) => row.device_id);
    },
    /** A device's rotated keys, oldest first. */
    async deviceKeys(deviceId: string): Promise<DeviceKeyRow[]> {
      const rows = await db
        .selectFrom('device_key')
        .selectAll()
        .where('device_id', '=', deviceId)
        .orderBy('valid_from_ms')
        .execute();
      return rows.map(toKey);
    },
    /**
     * Add a key to a device from device time `validFromMs` on, in one transaction: it must start
     * after every key the device has and differ from them. Returns why not, or the device's status.
     */
    async addDeviceKey(
      deviceId: string,
      key: { keyId: string; alg: string; publicKey: Uint8Array; validFromMs: number },
      by: ChangeBy,
    ): Promise<
      | { ok: true; status: IdentityStatus }
      | { ok: false; reason: 'unknown' | 'duplicate' | 'order' | 'state'; message: string }
    > {
      return db.transaction().execute(async (tx) => {
        const device = await tx
          .selectFrom('device')
          .select(['status', 'public_key'])
          .where('device_id', '=', deviceId)
          .executeTakeFirst();
        if (!device)
          return { ok: false as const, reason: 'unknown' as const, message: `device ${deviceId} is not registered` };
        const status = device.status as IdentityStatus;
        if (status === 'revoked' || status === 'retired') {
          return {
            ok: false as const,
            reason: 'state' as const,
            message: `device ${deviceId} is ${status}: it takes no new key`,
          };
        }
        const keys = await tx.selectFrom('device_key').selectAll().where('device_id', '=', deviceId).execute();
        const same = (other: Uint8Array) => Buffer.from(other).equals(Buffer.from(key.publicKey));
        if (same(device.public_key) || keys.some((row) => same(row.public_key))) {
          return {
            ok: false as const,
            reason: 'duplicate' as const,
            message: `device ${deviceId} already has this key`,
          };
        }
        const latest = keys.reduce((max, row) => Math.max(max, Number(row.valid_from_ms)), Number.NEGATIVE_INFINITY);
        if (key.validFromMs <= latest) {
          return {
            ok: false as const,
            reason: 'order' as const,
            message: `the new key must be valid from after ${latest}, when the device's newest key starts`,
          };
        }
        await tx
          .insertInto('device_key')
          .values({
            device_id: deviceId,
            key_id: key.keyId,
            alg: key.alg,
            public_key: key.publicKey,
            valid_from_ms: key.validFromMs,
            added_at_ms: by.nowMs,
          })
          .execute();
        await recordChange(tx, 'device', deviceId, 'add_key', status, status, by, {
          keyId: key.keyId,
          alg: key.alg,
          validFromMs: key.validFromMs,
        });
        return { ok: true as const, status };
      });
    },
    /** Move a device to edge `edgeId` and write the history row; why not when the device or edge is unknown. */
    async assignDevice(
      deviceId: string,
      edgeId: string,
      by: ChangeBy,
    ): Promise<{ ok: true; fromEdgeId: string } | { ok: false; reason: 'device_unknown' | 'edge_unknown' }> {
      return db.transaction().execute(async (tx) => {
        const device = await tx
          .selectFrom('device')
          .select(['status', 'edge_id'])
          .where('device_id', '=', deviceId)
          .executeTakeFirst();
        if (!device) return { ok: false as const, reason: 'device_unknown' as const };
        const edge = await tx.selectFrom('edge').select('edge_id').where('edge_id', '=', edgeId).executeTakeFirst();
        if (!edge) return { ok: false as const, reason: 'edge_unknown' as const };
        await tx.updateTable('device').set({ edge_id: edgeId }).where('device_id', '=', deviceId).execute();
        const status = device.status as IdentityStatus;
        await recordChange(tx, 'device', deviceId, 'assign', status, status, by, {
          fromEdgeId: device.edge_id,
          toEdgeId: edgeId,
        });
        return { ok: true as const, fromEdgeId: device.edge_id };
      });
    },
  };
}

/** The identity store. */
export type IdentityStore = ReturnType<typeof createIdentityStore>;

const stores = new WeakMap<CloudStore, IdentityStore>();

/** The identity store on `store`, made once per opened store (it is only a set of queries). */
export function identityStoreOf(store: CloudStore): IdentityStore {
  let identity = stores.get(store);
  if (!identity) {
    identity = createIdentityStore(store);
    stores.set(store, identity);
  }
  return identity;
}
