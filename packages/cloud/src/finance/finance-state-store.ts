import type { PriceRecord } from '@fieldproof/finance';
import type { CloudStore } from '../storage/cloud-store.ts';
import { storeKysely } from '../storage/store-kysely.ts';

/** The tables of migration 0007-finance-state, the same on SQLite and PostgreSQL. */
interface FinanceStateDatabase {
  finance_price: {
    commodity: string;
    as_of_ms: number;
    source: string;
    price_minor_per_unit: string;
    unit_grams: string;
    currency: string;
    decision_id: string;
  };
  finance_watch: { kind: string; id: string };
}

/** What the finance workers keep a set of: loans the accrual visits, organisations the ring rule watches. */
export type FinanceWatchKind = 'disbursed_loan' | 'monitored_organisation';

/** A stored price with the decision that logged it. */
export interface StoredPrice {
  /** The price record. */
  record: PriceRecord;
  /** The `price.recorded` decision that logged it. */
  decisionId: string;
}

/** Finance state that must survive a restart: the price feed and the workers' watch sets. */
export interface FinanceStateStore {
  /** Keep price records (a record seen before, by commodity, time and source, is kept once). */
  addPrices(records: readonly PriceRecord[], decisionId: string): Promise<void>;
  /** The newest `limit` price records, oldest first. */
  latestPrices(limit: number): Promise<StoredPrice[]>;
  /** Add an id to a watch set (idempotent). */
  watch(kind: FinanceWatchKind, id: string): Promise<void>;
  /** Every id of a watch set. */
  watched(kind: FinanceWatchKind): Promise<string[]>;
}

/** The finance state store on a cloud store's own connection(s) (SQLite or PostgreSQL). */
export function createFinanceStateStore(store: CloudStore): FinanceStateStore {
  const db = storeKysely<FinanceStateDatabase>(store);
  return {
    async addPrices(records, decisionId) {
      if (records.length === 0) return;
      await db
        .insertInto('finance_price')
        .values(
          records.map((record) => ({
            commodity: record.commodity,
            as_of_ms: record.asOfMs,
            source: record.source,
            price_minor_per_unit: record.priceMinorPerUnit.toString(),
            unit_grams: record.unitGrams.toString(),
            currency: record.currency,
            decision_id: decisionId,
          })),
        )
        .onConflict((conflict) => conflict.columns(['commodity', 'as_of_ms', 'source']).doNothing())
        .execute();
    },
    async latestPrices(limit) {
      const rows = await db
        .selectFrom('finance_price')
        .selectAll()
        .orderBy('as_of_ms', 'desc')
        .orderBy('commodity')
        .limit(limit)
        .execute();
      return rows.reverse().map((row) => ({
        record: {
          commodity: row.commodity,
          priceMinorPerUnit: BigInt(row.price_minor_per_unit),
          unitGrams: BigInt(row.unit_grams),
          currency: row.currency,
          asOfMs: Number(row.as_of_ms),
          source: row.source,
        },
        decisionId: row.decision_id,
      }));
    },
    async watch(kind, id) {
      await db
        .insertInto('finance_watch')
        .values({ kind, id })
        .onConflict((conflict) => conflict.columns(['kind', 'id']).doNothing())
        .execute();
    },
    async watched(kind) {
      const rows = await db.selectFrom('finance_watch').select('id').where('kind', '=', kind).orderBy('id').execute();
      return rows.map((row) => row.id);
    },
  };
}
