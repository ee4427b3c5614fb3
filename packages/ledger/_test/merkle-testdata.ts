// Locates and loads the Merkle proof vectors of transparency-dev/merkle (shared/testdata/merkle).
// The folder sits beside the repository in CI (<root>/../shared) and may sit inside it elsewhere
// (<root>/shared). A missing folder is an error, never a reason to skip.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** The repository root: the nearest folder above `from` whose package.json is named `fieldproof`. */
export function findRepositoryRoot(from: string): string {
  for (let folder = resolve(from); ; folder = dirname(folder)) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest)) {
      const parsed: unknown = JSON.parse(readFileSync(manifest, 'utf8'));
      if (typeof parsed === 'object' && parsed !== null && (parsed as { name?: unknown }).name === 'fieldproof') {
        return folder;
      }
    }
    if (dirname(folder) === folder) throw new Error(`no package.json named "fieldproof" above ${from}`);
  }
}

/** The merkle vector folder, or an error that says where it was looked for. */
export function findMerkleTestdata(from: string): string {
  const root = findRepositoryRoot(from);
  const candidates = [join(root, '..', 'shared', 'testdata', 'merkle'), join(root, 'shared', 'testdata', 'merkle')];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`merkle test vectors not found; looked in ${candidates.join(' and ')}`);
  return found;
}

/** One vector file: its path relative to the vector folder and its parsed JSON. */
export interface MerkleVector {
  /** Path relative to the merkle folder, e.g. `inclusion/3/happy-path.json`. */
  path: string;
  /** The parsed JSON object. */
  data: Record<string, unknown>;
}

/** Every `*.json` under `folder/kind`, recursively, sorted by path. */
export function loadMerkleVectors(folder: string, kind: string): MerkleVector[] {
  const files: string[] = [];
  const walk = (directory: string): void => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.json')) files.push(path);
    }
  };
  walk(join(folder, kind));
  return files.sort().map((file) => ({
    path: relative(folder, file),
    data: JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>,
  }));
}

/** Lenient base64 for vectors: empty → empty bytes, short "hashes" decode to short byte strings. */
export function vectorBytes(value: unknown): Uint8Array {
  if (typeof value !== 'string') throw new Error(`expected a base64 string, got ${JSON.stringify(value)}`);
  return new Uint8Array(Buffer.from(value, 'base64'));
}

/** A vector's proof: null → none. */
export function vectorProof(value: unknown): Uint8Array[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`expected a proof array, got ${JSON.stringify(value)}`);
  return value.map(vectorBytes);
}

/** A vector's number field (JSON numbers beyond 2^53 arrive rounded and stay unsafe, as they should). */
export function vectorNumber(value: unknown): number {
  if (typeof value !== 'number') throw new Error(`expected a number, got ${JSON.stringify(value)}`);
  return value;
}
