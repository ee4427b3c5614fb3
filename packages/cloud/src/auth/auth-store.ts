import type { Kysely } from 'kysely';
import type { CloudStore } from '../storage/cloud-store.ts';
import { storeKysely } from '../storage/store-kysely.ts';
import type { AuthDatabase } from './auth-database.ts';

/** Rows of the tenant tables. */
export type OrganisationRow = AuthDatabase['organisations'];
export type SiteRow = AuthDatabase['sites'];
export type UserRow = AuthDatabase['users'];
export type ApiKeyRow = AuthDatabase['api_keys'];
export type ConsentRow = AuthDatabase['consents'];
export type AccessLogRow = Omit<AuthDatabase['access_log'], 'id'> & { id: number };
export type AccessLogInsert = Omit<AuthDatabase['access_log'], 'id'>;

/** Most rows one list call returns (organisations, users, keys, consents, access log pages). */
export const authListRowsMax = 1_000;

/** Tenants, users, keys, consents and the access log on the cloud store (migration 0008). */
export interface AuthStore {
  insertOrganisation(row: OrganisationRow): Promise<boolean>;
  organisation(id: string): Promise<OrganisationRow | undefined>;
  /** Every organisation, or the one given. */
  organisations(onlyId?: string): Promise<OrganisationRow[]>;
  insertSite(row: SiteRow): Promise<boolean>;
  site(id: string): Promise<SiteRow | undefined>;
  sites(organisationId?: string): Promise<SiteRow[]>;
  /** Insert a user; false when the email is taken. */
  insertUser(row: UserRow): Promise<boolean>;
  userByEmail(email: string): Promise<UserRow | undefined>;
  user(id: string): Promise<UserRow | undefined>;
  users(organisationId?: string): Promise<UserRow[]>;
  insertApiKey(row: ApiKeyRow): Promise<void>;
  apiKey(id: string): Promise<ApiKeyRow | undefined>;
  apiKeys(organisationId?: string): Promise<ApiKeyRow[]>;
  revokeApiKey(id: string, nowMs: number): Promise<boolean>;
  touchApiKey(id: string, nowMs: number): Promise<void>;
  /** The owning organisation and site of each of these devices (registered or not, by id). */
  deviceOwners(
    deviceIds: readonly string[],
  ): Promise<Map<string, { organisationId: string | null; siteId: string | null }>>;
  /** Every device of `organisationId`. */
  devicesOf(organisationId: string): Promise<string[]>;
  assignDevice(deviceId: string, organisationId: string | null, siteId: string | null): Promise<void>;
  assignEdge(edgeId: string, organisationId: string | null): Promise<void>;
  edgeOwners(): Promise<Map<string, string | null>>;
  insertConsent(row: ConsentRow): Promise<void>;
  consent(id: string): Promise<ConsentRow | undefined>;
  /** Consents granted by `organisationId` (or to it, when `side` is `bank`). */
  consents(side: 'grantor' | 'bank' | 'all', organisationId: string): Promise<ConsentRow[]>;
  /** Mark a live consent revoked; false when it was revoked before. */
  revokeConsent(id: string, nowMs: number, by: string, decisionId: string): Promise<boolean>;
  insertAccess(rows: readonly AccessLogInsert[]): Promise<void>;
  /** Access log rows about `ownerOrganisationId`'s data (every row when undefined), newest first, below `beforeId`. */
  accessLog(ownerOrganisationId: string | undefined, limit: number, beforeId?: number): Promise<AccessLogRow[]>;
}

