// The console's user journeys in a real browser (Debian's chromium through playwright-core) against
// the embedded stack with the finance demo: a bank officer signs in (the admin token until user
// accounts are merged), opens a borrower, sees its alert and verifies the alert's evidence in the
// page; the language switches to Chinese; the live stream pushes the log size; a bad token or an
// ended session returns to the login page. Then accessibility: every control reached with Tab has
// an accessible name and a visible focus ring, text keeps 4.5:1 contrast, and no request leaves
// this machine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildConsole,
  isLocal,
  launchChromium,
  openPage,
  signInWithPassword,
  signInWithToken,
} from '../_test/console-browser.ts';
import { type FocusStop, focusStopScript, lowContrastScript } from '../_test/console-page-checks.ts';
import { type TestCloudStore, testCloudStore } from '../_test/test-store.ts';
import { type Embedded, readEmbeddedDemoUsers, startEmbedded } from './embedded.ts';

interface AlertView {
  alertId: string;
  rule: string;
  subjectId: string;
  evidence: { kind: string; id: string }[];
}

/** Most Tab presses the keyboard walk makes on one page. */
const tabPressesMax = 80;

describe('console journeys', () => {
  const workFolder = mkdtempSync(join(tmpdir(), 'fieldproof-console-journeys-'));
  const outDir = join(workFolder, 'console-dist');
  let embedded: Embedded;
  let testStore: TestCloudStore | undefined;
  let browser: Browser;
  let page: Page;
  let requests: string[] = [];
  let pageErrors: string[] = [];

  const adminGet = async <Body>(path: string): Promise<Body> => {
    const response = await fetch(`${embedded.cloud.url}${path}`, {
      headers: { authorization: `Bearer ${embedded.cloud.adminToken}` },
    });
    expect(response.status, `${path}: ${await response.clone().text()}`).toBe(200);
    return (await response.json()) as Body;
  };

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
      // Two of each kind: the demo plants its removal on the second load cell.
      devicesPerKind: 2,
      ratePerDeviceHz: 2,
      batchIntervalMs: 200,
      checkpointIntervalMs: 200,
      consoleDir: outDir,
      financeDemo: true,
    });
    ({ page, requests, pageErrors } = await openPage(browser));
    // The Vite build alone takes minutes on a busy two-core machine.
  }, 480_000);

  afterAll(async () => {
    await browser?.close();
    await embedded?.stop();
    await testStore?.cleanUp();
    rmSync(workFolder, { recursive: true, force: true });
  });

  it('a bank officer opens a borrower, sees its alert, verifies the evidence in the browser and reads it in Chinese', async () => {
    // The planted removal on load-cell-2 (15 s after start) raises an alert citing the load cell's frames.
    let outflow: AlertView | undefined;
    await expect
      .poll(
        async () => {
          const { items } = await adminGet<{ items: AlertView[] }>('/v1/alerts?limit=100');
          outflow = items.find(
            (alert) =>
              alert.rule === 'goods_left_without_release' && alert.evidence.some((item) => item.kind === 'frame'),
          );
          return outflow !== undefined;
        },
        { timeout: 90_000, interval: 500 },
      )
      .toBe(true);
    if (!outflow) throw new Error('unreachable: the poll found the alert');

    // The demo's bank officer (a password login; the bank reads device data under the demo consent).
    const officer = readEmbeddedDemoUsers(join(workFolder, 'data'))?.find((user) => user.role === 'bank_officer');
    if (!officer) throw new Error('the embedded start makes a demo bank officer');
    await signInWithPassword(page, embedded.cloud.url, officer.email, officer.password);
    expect(await page.getByTestId('role').innerText()).toBe('Bank officer');

    // Borrower 360 of the warehouse-2 lot's pledgor: its credit reasons, charts and the alert.
    await page.getByRole('tab', { name: 'Borrowers' }).click();
    await page.getByRole('button', { name: 'suzhou-metals' }).click();
    const view = page.getByTestId('borrower-360');
    await view.waitFor();
    await expect.poll(async () => view.locator('h2').innerText()).toContain('suzhou-metals');
    expect(await page.getByTestId('credit-reasons').locator('tbody tr').count()).toBeGreaterThan(3);
    await page.getByTestId('chart-timeline').locator('canvas').waitFor();
    await page.getByTestId('chart-stock').locator('canvas').waitFor();
    await view.locator('[data-testid="alert"][data-rule="goods_left_without_release"]').first().waitFor();

    // Alerts inbox: open the alert and verify its evidence here, until a final checkpoint covers its frames.
    await page.getByRole('tab', { name: 'Alerts' }).click();
    const card = page.locator(`[data-testid="alert"][data-rule="goods_left_without_release"]`).first();
    await card.locator('summary').click();
    const verifyButton = card.getByTestId('verify-evidence');
    await expect
      .poll(
        async () => {
          await verifyButton.click();
          await card.getByTestId('verification-summary').first().waitFor({ timeout: 20_000 });
          await expect.poll(async () => card.getByText('Verifying…').count(), { timeout: 20_000 }).toBe(0);
          return card.locator('[data-testid="verification-step"][data-ok="false"]').count();
        },
        { timeout: 60_000, interval: 1_000 },
      )
      .toBe(0);
    const summaries = await card.getByTestId('verification-summary').allInnerTexts();
    expect(summaries.length).toBeGreaterThan(0);
    for (const summary of summaries) expect(summary).toContain('✓');
    expect(await card.getByTestId('verification-step').count()).toBeGreaterThanOrEqual(8 * summaries.length);

    // Language: the same page in Chinese, with lang on the document.
    await page.getByLabel('Language').selectOption('zh-CN');
    await page.getByRole('tab', { name: '预警' }).waitFor();
    await page.getByRole('tab', { name: '资产组合' }).waitFor();
    expect(await page.evaluate('document.documentElement.lang')).toBe('zh-CN');
    await page.getByLabel('语言').selectOption('en');
    await page.getByRole('tab', { name: 'Alerts' }).waitFor();

    // Portfolio: the charts draw and the exposure is the demo book's.
    await page.getByRole('tab', { name: 'Portfolio' }).click();
    await page.getByTestId('chart-ltv').locator('canvas').waitFor();
    expect(await page.getByTestId('total-exposure').innerText()).toMatch(/^CNY [\d,]+\.\d\d$/);

    // Live: the stream has pushed the log size.
    await expect
      .poll(async () => Number((await page.getByTestId('live-log-size').innerText()) || 0), { timeout: 20_000 })
      .toBeGreaterThan(0);

    expect(pageErrors).toEqual([]);
    expect(requests.filter((url) => !isLocal(url))).toEqual([]);
  }, 240_000);

  it('refuses a wrong token, and a 401 on an ended session returns to the login page', async () => {
    const { page: fresh, context } = await openPage(browser);
    await fresh.goto(`${embedded.cloud.url}/`);
    await fresh.locator('input[name="method"][value="token"]').check();
    await fresh.getByTestId('token-input').fill('not-the-token');
    await fresh.locator('form[data-testid="login-form"] button[type="submit"]').click();
    await fresh.getByText('Those credentials were not accepted.').waitFor();

    await signInWithToken(fresh, embedded.cloud.url, embedded.cloud.adminToken);
    // The token is revoked server-side in effect: the stored one no longer matches.
    await fresh.evaluate(`(() => {
      const stored = JSON.parse(sessionStorage.getItem('fieldproof.session') || '{}');
      sessionStorage.setItem('fieldproof.session', JSON.stringify({ ...stored, token: 'expired-token' }));
    })()`);
    await fresh.reload();
    await fresh.getByText('Your session ended; please sign in again.').waitFor();
    await fresh.getByTestId('login-form').waitFor();
    await context.close();
  });

  it('reaches every control by keyboard with a name and a visible focus, keeps text contrast and stays on this machine', async () => {
    const { page: keyboard, context, requests: keyboardRequests } = await openPage(browser);
    await signInWithToken(keyboard, embedded.cloud.url, embedded.cloud.adminToken);
    expect(await keyboard.evaluate('document.documentElement.lang')).toBe('en');
    const unnamed: string[] = [];
    const unringed: string[] = [];
    const contrast: string[] = [];
    for (const tab of ['Portfolio', 'Alerts', 'Loans', 'Collateral', 'Enterprise', 'Devices']) {
      await keyboard.getByRole('tab', { name: tab }).click();
      await keyboard.waitForTimeout(1_500);
      contrast.push(
        ...((await keyboard.evaluate(lowContrastScript)) as string[]).map((failure) => `${tab}: ${failure}`),
      );
      // Walk from the page's tab to the end of the page with Tab alone.
      await keyboard.getByRole('tab', { name: tab }).focus();
      const seen = new Set<string>();
      for (let press = 0; press < tabPressesMax; press += 1) {
        await keyboard.keyboard.press('Tab');
        const stop = (await keyboard.evaluate(focusStopScript)) as FocusStop | null;
        if (!stop) break;
        const key = `${stop.tag}|${stop.name}`;
        if (seen.has(key) && seen.size > 3) break;
        seen.add(key);
        if (stop.name === '') unnamed.push(`${tab}: ${stop.tag}`);
        if (stop.outline === 'none') unringed.push(`${tab}: ${stop.tag} ${stop.name}`);
      }
      expect(seen.size, `${tab}: controls reached by Tab`).toBeGreaterThan(0);
    }
    expect(unnamed).toEqual([]);
    expect(unringed).toEqual([]);
    expect(contrast).toEqual([]);
    expect(keyboardRequests.length).toBeGreaterThan(0);
    expect(keyboardRequests.filter((url) => !isLocal(url))).toEqual([]);
    await context.close();
  }, 180_000);
});
