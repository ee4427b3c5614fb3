// The web console end to end in a real browser: Vite builds it, the embedded stack serves it from
// the cloud, and Debian's chromium (driven by playwright-core) switches language, verifies a frame
// in the page with the ledger's verifier and reads the witnesses. No request may leave this host.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build, type Plugin } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildConsole,
  consoleConfig,
  consoleFolder,
  isLocal,
  launchChromium,
  openPage,
  signInWithToken,
} from '../_test/console-browser.ts';
import { type TestCloudStore, testCloudStore } from '../_test/test-store.ts';
import { type Embedded, embeddedWitnessNames, startEmbedded } from './embedded.ts';

describe('web console', () => {
  const workFolder = mkdtempSync(join(tmpdir(), 'fieldproof-console-'));
  const outDir = join(workFolder, 'console-dist');
  let embedded: Embedded;
  let testStore: TestCloudStore | undefined;
  let browser: Browser;
  let page: Page;
  let requests: string[] = [];
  let pageErrors: string[] = [];

  beforeAll(async () => {
    // Fail, never skip, without the browser: the console's acceptance runs in a real one.
    browser = await launchChromium();
    await buildConsole(outDir);
    testStore = await testCloudStore();
    embedded = await startEmbedded({
      ...testStore.config,
      dataDir: join(workFolder, 'data'),
      mqttPort: 0,
      httpPort: 0,
      edgePort: 0,
      devicesPerKind: 1,
      ratePerDeviceHz: 5,
      batchIntervalMs: 200,
      checkpointIntervalMs: 200,
      consoleDir: outDir,
    });
    ({ page, requests, pageErrors } = await openPage(browser));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await embedded?.stop();
    await testStore?.cleanUp();
    rmSync(workFolder, { recursive: true, force: true });
  });

  it('serves the console at / and index.html for console paths, JSON 404 for unknown API paths', async () => {
    const root = await fetch(`${embedded.cloud.url}/`);
    expect(root.status).toBe(200);
    expect(await root.text()).toContain('<div id="root">');
    const deepLink = await fetch(`${embedded.cloud.url}/frames/anything`);
    expect(deepLink.status).toBe(200);
    expect(await deepLink.text()).toContain('<div id="root">');
    const unknownApi = await fetch(`${embedded.cloud.url}/v1/no-such-route`);
    expect(unknownApi.status).toBe(404);
    expect(((await unknownApi.json()) as { error: { code: string } }).error.code).toBe('not_found');
    const status = await fetch(`${embedded.cloud.url}/v1/status`);
    expect(status.headers.get('content-type')).toContain('application/json');
  });

  it('switches language, verifies a frame in the browser and shows the witnesses', async () => {
    // Wait until a final checkpoint covers some frames, so that a listed frame has a full proof.
    await expect
      .poll(
        async () => {
          const status = (await (
            await fetch(`${embedded.cloud.url}/v1/status`, {
              headers: { authorization: `Bearer ${embedded.cloud.adminToken}` },
            })
          ).json()) as {
            finalCheckpointSize: number;
          };
          return status.finalCheckpointSize;
        },
        { timeout: 30_000, interval: 200 },
      )
      .toBeGreaterThan(1);

    await signInWithToken(page, embedded.cloud.url, embedded.cloud.adminToken);
    const framesTab = page.getByRole('tab', { name: 'Frames' });
    await framesTab.waitFor();

    // Language: the tab's label turns Chinese and back.
    await page.getByLabel('Language').selectOption('zh-CN');
    await page.getByRole('tab', { name: '数据帧' }).waitFor();
    expect(await page.getByRole('tab', { name: 'Frames' }).count()).toBe(0);
    await page.getByLabel('语言').selectOption('en');
    await framesTab.waitFor();

    // Keyboard: from the Ledger tab, the right arrow moves to Frames (the admin sees every page).
    await page.getByRole('tab', { name: 'Ledger' }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await framesTab.getAttribute('aria-selected')).toBe('true');

    // Frames: verify the oldest listed frame, which the final checkpoint covers.
    const rows = page.getByTestId('frame-row');
    await rows.first().waitFor();
    await rows
      .last()
      .getByRole('button', { name: /^Verify frame / })
      .click();
    const summary = page.getByTestId('verification-summary');
    await summary.waitFor({ timeout: 20_000 });
    const steps = page.getByTestId('verification-step');
    const stepCount = await steps.count();
    expect(stepCount).toBeGreaterThanOrEqual(8);
    const failed = await page.locator('[data-testid="verification-step"][data-ok="false"]').allInnerTexts();
    expect(failed).toEqual([]);
    expect(await summary.innerText()).toContain('✓');
    expect(await steps.first().innerText()).toContain('schema');

    // Ledger: the four consortium witnesses, their threshold and cosignature lines.
    await page.getByRole('tab', { name: 'Ledger' }).click();
    const witnesses = page.getByTestId('witnesses');
    await witnesses.waitFor();
    for (const name of embeddedWitnessNames) {
      await expect.poll(async () => witnesses.innerText()).toContain(name);
    }
    await expect.poll(async () => page.getByTestId('cosignature-lines').locator('li').count()).toBeGreaterThan(2);
    await page.getByTestId('log-size-chart').locator('canvas').waitFor();

    // Devices: one device of each kind behind edge-1.
    await page.getByRole('tab', { name: 'Devices' }).click();
    await page.getByTestId('devices').waitFor();
    expect(await page.getByTestId('devices').innerText()).toContain('edge-1');

    expect(pageErrors).toEqual([]);
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((url) => !isLocal(url))).toEqual([]);
  });

  it('refuses to build a console that imports a Node built-in', async () => {
    const nodeImport: Plugin = {
      name: 'test-node-import',
      enforce: 'pre',
      transform(code, id) {
        return id.endsWith('/src/main.tsx') ? `import 'node:fs';\n${code}` : null;
      },
    };
    await expect(
      build({
        configFile: consoleConfig,
        root: consoleFolder,
        logLevel: 'silent',
        plugins: [nodeImport],
        build: { outDir: join(workFolder, 'refused'), write: false },
      }),
    ).rejects.toThrow(/node:fs is a Node built-in/);
  });
});
