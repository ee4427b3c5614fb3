// The browser verifier in a real browser: Debian's chromium, driven by playwright-core, loads the
// esbuild bundle from a local HTTP server and verifies real bundles built with fresh keys.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FrameProofBundle, TrustFile } from '@fieldproof/protocol';
import { build } from 'esbuild';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFrameBundle, type FixtureAlgorithms, type FrameBundleFixture } from '../../_test/frame-bundle-fixture.ts';
import {
  type FrameBundleStep,
  frameBundleSteps,
  type VerifyFrameBundleResult,
  verifyFrameBundle,
} from '../proof/verify-frame-bundle.ts';
import {
  type BuildVerifierBundleResult,
  buildVerifierBundle,
  noNodeBuiltinsPlugin,
  protocolBrowserBuildPlugin,
} from './build-verifier-bundle.ts';
import type { FieldproofVerifierGlobal } from './verify-frame-bundle-browser.ts';

/** Debian's chromium package installs here (`apt-get install -y chromium`). */
const chromiumPath = '/usr/bin/chromium';
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const page = `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>fieldproof verifier</title></head>
<body><script type="module">
import * as verifier from '/fieldproof-verifier.js';
window.fieldproofModule = verifier;
document.title = 'ready';
</script></body></html>`;

/** Flip the low bit of the first byte of a base64 hash. */
function flipBase64(value: string): string {
  const bytes = Buffer.from(value, 'base64');
  bytes[0] = (bytes[0] as number) ^ 0x01;
  return bytes.toString('base64');
}

/** Run the bundle's verifyFrameBundle in the page: through the ES module and through the global. */
async function verifyInPage(
  browserPage: Page,
  bundle: unknown,
  trust: TrustFile,
): Promise<{ fromModule: VerifyFrameBundleResult; fromGlobal: VerifyFrameBundleResult }> {
  return browserPage.evaluate(
    ([pageBundle, pageTrust]) => {
      const scope = globalThis as unknown as {
        fieldproof: FieldproofVerifierGlobal;
        fieldproofModule: FieldproofVerifierGlobal;
      };
      return {
        fromModule: scope.fieldproofModule.verifyFrameBundle(pageBundle, pageTrust),
        fromGlobal: scope.fieldproof.verifyFrameBundle(pageBundle, pageTrust),
      };
    },
    [bundle, trust] as const,
  );
}

/** Every step before `step` passed, `step` failed with `code`, the rest did not run. */
function expectFailureAt(result: VerifyFrameBundleResult, step: FrameBundleStep, code: string): void {
  expect(result.ok).toBe(false);
  const at = frameBundleSteps.indexOf(step);
  expect(result.steps.map((entry) => entry.step)).toEqual([...frameBundleSteps]);
  for (const [i, entry] of result.steps.entries()) {
    if (i < at) expect(entry, `step ${entry.step} should pass`).toMatchObject({ ok: true });
    if (i === at) expect(entry).toMatchObject({ step, ok: false, code });
    if (i > at) expect(entry).toMatchObject({ ok: false, code: 'not_run' });
  }
}

