/**
 * Builds the browser verifier, `dist/fieldproof-verifier.js`: one minified ES module that checks
 * a frame proof bundle against a trust file in any modern browser, with the same code as
 * `fieldproof verify`. Use it as `import { verifyFrameBundle } from './fieldproof-verifier.js'`
 * or, after loading it, as `globalThis.fieldproof.verifyFrameBundle(bundle, trust)`.
 * Fails (exit 1) when anything the verifier imports needs Node.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildVerifierBundle } from '../packages/ledger/src/browser/build-verifier-bundle.ts';

/** Where the bundle goes, relative to the repository root (git-ignored). */
export const verifierOutputPath = join('dist', 'fieldproof-verifier.js');

/** Build the bundle and write it under `root`; returns the file's path, its size and its gzipped size. */
export async function buildBrowserVerifier(
  root: string,
): Promise<{ path: string; sizeBytes: number; gzipSizeBytes: number }> {
  const { code, sizeBytes } = await buildVerifierBundle();
  const path = join(root, verifierOutputPath);
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(path, code);
  return { path, sizeBytes, gzipSizeBytes: gzipSync(code, { level: 9 }).length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = resolve(import.meta.dirname, '..');
  try {
    const { path, sizeBytes, gzipSizeBytes } = await buildBrowserVerifier(root);
    const kibibytes = (bytes: number) => `${bytes} bytes (${(bytes / 1024).toFixed(1)} KiB)`;
    process.stdout.write(
      `built ${relative(root, path)}: ${kibibytes(sizeBytes)}, ${kibibytes(gzipSizeBytes)} gzipped\n`,
    );
  } catch (error) {
    process.stderr.write(`browser verifier build failed:\n${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
