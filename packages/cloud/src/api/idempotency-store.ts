import type { CloudStore } from '../storage/cloud-store.ts';
import { apiKysely } from './api-database.ts';

/** A stored answer to replay. */
export interface StoredAnswer {
  /** HTTP status of the first answer. */
  status: number;
  /** Its content type. */
  contentType: string | null;
  /** Its body, as sent. */
  body: string;
}

/** What claiming a key found. */
export type ClaimResult =
  | { outcome: 'claimed' }
  | { outcome: 'running'; requestHash: string; methodPath: string }
  | { outcome: 'done'; requestHash: string; methodPath: string; answer: StoredAnswer };

/** Where a write's idempotency key and its first answer are kept (table idempotency_key). */
export interface IdempotencyStore {
  /**
   * Claim (subject, key) for a request, or say what holds it: a request still running, or the
   * stored answer. An expired row is dropped and claimed afresh. Safe against a concurrent claim:
   * the primary key lets exactly one insert win.
   */
  claim(parameters: {
    subject: string;
    key: string;
    methodPath: string;
    requestHash: string;
    nowMs: number;
    ttlMs: number;
  }): Promise<ClaimResult>;
  /** Store the first answer of a claimed key. */
  complete(subject: string, key: string, answer: StoredAnswer): Promise<void>;
  /** Give a claimed key up (the request failed in a way a retry may fix: a 5xx, a stream). */
  release(subject: string, key: string): Promise<void>;
}

/** The idempotency store on the cloud's SQLite or PostgreSQL store (migration 0012-api). */
export function createIdempotencyStore(store: CloudStore): IdempotencyStore {
  const db = apiKysely(store);
  const self: IdempotencyStore = {
    async claim(parameters) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const inserted = await db
          .insertInto('idempotency_key')
          .values({
            subject: parameters.subject,
            idempotency_key: parameters.key,
            method_path: parameters.methodPath,
            request_hash: parameters.requestHash,
            state: 'running',
            response_status: null,
            response_content_type: null,
            response_body: null,
            created_at_ms: parameters.nowMs,
            expires_at_ms: parameters.nowMs + parameters.ttlMs,
          })
          .onConflict((conflict) => conflict.columns(['subject', 'idempotency_key']).doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return { outcome: 'claimed' };
        const row = await db
          .selectFrom('idempotency_key')
          .selectAll()
          .where('subject', '=', parameters.subject)
          .where('idempotency_key', '=', parameters.key)
          .executeTakeFirst();
        if (!row) continue; // released or expired between the insert and the read: try again
        if (row.expires_at_ms <= parameters.nowMs) {
          await db
            .deleteFrom('idempotency_key')
            .where('subject', '=', parameters.subject)
            .where('idempotency_key', '=', parameters.key)
            .where('expires_at_ms', '<=', parameters.nowMs)
            .execute();
          continue;
        }
        if (row.state === 'running') {
          return { outcome: 'running', requestHash: row.request_hash, methodPath: row.method_path };
        }
        return {
          outcome: 'done',
          requestHash: row.request_hash,
          methodPath: row.method_path,
          answer: {
            status: row.response_status ?? 200,
            contentType: row.response_content_type,
            body: row.response_body ?? '',
          },
        };
      }
      throw new Error('invariant violated: an idempotency key kept changing under three claims in a row');
    },
    async complete(subject, key, answer) {
      await db
        .updateTable('idempotency_key')
        .set({
          state: 'done',
          response_status: answer.status,
          response_content_type: answer.contentType,
          response_body: answer.body,
        })
        .where('subject', '=', subject)
        .where('idempotency_key', '=', key)
        .execute();
    },
    async release(subject, key) {
      await db
        .deleteFrom('idempotency_key')
        .where('subject', '=', subject)
        .where('idempotency_key', '=', key)
        .where('state', '=', 'running')
        .execute();
    },
  };
  return self;
}