describe('the browser verifier bundle', () => {
  let verifier: BuildVerifierBundleResult;
  beforeAll(async () => {
    verifier = await buildVerifierBundle();
  });

  it('holds the portable crypto and none of the Node-only modules of @fieldproof/protocol', () => {
    expect(verifier.inputs).toContain('packages/protocol/src/browser.ts');
    expect(verifier.inputs).toContain('packages/protocol/src/crypto/portable-crypto.ts');
    for (const nodeOnly of ['index.ts', 'crypto/signatures.ts', 'crypto/verify-pool.ts', 'key-file.ts']) {
      expect(verifier.inputs).not.toContain(`packages/protocol/src/${nodeOnly}`);
    }
    expect(verifier.code).not.toMatch(/["']node:/);
    expect(verifier.sizeBytes).toBe(Buffer.byteLength(verifier.code));
  });

  it('fails to build when anything imports a Node built-in, with or without the node: prefix', async () => {
    const plugins = [protocolBrowserBuildPlugin(), noNodeBuiltinsPlugin()];
    const bundleOf = (contents: string) =>
      build({
        stdin: { contents, resolveDir: import.meta.dirname, loader: 'ts' },
        bundle: true,
        write: false,
        platform: 'browser',
        logLevel: 'silent',
        plugins,
      });
    await expect(bundleOf("import { createHash } from 'node:crypto'; createHash('sha256');")).rejects.toThrow(
      /node:crypto is a Node built-in.*must not use Node modules/,
    );
    await expect(bundleOf("import { readFileSync } from 'fs'; readFileSync('x');")).rejects.toThrow(
      /fs is a Node built-in/,
    );
    await expect(bundleOf("export const load = () => import('node:worker_threads');")).rejects.toThrow(
      /node:worker_threads is a Node built-in/,
    );
    // The Node build of protocol (key files, the worker pool, OpenSSL signatures) cannot slip in by path.
    const protocolNodeEntry = join(import.meta.dirname, '..', '..', '..', 'protocol', 'src', 'index.ts');
    await expect(bundleOf(`export * from ${JSON.stringify(protocolNodeEntry)};`)).rejects.toThrow(
      /node:(fs|os|worker_threads|crypto|path) is a Node built-in/,
    );
  });

  it('runs in Node too, from the same bytes, with the same results as the ledger', async () => {
    const module = (await import(
      /* @vite-ignore */ `data:text/javascript;base64,${Buffer.from(verifier.code).toString('base64')}`
    )) as FieldproofVerifierGlobal;
    const fixture = await buildFrameBundle('sm', { device: 'sm2', edge: 'sm2', log: 'sm2' });
    const result = module.verifyFrameBundle(fixture.bundle, fixture.trust);
    expect(result.ok).toBe(true);
    expect(result).toEqual(verifyFrameBundle(fixture.bundle, fixture.trust));
  });
});

describe(`verifyFrameBundle in a real browser (${chromiumPath} through playwright-core)`, () => {
  let server: Server;
  let browser: Browser;
  let browserPage: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // A missing browser is a failure, never a skip: CI installs Debian's chromium package.
    if (!existsSync(chromiumPath)) {
      throw new Error(`${chromiumPath} is missing: install Debian's chromium package (apt-get install -y chromium)`);
    }
    const { code } = await buildVerifierBundle();
    server = createServer((request, response) => {
      if (request.url === '/fieldproof-verifier.js') {
        response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(code);
      } else if (request.url === '/') {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    browserPage = await browser.newPage();
    browserPage.on('pageerror', (error) => pageErrors.push(error.message));
    browserPage.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await browserPage.goto(`http://127.0.0.1:${port}/`);
    await browserPage.waitForFunction(
      () => (globalThis as unknown as { document: { title: string } }).document.title === 'ready',
    );
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('is a browser: no Node globals, and the bundle loaded without an error', async () => {
    const globals = await browserPage.evaluate(() => ({
      buffer: typeof (globalThis as { Buffer?: unknown }).Buffer,
      process: typeof (globalThis as { process?: unknown }).process,
      userAgent: (globalThis as unknown as { navigator: { userAgent: string } }).navigator.userAgent,
    }));
    expect(globals).toMatchObject({ buffer: 'undefined', process: 'undefined' });
    expect(globals.userAgent).toMatch(/Chrome\//);
    expect(pageErrors).toEqual([]);
  });

  describe.each([
    ['intl', { device: 'ed25519', edge: 'ecdsa-p256', log: 'ed25519' }],
    ['sm', { device: 'sm2', edge: 'sm2', log: 'sm2' }],
    ['intl', { device: 'ecdsa-p256', edge: 'ed25519', log: 'ecdsa-p256' }],
  ] as const)('suite %s, keys %o', (suite, algs: FixtureAlgorithms) => {
    let fixture: FrameBundleFixture;
    const fresh = (): { bundle: FrameProofBundle; trust: TrustFile } =>
      structuredClone({ bundle: fixture.bundle, trust: fixture.trust });
    beforeAll(async () => {
      fixture = await buildFrameBundle(suite, algs);
    });

    it('accepts the untouched bundle, every step passing, exactly as Node does', async () => {
      const { fromModule, fromGlobal } = await verifyInPage(browserPage, fixture.bundle, fixture.trust);
      expect(fromModule.steps.map((entry) => [entry.step, entry.ok])).toEqual(
        frameBundleSteps.map((step) => [step, true]),
      );
      expect(fromModule.ok).toBe(true);
      expect(fromGlobal).toEqual(fromModule);
      expect(fromModule).toEqual(verifyFrameBundle(fixture.bundle, fixture.trust));
    });

    it('rejects a changed reading at frame_signature', async () => {
      const { bundle, trust } = fresh();
      const reading = bundle.frame.frame.readings[0];
      if (!reading) throw new Error('the fixture frame has no reading');
      reading.value = 9999;
      const { fromModule, fromGlobal } = await verifyInPage(browserPage, bundle, trust);
      expectFailureAt(fromModule, 'frame_signature', 'frame_signature_invalid');
      expect(fromGlobal).toEqual(fromModule);
      expect(fromModule).toEqual(verifyFrameBundle(bundle, trust));
    });

    it('rejects an altered batch proof hash at frame_in_batch', async () => {
      const { bundle, trust } = fresh();
      bundle.batch.inclusionProof[0] = flipBase64(bundle.batch.inclusionProof[0] as string);
      const { fromModule } = await verifyInPage(browserPage, bundle, trust);
      expectFailureAt(fromModule, 'frame_in_batch', 'frame_not_in_batch');
      expect(fromModule).toEqual(verifyFrameBundle(bundle, trust));
    });

    it('rejects an altered log proof hash at batch_in_log', async () => {
      const { bundle, trust } = fresh();
      const last = bundle.log.inclusionProof.length - 1;
      bundle.log.inclusionProof[last] = flipBase64(bundle.log.inclusionProof[last] as string);
      const { fromModule } = await verifyInPage(browserPage, bundle, trust);
      expectFailureAt(fromModule, 'batch_in_log', 'batch_not_in_log');
      expect(fromModule).toEqual(verifyFrameBundle(bundle, trust));
    });

    it('reports a malformed bundle at schema without throwing', async () => {
      const { fromModule } = await verifyInPage(browserPage, { ...fixture.bundle, extra: 1 }, fixture.trust);
      expectFailureAt(fromModule, 'schema', 'bundle_malformed');
      expect(pageErrors).toEqual([]);
    });
  });
});
