import type { CollateralStore, FlowStore, JournalStore, LoanStore, PartyStore } from '@fieldproof/finance';
import type { Kysely } from 'kysely';
import type { FieldCipher } from '../../crypto-at-rest/field-cipher.ts';
import type { CloudStore } from '../../storage/cloud-store.ts';
import { storeKysely } from '../../storage/store-kysely.ts';
import type { FinanceDatabase, FinanceStoreDialect } from './finance-database.ts';
import { createKyselyCollateralStore } from './kysely-collateral-store.ts';
import { createKyselyFlowStore } from './kysely-flow-store.ts';
import { createKyselyJournalStore } from './kysely-journal-store.ts';
import { createKyselyLoanStore } from './kysely-loan-store.ts';
import { createKyselyPartyStore } from './kysely-party-store.ts';

/** Every store the finance package needs, on one cloud store's connection(s). */
export interface FinanceStores {
  /** Accounts and transfers (serialisable transactions). */
  journalStore: JournalStore;
  /** Pledged lots, release orders, applied stock-movement events (atomic double-pledge check). */
  collateralStore: CollateralStore;
  /** Loans and digital claims (optimistic versions). */
  loanStore: LoanStore;
  /** The party graph. */
  partyStore: PartyStore;
  /** The four flows' records. */
  flowStore: FlowStore;
}

/**
 * The finance stores on a migrated Kysely instance (its schema at migration 0005-finance or later).
 * `db` may be typed with any table set: the finance tables are its own.
 */
export function createFinanceStores(
  db: Kysely<unknown>,
  dialect: FinanceStoreDialect,
  cipher?: FieldCipher,
): FinanceStores {
  const finance = db as unknown as Kysely<FinanceDatabase>;
  return {
    journalStore: createKyselyJournalStore(finance, dialect),
    collateralStore: createKyselyCollateralStore(finance, dialect),
    loanStore: createKyselyLoanStore(finance, dialect),
    partyStore: createKyselyPartyStore(finance, dialect, cipher),
    flowStore: createKyselyFlowStore(finance, dialect),
  };
}

/**
 * The finance stores of a cloud store opened by openSqliteCloudStore or openPostgresCloudStore (which
 * run the finance migration with the others). They share its connection(s) and close with it.
 * With `cipher` (as the server always passes) the parties' identity details are sealed at rest.
 */
export function openFinanceStores(store: CloudStore, cipher?: FieldCipher): FinanceStores {
  return createFinanceStores(storeKysely<unknown>(store), store.dialect, cipher);
}
