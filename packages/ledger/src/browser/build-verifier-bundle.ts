// Builds the browser verifier with esbuild. Build-time code: used by
// scripts/build-browser-verifier.ts and by the browser test, never by the ledger at run time.
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { build, type Plugin } from 'esbuild';

/** The entry module of the browser verifier. */
export const verifierEntryPath = join(import.meta.dirname, 'verify-frame-bundle-browser.ts');

const protocolPackage = '@fieldproof/protocol';
const resolvingProtocol = Symbol('resolving @fieldproof/protocol');

/**
 * Resolves `@fieldproof/protocol` to its browser build (`src/browser.ts` beside `src/index.ts`):
 * portable `verify` and `suiteHash`, and none of the Node-only modules. It does what a
 * `"browser"` condition in the package's `exports` would do for esbuild's browser platform.
 */
export function protocolBrowserBuildPlugin(): Plugin {
  return {
    name: 'fieldproof-protocol-browser-build',
    setup(esbuild) {
      esbuild.onResolve({ filter: /^@fieldproof\/protocol$/ }, async (args) => {
        if (args.pluginData === resolvingProtocol) return undefined;
        const resolved = await esbuild.resolve(protocolPackage, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: resolvingProtocol,
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        return { path: join(dirname(resolved.path), 'browser.ts') };
      });
    },
  };
}

const builtinNames = builtinModules.filter((name) => !name.startsWith('_')).map((name) => name.replace(/\//g, '\\/'));
const bareBuiltinPattern = new RegExp(`^(?:${builtinNames.join('|')})(?:\\/.*)?$`);

/**
 * Fails the build on any import of a Node built-in: `node:*` always; a bare name such as
 * `crypto` or `fs` too, except the one sm-crypto-v2 makes with `await import('crypto')` inside a
 * try, on a path it takes only where `globalThis.crypto` is missing (never in a browser or in
 * Node 20). That one resolves to an empty module, so the bundle names no Node module at all.
 */
export function noNodeBuiltinsPlugin(): Plugin {
  return {
    name: 'fieldproof-no-node-builtins',
    setup(esbuild) {
      const refuse = (path: string, importer: string) => ({
        errors: [
          {
            text: `${path} is a Node built-in, imported by ${relative(process.cwd(), importer) || 'the entry'}: the browser verifier must not use Node modules`,
          },
        ],
      });
      esbuild.onResolve({ filter: /^node:/ }, (args) => refuse(args.path, args.importer));
      esbuild.onResolve({ filter: bareBuiltinPattern }, (args) => {
        const smCryptoFallback =
          args.path === 'crypto' &&
          args.kind === 'dynamic-import' &&
          /[\\/]node_modules[\\/]sm-crypto-v2[\\/]/.test(args.importer);
        if (smCryptoFallback) return { path: 'crypto', namespace: 'fieldproof-unavailable' };
        return refuse(args.path, args.importer);
      });
      esbuild.onLoad({ filter: /.*/, namespace: 'fieldproof-unavailable' }, () => ({ contents: '', loader: 'js' }));
    },
  };
}

/** Options of buildVerifierBundle. */
export interface BuildVerifierBundleParameters {
  /** Minify the output (default true, as shipped). */
  minify?: boolean;
}

/** The built verifier. */
export interface BuildVerifierBundleResult {
  /** The ES module, ready to serve as `fieldproof-verifier.js`. */
  code: string;
  /** Size of `code` in bytes. */
  sizeBytes: number;
  /** Every source file in the bundle, relative to the working directory. */
  inputs: string[];
}

/**
 * Bundle the browser verifier in memory: one ES module for the browser platform (ES2022) that
 * exports verifyFrameBundle and also sets `globalThis.fieldproof`. Rejects with esbuild's
 * BuildFailure when anything in the graph imports a Node built-in or a name the browser build
 * of @fieldproof/protocol does not export.
 */
export async function buildVerifierBundle(
  params: BuildVerifierBundleParameters = {},
): Promise<BuildVerifierBundleResult> {
  const result = await build({
    entryPoints: [verifierEntryPath],
    outfile: 'fieldproof-verifier.js',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: params.minify ?? true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [protocolBrowserBuildPlugin(), noNodeBuiltinsPlugin()],
  });
  const output = result.outputFiles[0];
  if (!output || result.outputFiles.length !== 1) throw new Error('esbuild did not produce exactly one output file');
  return { code: output.text, sizeBytes: output.contents.length, inputs: Object.keys(result.metafile.inputs) };
}
