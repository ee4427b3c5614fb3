import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Party } from '@fieldproof/finance';
import { type CryptoSuiteName, FieldproofError } from '@fieldproof/protocol';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectToSchema } from '../../_test/postgres-fixture.ts';
import { postgresBackend, type StoreBackend, sqliteBackend } from '../../_test/store-backends.ts';
import { openFinanceStores } from '../finance/stores/open-finance-stores.ts';
import { createWebhookStore } from '../finance/webhooks/webhook-store.ts';
import type { CloudStore } from '../storage/cloud-store.ts';
import { storeKysely } from '../storage/store-kysely.ts';
import { createFieldCipher, type FieldCipher, isSealedValue, sealedValueDataKeyId } from './field-cipher.ts';
import { masterKeysPath, openFileKeyProvider } from './file-key-provider.ts';
import { resealValues } from './reseal-values.ts';
import { rotateDataKeys } from './rotate-data-keys.ts';
import { rotateMasterKey } from './rotate-master-key.ts';

const at = { table: 'webhook_subscription', column: 'secret', rowId: 'sub-1' };
const secretText = 'whsec-correct-horse-battery-staple';
const person: Party = { kind: 'person', partyId: 'p-wang', name: 'Wang Fang Identifiable' };
const firm: Party = {
  kind: 'organisation',
  partyId: 'org-1',
  name: 'Tongling Smelting Confidential Co',
  unifiedSocialCreditCode: '91340700MA2N0ABC1X',
  roles: ['supplier'],
};

/** The code of a rejected promise. */
async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error instanceof FieldproofError ? error.code : `not a FieldproofError: ${(error as Error).message}`;
  }
}

/** Every text column of every row of the tables, as the database holds them. */
async function rawRows(backend: StoreBackend, store: CloudStore) {
  const { sqlitePath, postgresSchema } = backend.whereIs(store);
  if (sqlitePath !== undefined) {
    const raw = new Database(sqlitePath, { readonly: true });
    try {
      return JSON.stringify([
        raw.prepare('SELECT * FROM webhook_subscription').all(),
        raw.prepare('SELECT * FROM finance_party').all(),
        raw.prepare('SELECT * FROM data_key').all(),
      ]);
    } finally {
      raw.close();
    }
  }
  const client = await connectToSchema(postgresSchema as string);
  try {
    const tables = [];
    for (const table of ['webhook_subscription', 'finance_party', 'data_key']) {
      tables.push((await client.query(`SELECT * FROM ${table}`)).rows);
    }
    return JSON.stringify(tables);
  } finally {
    await client.end();
  }
}

