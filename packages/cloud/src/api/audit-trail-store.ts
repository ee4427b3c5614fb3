import type { CloudStore } from '../storage/cloud-store.ts';
import { apiKysely } from './api-database.ts';

/** Most audit rows one page returns. */
export const auditTrailPageMax = 500;

/** One state-changing /v1 call. */
export interface AuditRecord {
  /** Position in the trail (rising). */
  id: number;
  /** When the answer was sent, UTC ms. */
  atMs: number;
  /** The request id of the server log line of the call. */
  requestId: string;
  /** The caller's subject, or `anonymous`. */
  subject: string;
  /** The caller's organisation, when authenticated. */
  organisationId: string | null;
  /** The caller's role, when authenticated. */
  role: string | null;
  /** How the caller authenticated (session, api-key, admin-token). */
  via: string | null;
  /** HTTP method. */
  method: string;
  /** The route pattern (`/v1/finance/loans/:loanId/approve`), not the raw URL. */
  route: string;
  /** The path parameters. */
  params: Record<string, string>;
  /** The answer's status. */
  status: number;
  /** The Idempotency-Key of the call, when it had one. */
  idempotencyKey: string | null;
  /** The remote address. */
  remoteAddress: string;
  /** The User-Agent header, cut to 256 characters. */
  userAgent: string | null;
}

/** The append-only audit trail (table audit_trail). */
export interface AuditTrailStore {
  /** Append one record. */
  append(record: Omit<AuditRecord, 'id'>): Promise<void>;
  /** Records newest first, after the `beforeId` position; `subject` filters. */
  list(parameters: { limit: number; beforeId?: number; subject?: string }): Promise<AuditRecord[]>;
}

/** The audit trail on the cloud's SQLite or PostgreSQL store (migration 0012-api). */
export function createAuditTrailStore(store: CloudStore): AuditTrailStore {
  const db = apiKysely(store);
  return {
    async append(record) {
      await db
        .insertInto('audit_trail')
        .values({
          at_ms: record.atMs,
          request_id: record.requestId,
          subject: record.subject,
          organisation_id: record.organisationId,
          role: record.role,
          via: record.via,
          method: record.method,
          route: record.route,
          params: JSON.stringify(record.params),
          status: record.status,
          idempotency_key: record.idempotencyKey,
          remote_address: record.remoteAddress,
          user_agent: record.userAgent,
        })
        .execute();
    },
    async list(parameters) {
      let query = db.selectFrom('audit_trail').selectAll().orderBy('id', 'desc').limit(parameters.limit);
      if (parameters.beforeId !== undefined) query = query.where('id', '<', parameters.beforeId);
      if (parameters.subject !== undefined) query = query.where('subject', '=', parameters.subject);
      const rows = await query.execute();
      return rows.map((row) => ({
        id: Number(row.id),
        atMs: row.at_ms,
        requestId: row.request_id,
        subject: row.subject,
        organisationId: row.organisation_id,
        role: row.role,
        via: row.via,
        method: row.method,
        route: row.route,
        params: JSON.parse(row.params) as Record<string, string>,
        status: row.status,
        idempotencyKey: row.idempotency_key,
        remoteAddress: row.remote_address,
        userAgent: row.user_agent,
      }));
    },
  };
}
