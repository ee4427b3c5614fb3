import type { Party } from '@fieldproof/finance';
import { sql } from 'kysely';
import { openParty, sealParty } from '../finance/stores/kysely-party-store.ts';
import { openWebhookSecret, sealWebhookSecret } from '../finance/webhooks/webhook-store.ts';
import type { CloudStore } from '../storage/cloud-store.ts';
import { storeKysely } from '../storage/store-kysely.ts';
import type { DataKeyPurpose } from './data-key-store.ts';
import { type FieldCipher, sealedValueDataKeyId } from './field-cipher.ts';

/** Default rows per page of a re-seal pass (each page is read, re-sealed and written row by row). */
export const resealPageRowsDefault = 200;
/** Most rows per page. */
export const resealPageRowsMax = 10_000;

/** Progress of a re-seal pass, reported after each page. */
export interface ResealProgress {
  /** The table being walked. */
  table: string;
  /** Rows looked at so far in this table. */
  rowsSeen: number;
  /** Rows re-sealed so far in this table (plaintext, or under an older data key). */
  rowsResealed: number;
}

export interface ResealValuesParameters {
  /** Rows per page (1–10,000; default 200). */
  pageRows?: number;
  /** Called after each page. */
  onProgress?: (progress: ResealProgress) => void;
}

export interface ResealValuesResult {
  /** Rows re-sealed per table. */
  resealedByTable: Record<string, number>;
}

interface SealedTable {
  table: string;
  purpose: DataKeyPurpose;
  reseal(
    store: CloudStore,
    cipher: FieldCipher,
    currentDataKeyId: string | undefined,
    afterId: string,
    limit: number,
  ): Promise<{ lastId: string | undefined; seen: number; resealed: number }>;
}

interface ResealDatabase {
  webhook_subscription: { subscription_id: string; secret: string };
  finance_party: { party_id: string; document: unknown; sealed: string | null };
}

// The columns sealed at rest. A new sensitive column adds an entry here, so rotation re-seals it.
const sealedTables: SealedTable[] = [
  {
    table: 'webhook_subscription',
    purpose: 'webhook_secret',
    async reseal(store, cipher, currentDataKeyId, afterId, limit) {
      const db = storeKysely<ResealDatabase>(store);
      const rows = await db
        .selectFrom('webhook_subscription')
        .select(['subscription_id', 'secret'])
        .where('subscription_id', '>', afterId)
        .orderBy('subscription_id')
        .limit(limit)
        .execute();
      let resealed = 0;
      for (const row of rows) {
        if (currentDataKeyId !== undefined && sealedValueDataKeyId(row.secret) === currentDataKeyId) continue;
        const secret = await openWebhookSecret(cipher, row.subscription_id, row.secret);
        const sealed = await sealWebhookSecret(cipher, row.subscription_id, secret);
        // Only if nobody changed the row meanwhile (a rotation running beside a live cloud).
        const result = await db
          .updateTable('webhook_subscription')
          .set({ secret: sealed })
          .where('subscription_id', '=', row.subscription_id)
          .where('secret', '=', row.secret)
          .executeTakeFirst();
        resealed += Number(result.numUpdatedRows);
      }
      return { lastId: rows.at(-1)?.subscription_id, seen: rows.length, resealed };
    },
  },
  {
    table: 'finance_party',
    purpose: 'party_identity',
    async reseal(store, cipher, currentDataKeyId, afterId, limit) {
      const db = storeKysely<ResealDatabase>(store);
      const rows = await db
        .selectFrom('finance_party')
        .select(['party_id', 'document', 'sealed'])
        .where('party_id', '>', afterId)
        .orderBy('party_id')
        .limit(limit)
        .execute();
      let resealed = 0;
      for (const row of rows) {
        if (
          currentDataKeyId !== undefined &&
          row.sealed !== null &&
          sealedValueDataKeyId(row.sealed) === currentDataKeyId
        ) {
          continue;
        }
        const party: Party = await openParty(cipher, row);
        const next = await sealParty(cipher, party);
        const result = await db
          .updateTable('finance_party')
          .set({ document: next.document, sealed: next.sealed })
          .where('party_id', '=', row.party_id)
          .where(row.sealed === null ? sql<boolean>`sealed IS NULL` : sql<boolean>`sealed = ${row.sealed}`)
          .executeTakeFirst();
        resealed += Number(result.numUpdatedRows);
      }
      return { lastId: rows.at(-1)?.party_id, seen: rows.length, resealed };
    },
  },
];

/**
 * Seal, under each purpose's current data key, every sensitive value that is not yet: plaintext
 * rows written before encryption at rest (the cloud runs this at start), and values under an older
 * data key (after `fieldproof keys rotate --data-keys`). Walks each table in pages by id; a row
 * changed meanwhile is left as its writer sealed it. Safe to run again; it resumes where values
 * are not yet current.
 */
export async function resealValues(
  deps: { store: CloudStore; cipher: FieldCipher },
  parameters: ResealValuesParameters = {},
): Promise<ResealValuesResult> {
  const pageRows = parameters.pageRows ?? resealPageRowsDefault;
  if (!Number.isInteger(pageRows) || pageRows < 1 || pageRows > resealPageRowsMax) {
    throw new Error(`pageRows must be an integer from 1 to ${resealPageRowsMax} (resealPageRowsMax), got ${pageRows}`);
  }
  const resealedByTable: Record<string, number> = {};
  for (const sealed of sealedTables) {
    const current = await deps.cipher.dataKeys.current(sealed.purpose, deps.cipher.suite);
    let afterId = '';
    let rowsSeen = 0;
    let rowsResealed = 0;
    for (;;) {
      const page = await sealed.reseal(deps.store, deps.cipher, current?.dataKeyId, afterId, pageRows);
      rowsSeen += page.seen;
      rowsResealed += page.resealed;
      if (page.seen > 0) parameters.onProgress?.({ table: sealed.table, rowsSeen, rowsResealed });
      if (page.lastId === undefined || page.seen < pageRows) break;
      afterId = page.lastId;
    }
    resealedByTable[sealed.table] = rowsResealed;
  }
  return { resealedByTable };
}
