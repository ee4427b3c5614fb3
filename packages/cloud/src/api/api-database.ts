import type { Generated, Kysely } from 'kysely';
import type { CloudStore } from '../storage/cloud-store.ts';
import { storeKysely } from '../storage/store-kysely.ts';

/** The tables of migration 0012-api, the same on SQLite and PostgreSQL. */
export interface ApiDatabase {
  idempotency_key: {
    subject: string;
    idempotency_key: string;
    method_path: string;
    request_hash: string;
    state: 'running' | 'done';
    response_status: number | null;
    response_content_type: string | null;
    response_body: string | null;
    created_at_ms: number;
    expires_at_ms: number;
  };
  audit_trail: {
    id: Generated<number>;
    at_ms: number;
    request_id: string;
    subject: string;
    organisation_id: string | null;
    role: string | null;
    via: string | null;
    method: string;
    route: string;
    params: string;
    status: number;
    idempotency_key: string | null;
    remote_address: string;
    user_agent: string | null;
  };
}

/** The Kysely instance of `store`, typed for the API's tables. */
export function apiKysely(store: CloudStore): Kysely<ApiDatabase> {
  return storeKysely<ApiDatabase>(store);
}