/** The auth store on the cloud store's Kysely (SQLite or PostgreSQL). */
export function createAuthStore(store: CloudStore): AuthStore {
  const db: Kysely<AuthDatabase> = storeKysely<AuthDatabase>(store);
  return {
    async insertOrganisation(row) {
      const result = await db
        .insertInto('organisations')
        .values(row)
        .onConflict((c) => c.doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    organisation: (id) => db.selectFrom('organisations').selectAll().where('id', '=', id).executeTakeFirst(),
    async organisations(onlyId) {
      let query = db.selectFrom('organisations').selectAll().orderBy('id').limit(authListRowsMax);
      if (onlyId !== undefined) query = query.where('id', '=', onlyId);
      return query.execute();
    },
    async insertSite(row) {
      const result = await db
        .insertInto('sites')
        .values(row)
        .onConflict((c) => c.doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    site: (id) => db.selectFrom('sites').selectAll().where('id', '=', id).executeTakeFirst(),
    async sites(organisationId) {
      let query = db.selectFrom('sites').selectAll().orderBy('id').limit(authListRowsMax);
      if (organisationId !== undefined) query = query.where('organisation_id', '=', organisationId);
      return query.execute();
    },
    async insertUser(row) {
      const result = await db
        .insertInto('users')
        .values(row)
        .onConflict((c) => c.doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    userByEmail: (email) => db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst(),
    user: (id) => db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst(),
    async users(organisationId) {
      let query = db.selectFrom('users').selectAll().orderBy('email').limit(authListRowsMax);
      if (organisationId !== undefined) query = query.where('organisation_id', '=', organisationId);
      return query.execute();
    },
    async insertApiKey(row) {
      await db.insertInto('api_keys').values(row).execute();
    },
    apiKey: (id) => db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst(),
    async apiKeys(organisationId) {
      let query = db.selectFrom('api_keys').selectAll().orderBy('created_at_ms').limit(authListRowsMax);
      if (organisationId !== undefined) query = query.where('organisation_id', '=', organisationId);
      return query.execute();
    },
    async revokeApiKey(id, nowMs) {
      const result = await db
        .updateTable('api_keys')
        .set({ revoked_at_ms: nowMs })
        .where('id', '=', id)
        .where('revoked_at_ms', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async touchApiKey(id, nowMs) {
      await db.updateTable('api_keys').set({ last_used_at_ms: nowMs }).where('id', '=', id).execute();
    },
    async deviceOwners(deviceIds) {
      const owners = new Map<string, { organisationId: string | null; siteId: string | null }>();
      if (deviceIds.length === 0) return owners;
      const rows = await db
        .selectFrom('device')
        .select(['device_id', 'organisation_id', 'site_id'])
        .where('device_id', 'in', [...new Set(deviceIds)])
        .execute();
      for (const row of rows) owners.set(row.device_id, { organisationId: row.organisation_id, siteId: row.site_id });
      return owners;
    },
    async devicesOf(organisationId) {
      const rows = await db
        .selectFrom('device')
        .select('device_id')
        .where('organisation_id', '=', organisationId)
        .execute();
      return rows.map((row) => row.device_id);
    },
    async assignDevice(deviceId, organisationId, siteId) {
      await db
        .updateTable('device')
        .set({ organisation_id: organisationId, site_id: siteId })
        .where('device_id', '=', deviceId)
        .execute();
    },
    async assignEdge(edgeId, organisationId) {
      await db.updateTable('edge').set({ organisation_id: organisationId }).where('edge_id', '=', edgeId).execute();
    },
    async edgeOwners() {
      const rows = await db.selectFrom('edge').select(['edge_id', 'organisation_id']).execute();
      return new Map(rows.map((row) => [row.edge_id, row.organisation_id]));
    },
    async insertConsent(row) {
      await db.insertInto('consents').values(row).execute();
    },
    consent: (id) => db.selectFrom('consents').selectAll().where('id', '=', id).executeTakeFirst(),
    async consents(side, organisationId) {
      let query = db.selectFrom('consents').selectAll().orderBy('created_at_ms').orderBy('id').limit(authListRowsMax);
      if (side === 'grantor') query = query.where('organisation_id', '=', organisationId);
      if (side === 'bank') query = query.where('bank_id', '=', organisationId);
      return query.execute();
    },
    async revokeConsent(id, nowMs, by, decisionId) {
      const result = await db
        .updateTable('consents')
        .set({ revoked_at_ms: nowMs, revoked_by: by, revoke_decision_id: decisionId })
        .where('id', '=', id)
        .where('revoked_at_ms', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async insertAccess(rows) {
      if (rows.length === 0) return;
      await db
        .insertInto('access_log')
        .values([...rows])
        .execute();
    },
    async accessLog(ownerOrganisationId, limit, beforeId) {
      let query = db.selectFrom('access_log').selectAll().orderBy('id', 'desc').limit(Math.min(limit, authListRowsMax));
      if (ownerOrganisationId !== undefined) query = query.where('owner_organisation_id', '=', ownerOrganisationId);
      if (beforeId !== undefined) query = query.where('id', '<', beforeId);
      return (await query.execute()) as AccessLogRow[];
    },
  };
}
