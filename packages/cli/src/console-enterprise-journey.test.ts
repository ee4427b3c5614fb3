// The enterprise journey: the bank officer reads a borrower's 360; the enterprise admin revokes the
// bank's consent on the Enterprise page; the bank's next read shows the "no consent" notice (not a
// crash); the enterprise sees the bank's reads in its access log.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole, isLocal, launchChromium, openPage, signInWithPassword } from '../_test/console-browser.ts';
import { type TestCloudStore, testCloudStore } from '../_test/test-store.ts';
import { type Embedded, startEmbedded } from './embedded.ts';

/** A demo user as `<dataDir>/keys/demo-users.json` lists it. */
interface DemoUser {
  email: string;
  password: string;
  role: string;
  organisationId: string;
}

function demoUsers(cloudDataDir: string): DemoUser[] {
  const parsed = JSON.parse(readFileSync(join(cloudDataDir, 'keys', 'demo-users.json'), 'utf8')) as
    | DemoUser[]
    | { users: DemoUser[] };
  return Array.isArray(parsed) ? parsed : parsed.users;
}

describe('console enterprise journey', () => {
  const workFolder = mkdtempSync(join(tmpdir(), 'fieldproof-console-enterprise-'));
  const outDir = join(workFolder, 'console-dist');
  let embedded: Embedded;
  let testStore: TestCloudStore | undefined;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
    await buildConsole(outDir);
    testStore = await testCloudStore();
    embedded = await startEmbedded({
      ...testStore.config,
      dataDir: join(workFolder, 'data'),
      mqttPort: 0,
      httpPort: 0,
      edgePort: 0,
      devicesPerKind: 2,
      ratePerDeviceHz: 2,
      batchIntervalMs: 200,
      checkpointIntervalMs: 200,
      consoleDir: outDir,
      financeDemo: true,
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await embedded?.stop();
    await testStore?.cleanUp();
    rmSync(workFolder, { recursive: true, force: true });
  });

  it('an enterprise revokes the bank consent and the bank sees "no consent" instead of the data', async () => {
    const users = demoUsers(join(workFolder, 'data', 'cloud'));
    const officer = users.find((user) => user.role === 'bank_officer');
    const enterprise = users.find((user) => user.role === 'enterprise_admin');
    if (!officer || !enterprise) throw new Error('the demo users include a bank officer and an enterprise admin');

    const bank = await openPage(browser);
    await signInWithPassword(bank.page, embedded.cloud.url, officer.email, officer.password);
    expect(await bank.page.getByTestId('role').innerText()).toBe('Bank officer');
    await bank.page.getByRole('tab', { name: 'Borrowers' }).click();
    await bank.page.getByRole('button', { name: enterprise.organisationId }).click();
    await bank.page.getByTestId('borrower-360').waitFor();

    const owner = await openPage(browser);
    await signInWithPassword(owner.page, embedded.cloud.url, enterprise.email, enterprise.password);
    await owner.page.getByRole('tab', { name: 'Enterprise' }).click();
    const row = owner.page.getByTestId('consent-row').filter({ hasText: officer.organisationId }).first();
    await row.getByRole('button', { name: /^Revoke / }).click();
    await expect.poll(async () => row.innerText()).toContain('revoked');

    await bank.page.reload();
    await bank.page.getByRole('tab', { name: 'Borrowers' }).click();
    await bank.page.getByRole('button', { name: enterprise.organisationId }).click();
    await bank.page.getByTestId('consent-missing').waitFor();

    await owner.page.reload();
    await owner.page.getByRole('tab', { name: 'Enterprise' }).click();
    await expect.poll(async () => owner.page.getByTestId('access-log').innerText()).toContain(officer.organisationId);

    for (const session of [bank, owner]) {
      expect(session.pageErrors).toEqual([]);
      expect(session.requests.filter((url) => !isLocal(url))).toEqual([]);
      await session.context.close();
    }
  }, 240_000);
});
