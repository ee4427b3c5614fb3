/**
 * The finance stores under test: the finance package's in-memory stores (the reference) and the
 * cloud's Kysely stores on SQLite and PostgreSQL, for `describe.each`. Each `open()` gives fresh,
 * empty stores (a fresh SQLite file or PostgreSQL schema); `cleanUp()` removes them all.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createMemoryCollateralStore,
  createMemoryFlowStore,
  createMemoryPartyStore,
  MemoryJournalStore,
  MemoryLoanStore,
} from '@fieldproof/finance';
import { createFieldCipher } from '../src/crypto-at-rest/field-cipher.ts';
import { openFileKeyProvider } from '../src/crypto-at-rest/file-key-provider.ts';
import { type FinanceStores, openFinanceStores } from '../src/finance/stores/open-finance-stores.ts';
import type { CloudStore } from '../src/storage/cloud-store.ts';
import { postgresBackend, sqliteBackend } from './store-backends.ts';

/** One finance backend under test. */
export interface FinanceBackend {
  /** `memory` (the reference), `sqlite` or `postgres`. */
  name: 'memory' | 'sqlite' | 'postgres';
  /** Whether it can run here (false only for PostgreSQL when unreachable outside CI). */
  available(): Promise<boolean>;
  /** Fresh, empty stores. */
  open(): Promise<FinanceStores>;
  /** The cloud store under the last stores opened (undefined for memory). */
  cloudStore(): CloudStore | undefined;
  /** Close and remove everything opened. */
  cleanUp(): Promise<void>;
}

/** The finance package's in-memory stores. */
export function memoryFinanceBackend(): FinanceBackend {
  return {
    name: 'memory',
    available: async () => true,
    async open() {
      return {
        journalStore: new MemoryJournalStore(),
        collateralStore: createMemoryCollateralStore(),
        loanStore: new MemoryLoanStore(),
        partyStore: createMemoryPartyStore(),
        flowStore: createMemoryFlowStore(),
      };
    },
    cloudStore: () => undefined,
    async cleanUp() {},
  };
}

function cloudFinanceBackend(name: 'sqlite' | 'postgres'): FinanceBackend {
  const backend = name === 'sqlite' ? sqliteBackend() : postgresBackend();
  let last: CloudStore | undefined;
  let keysDir: string | undefined;
  return {
    name,
    available: () => backend.available(),
    async open() {
      last = await backend.open();
      // Sealed at rest as the server stores them, so the contract holds through the field cipher.
      keysDir ??= mkdtempSync(join(tmpdir(), 'fieldproof-finance-keys-'));
      const keys = openFileKeyProvider({ dataDir: keysDir, suite: 'intl' });
      return openFinanceStores(last, createFieldCipher({ store: last, keys, suite: 'intl' }));
    },
    cloudStore: () => last,
    async cleanUp() {
      await backend.cleanUp();
      if (keysDir) rmSync(keysDir, { recursive: true, force: true });
    },
  };
}

/** The Kysely finance stores on a temporary SQLite file. */
export function sqliteFinanceBackend(): FinanceBackend {
  return cloudFinanceBackend('sqlite');
}

/** The Kysely finance stores on a fresh PostgreSQL schema. */
export function postgresFinanceBackend(): FinanceBackend {
  return cloudFinanceBackend('postgres');
}

/** All three, the reference first. */
export function financeBackends(): FinanceBackend[] {
  return [memoryFinanceBackend(), sqliteFinanceBackend(), postgresFinanceBackend()];
}
