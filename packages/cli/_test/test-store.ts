// The store a test cloud runs on (FIELDPROOF_TEST_STORE=sqlite|postgres); see the cloud's fixture.
import type { TestCloudStore } from '@fieldproof/cloud/_test/test-store';

export * from '@fieldproof/cloud/_test/test-store';

/**
 * The `--store` arguments that put a `fieldproof` command (start, cloud, keys, audit…) on the same
 * store as `testStore`: none on SQLite (the command's own `<data-dir>` default), and
 * `--store postgres://…?schema=<schema>` on PostgreSQL.
 */
export function storeArguments(testStore: TestCloudStore): string[] {
  const store = testStore.config.store;
  if (store?.kind !== 'postgres') return [];
  const url = new URL(store.url);
  if (store.schema !== undefined) url.searchParams.set('schema', store.schema);
  return ['--store', url.toString()];
}
