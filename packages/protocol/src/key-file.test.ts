import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sign, verify } from './crypto/signatures.ts';
import type { SignatureAlgorithm } from './crypto/types.ts';
import { utf8 } from './encoding.ts';
import { loadOrCreateKeyPair } from './key-file.ts';

let folder = '';
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'fieldproof-key-file-'));
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('loadOrCreateKeyPair', () => {
  for (const alg of ['ed25519', 'ecdsa-p256', 'sm2'] as SignatureAlgorithm[]) {
    it(`${alg}: creates the file with mode 0600, then reloads the same key`, () => {
      const path = join(folder, 'keys', 'nested', `${alg}.json`);
      const created = loadOrCreateKeyPair(path, alg);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(readdirSync(join(folder, 'keys', 'nested'))).toEqual([`${alg}.json`]);

      const loaded = loadOrCreateKeyPair(path, alg);
      expect(loaded).toEqual(created);
      const message = utf8('reload check');
      expect(verify(alg, created.publicKey, message, sign(loaded, message))).toBe(true);
    });
  }

  it('refuses a key file of another algorithm and leaves it as it was', () => {
    const path = join(folder, 'device.json');
    loadOrCreateKeyPair(path, 'ed25519');
    const before = readFileSync(path, 'utf8');
    expect(() => loadOrCreateKeyPair(path, 'sm2')).toThrow(/holds an ed25519 key, expected sm2/);
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it('refuses a file that is not a key file, or whose keys are not base64', () => {
    const path = join(folder, 'other.json');
    writeFileSync(path, JSON.stringify({ alg: 'ed25519', publicKey: 'QUJD' }));
    expect(() => loadOrCreateKeyPair(path, 'ed25519')).toThrow(/is not a Fieldproof key file/);
    writeFileSync(path, JSON.stringify({ alg: 'ed25519', publicKey: 'QUJD', privateKey: 'not base64!' }));
    expect(() => loadOrCreateKeyPair(path, 'ed25519')).toThrow(/not base64/);
    expect(existsSync(path)).toBe(true);
  });
});
