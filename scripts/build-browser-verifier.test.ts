import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildBrowserVerifier, verifierOutputPath } from './build-browser-verifier.ts';

describe('build-browser-verifier', () => {
  it('writes dist/fieldproof-verifier.js, an ES module that exports verifyFrameBundle and sets globalThis.fieldproof', async () => {
    const root = mkdtempSync(join(tmpdir(), 'fieldproof-verifier-'));
    try {
      const { path, sizeBytes } = await buildBrowserVerifier(root);
      expect(path).toBe(join(root, verifierOutputPath));
      const code = readFileSync(path);
      expect(code.length).toBe(sizeBytes);
      // Minified, and far below the 567 KiB that a named `z` import of zod costs.
      expect(sizeBytes).toBeLessThan(300 * 1024);
      expect(code.toString()).toMatch(/export\s*\{[^}]*verifyFrameBundle/);
      expect(code.toString()).toContain('fieldproof');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