for (const suite of ['intl', 'sm'] as CryptoSuiteName[]) {
  describe.each([sqliteBackend(), postgresBackend()])(`encryption at rest (${suite}) on $name`, (backend) => {
    let available = true;
    let store: CloudStore;
    let dataDir: string;
    let cipher: FieldCipher;
    const folders: string[] = [];
    beforeAll(async () => {
      available = await backend.available();
    });
    beforeEach(async (context) => {
      if (!available) context.skip();
      store = await backend.open();
      dataDir = mkdtempSync(join(tmpdir(), 'fieldproof-at-rest-'));
      folders.push(dataDir);
      cipher = createFieldCipher({ store, keys: openFileKeyProvider({ dataDir, suite }), suite });
    });
    afterAll(async () => {
      await backend.cleanUp();
      for (const folder of folders) rmSync(folder, { recursive: true, force: true });
    });
    /** A second cipher on the same store and key file, with no keys cached (as after a restart). */
    const reopened = () => createFieldCipher({ store, keys: openFileKeyProvider({ dataDir, suite }), suite });

    it('seals in a self-describing format, reads back, and keeps the key file private', async () => {
      const sealed = await cipher.encrypt('webhook_secret', at, secretText);
      expect(sealed).toMatch(new RegExp(`^fpenc1\\.${suite}\\.dk-[0-9a-f]{16}\\.[A-Za-z0-9_-]+$`));
      expect(sealed).not.toContain(secretText);
      expect(await reopened().decrypt(at, sealed)).toBe(secretText);
      expect(statSync(masterKeysPath(dataDir)).mode & 0o777).toBe(0o600);
    });

    it('a ciphertext with one byte changed fails with ciphertext_invalid', async () => {
      const sealed = await cipher.encrypt('webhook_secret', at, secretText);
      const payload = Buffer.from(sealed.split('.')[3] as string, 'base64url');
      for (const index of [0, Math.floor(payload.length / 2), payload.length - 1]) {
        const tampered = Buffer.from(payload);
        tampered[index] = (tampered[index] as number) ^ 0x01;
        const value = `${sealed.split('.').slice(0, 3).join('.')}.${tampered.toString('base64url')}`;
        expect(await codeOf(cipher.decrypt(at, value))).toBe('ciphertext_invalid');
      }
      expect(await codeOf(cipher.decrypt(at, `${sealed}x`))).toBe('ciphertext_invalid');
      expect(await codeOf(cipher.decrypt(at, 'fpenc1.intl.nonsense'))).toBe('ciphertext_invalid');
    });

    it('a ciphertext moved to another row or column fails with ciphertext_invalid', async () => {
      const sealed = await cipher.encrypt('webhook_secret', at, secretText);
      expect(await codeOf(cipher.decrypt({ ...at, rowId: 'sub-2' }, sealed))).toBe('ciphertext_invalid');
      expect(await codeOf(cipher.decrypt({ ...at, column: 'url' }, sealed))).toBe('ciphertext_invalid');
      // And through the store: swap two subscriptions' secrets in the table.
      const webhooks = createWebhookStore(store, cipher);
      for (const id of ['sub-a', 'sub-b']) {
        await webhooks.insertSubscription({
          subscriptionId: id,
          url: 'https://bank.example/hook',
          eventTypes: ['*'],
          secret: `${secretText}-${id}`,
          createdAtMs: 1,
          active: true,
        });
      }
      const db = storeKysely<{ webhook_subscription: { subscription_id: string; secret: string } }>(store);
      const rows = await db.selectFrom('webhook_subscription').select(['subscription_id', 'secret']).execute();
      const secretOf = (id: string) => rows.find((row) => row.subscription_id === id)?.secret as string;
      await db
        .updateTable('webhook_subscription')
        .set({ secret: secretOf('sub-b') })
        .where('subscription_id', '=', 'sub-a')
        .execute();
      expect(await codeOf(webhooks.getSubscription('sub-a'))).toBe('ciphertext_invalid');
      expect((await webhooks.getSubscription('sub-b'))?.secret).toBe(`${secretText}-sub-b`);
    });

    it('values written before a master-key rotation and a data-key rotation read back after both', async () => {
      const webhooks = createWebhookStore(store, cipher);
      const { partyStore } = openFinanceStores(store, cipher);
      for (let index = 0; index < 7; index += 1) {
        await webhooks.insertSubscription({
          subscriptionId: `sub-${index}`,
          url: 'https://bank.example/hook',
          eventTypes: ['alert.raised'],
          secret: `${secretText}-${index}`,
          createdAtMs: index,
          active: true,
        });
      }
      await partyStore.putParty(person);
      await partyStore.putParty(firm);
      const keysBefore = await cipher.dataKeys.list();
      expect(keysBefore.map((key) => key.purpose).sort()).toEqual(['party_identity', 'webhook_secret']);

      const masterProgress: number[] = [];
      const master = await rotateMasterKey(
        { cipher },
        { onProgress: ({ rewrapped }) => masterProgress.push(rewrapped) },
      );
      expect(master.rewrapped).toBe(2);
      expect(masterProgress).toEqual([1, 2]);
      const keysAfter = await cipher.dataKeys.list();
      expect(keysAfter.every((key) => key.masterKeyId === master.masterKeyId)).toBe(true);
      expect((await cipher.keys.listKeys()).map((key) => key.current)).toEqual([false, true]);
      // The values themselves are untouched by a master-key rotation.
      const fresh = reopened();
      expect((await createWebhookStore(store, fresh).getSubscription('sub-3'))?.secret).toBe(`${secretText}-3`);
      expect(await openFinanceStores(store, fresh).partyStore.listParties()).toEqual([firm, person]);

      const progress: string[] = [];
      const rotated = await rotateDataKeys(
        { store, cipher: fresh },
        { pageRows: 3, onProgress: (p) => progress.push(`${p.table} ${p.rowsResealed}/${p.rowsSeen}`) },
      );
      expect(rotated.resealedByTable).toEqual({ webhook_subscription: 7, finance_party: 2 });
      expect(progress).toEqual([
        'webhook_subscription 3/3',
        'webhook_subscription 6/6',
        'webhook_subscription 7/7',
        'finance_party 2/2',
      ]);
      const stored = await storeKysely<{ webhook_subscription: { secret: string } }>(store)
        .selectFrom('webhook_subscription')
        .select('secret')
        .execute();
      expect(stored.every((row) => sealedValueDataKeyId(row.secret) === rotated.dataKeyIds.webhook_secret)).toBe(true);
      const afterBoth = reopened();
      expect((await createWebhookStore(store, afterBoth).listSubscriptions()).map((s) => s.secret)).toEqual(
        Array.from({ length: 7 }, (_, index) => `${secretText}-${index}`),
      );
      expect(await openFinanceStores(store, afterBoth).partyStore.listParties()).toEqual([firm, person]);
    });

    it('the raw table holds no secret or identity detail in clear, and plaintext rows from before are sealed on the sweep', async () => {
      // Rows written before encryption at rest: stores opened without a cipher write plaintext.
      await createWebhookStore(store).insertSubscription({
        subscriptionId: 'legacy',
        url: 'https://bank.example/old',
        eventTypes: ['*'],
        secret: `${secretText}-legacy`,
        createdAtMs: 1,
        active: true,
      });
      await openFinanceStores(store).partyStore.putParty(person);
      const webhooks = createWebhookStore(store, cipher);
      // The plaintext rows still read.
      expect((await webhooks.getSubscription('legacy'))?.secret).toBe(`${secretText}-legacy`);
      expect(await openFinanceStores(store, cipher).partyStore.listParties()).toEqual([person]);
      const sweep = await resealValues({ store, cipher });
      expect(sweep.resealedByTable).toEqual({ webhook_subscription: 1, finance_party: 1 });
      expect((await resealValues({ store, cipher })).resealedByTable).toEqual({
        webhook_subscription: 0,
        finance_party: 0,
      });
      await webhooks.insertSubscription({
        subscriptionId: 'new',
        url: 'https://bank.example/new',
        eventTypes: ['*'],
        secret: `${secretText}-new`,
        createdAtMs: 2,
        active: true,
      });
      await openFinanceStores(store, cipher).partyStore.putParty(firm);
      const raw = await rawRows(backend, store);
      for (const clear of [secretText, 'Wang Fang', 'Tongling', '91340700MA2N0ABC1X']) expect(raw).not.toContain(clear);
      expect(raw).toContain('p-wang');
      expect(raw).toContain('supplier');
      expect((await webhooks.getSubscription('legacy'))?.secret).toBe(`${secretText}-legacy`);
      expect(await openFinanceStores(store, cipher).partyStore.listParties()).toEqual([firm, person]);
      // Neither the master key nor a data key appears in the rows.
      const masterKeys = JSON.parse(readFileSync(masterKeysPath(dataDir), 'utf8')) as { keys: { key: string }[] };
      for (const { key } of masterKeys.keys) expect(raw).not.toContain(key);
      expect(isSealedValue(JSON.parse(raw)[0][0].secret)).toBe(true);
    });
  });
}
