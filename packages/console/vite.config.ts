// Vite config of the console. The console runs the ledger's own proof verifier in the browser, so
// @fieldproof/protocol resolves to its browser build (packages/protocol/src/browser.ts) and
// @fieldproof/ledger to the verifier's browser entry, the same swap as the esbuild verifier bundle
// (docs/browser-verifier.md); and the build fails on any Node built-in that would reach the page.
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const packagesFolder = fileURLToPath(new URL('..', import.meta.url));

/** The browser build of @fieldproof/protocol: portable crypto, no Node modules. */
export const protocolBrowserEntry = `${packagesFolder}protocol/src/browser.ts`;

/** The browser entry of the ledger's verifier: verifyFrameBundle and the schemas it needs. */
export const ledgerBrowserEntry = `${packagesFolder}ledger/src/browser/verify-frame-bundle-browser.ts`;

const builtinNames = new Set(builtinModules.filter((name) => !name.startsWith('_')));

/**
 * Fails the build on an import of a Node built-in (`node:*` or a bare `fs`, `crypto`, ...), with
 * the one exception the verifier bundle makes too: sm-crypto-v2's `import('crypto')` fallback for
 * runtimes without `globalThis.crypto` (never taken in a browser), which becomes an empty module.
 */
export function noNodeBuiltinsPlugin(): Plugin {
  const emptyModule = '\0fieldproof-unavailable-crypto';
  return {
    name: 'fieldproof-no-node-builtins',
    enforce: 'pre',
    resolveId(source, importer) {
      const bare = source.startsWith('node:') ? source.slice(5) : source;
      const isBuiltin = source.startsWith('node:') || builtinNames.has(bare.split('/')[0] ?? bare);
      if (!isBuiltin) return null;
      if (source === 'crypto' && importer !== undefined && /[\\/]node_modules[\\/]sm-crypto-v2[\\/]/.test(importer)) {
        return emptyModule;
      }
      this.error(
        `${source} is a Node built-in, imported by ${importer ?? 'the entry'}: the console runs in a browser and must not use Node modules`,
      );
    },
    load(id) {
      return id === emptyModule ? 'export {};' : null;
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [noNodeBuiltinsPlugin(), react()],
  resolve: {
    alias: [
      { find: /^@fieldproof\/protocol$/, replacement: protocolBrowserEntry },
      { find: /^@fieldproof\/ledger$/, replacement: ledgerBrowserEntry },
    ],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2_000,
    rollupOptions: {
      // zod's sources carry comments Rollup reports and drops; that is noise, not a problem here.
      onwarn(warning, warn) {
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('node_modules')) return;
        warn(warning);
      },
    },
  },
});
