// npm run screenshots: build the console, start the embedded stack with the finance demo on free
// ports in a temporary folder, wait for the demo's planted alerts, sign in with the admin token in
// Debian's chromium and save every page at 1440×900 to docs/screenshots/<page>.png.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { startEmbedded } from '../packages/cli/src/embedded.ts';

/** The pages saved, by tab label (English) and file name. */
export const screenshotPages = [
  { file: 'portfolio', tab: 'Portfolio' },
  { file: 'borrowers', tab: 'Borrowers' },
  { file: 'alerts', tab: 'Alerts' },
  { file: 'loans', tab: 'Loans' },
  { file: 'graph', tab: 'Graph' },
  { file: 'collateral', tab: 'Collateral' },
  { file: 'enterprise', tab: 'Enterprise' },
  { file: 'devices', tab: 'Devices' },
  { file: 'ledger', tab: 'Ledger' },
  { file: 'frames', tab: 'Frames' },
] as const;

/** Every file the script writes: the login page and each page above. */
export const screenshotFiles = ['login', ...screenshotPages.map((page) => page.file)];

const root = join(import.meta.dirname, '..');
const outFolder = join(root, 'docs', 'screenshots');
const chromiumPath = '/usr/bin/chromium';

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function settle(page: Page): Promise<void> {
  // Charts draw after their data arrives; give the refetch and the canvas a moment.
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.waitForTimeout(2_500);
}

async function main(): Promise<void> {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: apt-get install -y chromium`);
  const work = mkdtempSync(join(tmpdir(), 'fieldproof-screenshots-'));
  const consoleDir = join(work, 'console');
  const consoleFolder = join(root, 'packages', 'console');
  await build({
    configFile: join(consoleFolder, 'vite.config.ts'),
    root: consoleFolder,
    logLevel: 'error',
    build: { outDir: consoleDir },
  });
  const embedded = await startEmbedded({
    dataDir: join(work, 'data'),
    mqttPort: 0,
    httpPort: 0,
    edgePort: 0,
    devicesPerKind: 2,
    ratePerDeviceHz: 2,
    batchIntervalMs: 500,
    checkpointIntervalMs: 500,
    consoleDir,
    financeDemo: true,
  });
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  try {
    const url = embedded.cloud.url;
    const headers = { authorization: `Bearer ${embedded.cloud.adminToken}` };
    process.stdout.write('waiting for the demo alerts (about 30 s)…\n');
    await waitFor(
      'the planted alerts',
      async () => {
        const body = (await (await fetch(`${url}/v1/alerts?limit=100`, { headers })).json()) as {
          items: { rule: string }[];
        };
        const rules = new Set(body.items.map((alert) => alert.rule));
        return rules.has('goods_left_without_release') && rules.has('device_tampered');
      },
      120_000,
    );
    mkdirSync(outFolder, { recursive: true });
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${url}/`);
    await page.getByTestId('login-form').waitFor();
    await page.screenshot({ path: join(outFolder, 'login.png') });
    await page.locator('input[name="method"][value="token"]').check();
    await page.getByTestId('token-input').fill(embedded.cloud.adminToken);
    await page.locator('form[data-testid="login-form"] button[type="submit"]').click();
    await page.getByTestId('role').waitFor();
    for (const { file, tab } of screenshotPages) {
      await page.getByRole('tab', { name: tab }).click();
      await settle(page);
      if (file === 'borrowers') {
        await page.getByRole('button', { name: 'suzhou-metals' }).click();
        await page.getByTestId('borrower-360').waitFor();
        await settle(page);
      }
      if (file === 'alerts') {
        const card = page.locator('[data-testid="alert"][data-rule="goods_left_without_release"]').first();
        await card.locator('summary').click();
        await card.getByTestId('verify-evidence').click();
        await card.getByTestId('verification-summary').first().waitFor({ timeout: 20_000 });
        // Show the alert's head with its verified evidence below it, not the bottom of the list.
        await page.evaluate(`document.querySelector('[data-rule="goods_left_without_release"]').scrollIntoView()`);
        await page.waitForTimeout(500);
      }
      await page.screenshot({ path: join(outFolder, `${file}.png`) });
      process.stdout.write(`saved docs/screenshots/${file}.png\n`);
    }
    await context.close();
  } finally {
    await browser.close();
    await embedded.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  main().catch((error: unknown) => {
    process.stderr.write(`screenshots failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  });
}
