import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findViolations } from './check-dependencies.ts';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'fieldproof-deps-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('check-dependencies', () => {
  it('passes on this repository', () => {
    expect(findViolations(resolve(import.meta.dirname, '..'))).toEqual([]);
  });

  it('refuses edge importing cloud, a climbing relative import, and I/O in ledger', () => {
    const root = tree({
      'packages/edge/src/a.ts': "import { x } from '@fieldproof/cloud';\n",
      'packages/cloud/src/b.ts': "import { y } from '../../edge/src/a.ts';\n",
      'packages/ledger/src/c.ts': "import { readFileSync } from 'node:fs';\n",
      'packages/protocol/src/d.ts': 'export const z = 1;\n',
    });
    const violations = findViolations(root);
    expect(violations).toHaveLength(3);
    expect(violations.join('\n')).toMatch(/edge must not import @fieldproof\/cloud/);
    expect(violations.join('\n')).toMatch(/leaves package cloud/);
    expect(violations.join('\n')).toMatch(/ledger does no I\/O of its own but imports node:fs/);
  });
});
