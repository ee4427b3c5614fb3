import type { Generated } from 'kysely';
import type { OrganisationKind, Role } from './principal.ts';

/** The tables of migration 0008-tenants, the same on SQLite and PostgreSQL (docs/access-control.md). */
export interface AuthDatabase {
  organisations: { id: string; name: string; kind: OrganisationKind; created_at_ms: number };
  sites: { id: string; organisation_id: string; name: string; address: string | null; created_at_ms: number };
  users: {
    id: string;
    organisation_id: string;
    email: string;
    name: string;
    role: Role;
    password_hash: string;
    created_at_ms: number;
    disabled_at_ms: number | null;
  };
  api_keys: {
    id: string;
    organisation_id: string;
    user_id: string | null;
    role: Role;
    name: string;
    secret_hash: string;
    created_at_ms: number;
    revoked_at_ms: number | null;
    last_used_at_ms: number | null;
  };
  consents: {
    id: string;
    organisation_id: string;
    bank_id: string;
    /** JSON array of site ids, or NULL for every site. */
    site_ids: string | null;
    /** JSON array of device ids, or NULL for every device. */
    device_ids: string | null;
    /** JSON array of reading kinds, or NULL for every kind. */
    data_kinds: string | null;
    from_ms: number;
    to_ms: number;
    expires_at_ms: number | null;
    created_at_ms: number;
    created_by: string;
    grant_decision_id: string;
    revoked_at_ms: number | null;
    revoked_by: string | null;
    revoke_decision_id: string | null;
  };
  access_log: {
    id: Generated<number>;
    at_ms: number;
    subject: string;
    organisation_id: string;
    owner_organisation_id: string | null;
    route: string;
    resource: string;
    consent_id: string | null;
    outcome: 'allowed' | 'refused';
    code: string | null;
    remote_address: string;
  };
  /** The columns 0008 adds to the core tables (the rest is in CloudDatabase). */
  device: { device_id: string; organisation_id: string | null; site_id: string | null };
  edge: { edge_id: string; organisation_id: string | null };
}
