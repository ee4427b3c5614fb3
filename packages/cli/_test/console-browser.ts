// What the console's browser tests share: Debian's chromium driven by playwright-core (never a
// downloaded browser), the Vite build of the console, a check that a URL stays on this machine,
// and signing in through the login page.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { build } from 'vite';

/** Debian's chromium package installs here (`apt-get install -y chromium`). */
export const chromiumPath = '/usr/bin/chromium';

/** Flags for a headless, quiet chromium that makes no background requests of its own. */
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The console package and its Vite config. */
export const consoleFolder = join(import.meta.dirname, '..', '..', 'console');
export const consoleConfig = join(consoleFolder, 'vite.config.ts');

/** Whether a URL names this machine (or is not a network URL at all). */
export function isLocal(url: string): boolean {
  const parsed = new URL(url);
  if (parsed.protocol === 'data:' || parsed.protocol === 'blob:' || parsed.protocol === 'about:') return true;
  return ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
}

/** Build the console into `outDir`. */
export async function buildConsole(outDir: string): Promise<void> {
  await build({ configFile: consoleConfig, root: consoleFolder, logLevel: 'error', build: { outDir } });
}

/** Launch chromium; throws (never skips) when it is missing, since the console's acceptance runs in a real browser. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: apt-get install -y chromium`);
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
}

/** A page at 1440×900 in `locale` that records every request URL and page error. */
export async function openPage(
  browser: Browser,
  locale = 'en-US',
): Promise<{ context: BrowserContext; page: Page; requests: string[]; pageErrors: string[] }> {
  const context = await browser.newContext({ locale, viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const requests: string[] = [];
  const pageErrors: string[] = [];
  page.on('request', (request) => {
    requests.push(request.url());
  });
  page.on('pageerror', (error) => {
    pageErrors.push(error.message);
  });
  return { context, page, requests, pageErrors };
}

/** Sign in on the login page with an access token (the admin token until user accounts land). */
export async function signInWithToken(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByTestId('login-form').waitFor();
  await page.locator('input[name="method"][value="token"]').check();
  await page.getByTestId('token-input').fill(token);
  await page.locator('form[data-testid="login-form"] button[type="submit"]').click();
  await page.getByTestId('role').waitFor();
}

/** Sign in on the login page with e-mail and password (a user account of the auth API). */
export async function signInWithPassword(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByTestId('login-form').waitFor();
  await page.locator('input[name="method"][value="password"]').check();
  await page.locator('input[type="email"]').fill(email);
  await page.locator('input[type="password"]').fill(password);
  await page.locator('form[data-testid="login-form"] button[type="submit"]').click();
  await page.getByTestId('role').waitFor();
}
