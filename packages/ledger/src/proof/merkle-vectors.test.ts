import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  findMerkleTestdata,
  loadMerkleVectors,
  type MerkleVector,
  vectorBytes,
  vectorNumber,
  vectorProof,
} from '../../_test/merkle-testdata.ts';
import { ProofError } from '../errors.ts';
import { verifyConsistency } from './verify-consistency.ts';
import { verifyInclusion } from './verify-inclusion.ts';
import { verifySubtreeConsistency } from './verify-subtree-consistency.ts';
import { verifySubtreeInclusion } from './verify-subtree-inclusion.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
let folder: string | undefined;
let locateError: unknown;
try {
  folder = findMerkleTestdata(here);
} catch (error) {
  locateError = error;
}
const load = (kind: string): MerkleVector[] => (folder ? loadMerkleVectors(folder, kind) : []);
const inclusion = load('inclusion');
const consistency = load('consistency');
const subtreeInclusion = load('subtreeinclusion');
const subtreeConsistency = load('subtreeconsistency');

/** Run one vector: wantErr false must verify; wantErr true must throw a ProofError (never anything else). */
function expectOutcome(vector: MerkleVector, check: () => void): void {
  const wantError = vector.data.wantErr;
  expect(typeof wantError).toBe('boolean');
  if (wantError === false) {
    expect(check).not.toThrow();
    return;
  }
  let thrown: unknown;
  try {
    check();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `${vector.path} (${String(vector.data.desc)}) must be rejected`).toBeInstanceOf(ProofError);
}

describe('merkle vectors (transparency-dev/merkle testdata)', () => {
  it('finds every vector folder', () => {
    expect(locateError).toBeUndefined();
    expect(inclusion.length).toBeGreaterThan(0);
    expect(consistency.length).toBeGreaterThan(0);
    expect(subtreeInclusion.length).toBeGreaterThan(0);
    expect(subtreeConsistency.length).toBeGreaterThan(0);
    expect(inclusion.length + consistency.length + subtreeInclusion.length + subtreeConsistency.length).toBe(518);
  });

  describe('inclusion', () => {
    it.each(inclusion.map((vector) => [vector.path, vector] as const))('%s', (_path, vector) => {
      const { data } = vector;
      expectOutcome(vector, () =>
        verifyInclusion('intl', {
          leafIndex: vectorNumber(data.leafIdx),
          treeSize: vectorNumber(data.treeSize),
          leafHash: vectorBytes(data.leafHash),
          proof: vectorProof(data.proof),
          rootHash: vectorBytes(data.root),
        }),
      );
    });
  });

  describe('consistency', () => {
    it.each(consistency.map((vector) => [vector.path, vector] as const))('%s', (_path, vector) => {
      const { data } = vector;
      expectOutcome(vector, () =>
        verifyConsistency('intl', {
          size1: vectorNumber(data.size1),
          size2: vectorNumber(data.size2),
          proof: vectorProof(data.proof),
          root1: vectorBytes(data.root1),
          root2: vectorBytes(data.root2),
        }),
      );
    });
  });

  describe('subtree inclusion', () => {
    it.each(subtreeInclusion.map((vector) => [vector.path, vector] as const))('%s', (_path, vector) => {
      const { data } = vector;
      expectOutcome(vector, () =>
        verifySubtreeInclusion('intl', {
          leafIndex: vectorNumber(data.leafIdx),
          start: vectorNumber(data.start),
          end: vectorNumber(data.end),
          leafHash: vectorBytes(data.leafHash),
          proof: vectorProof(data.proof),
          subtreeRoot: vectorBytes(data.root),
        }),
      );
    });
  });

  describe('subtree consistency', () => {
    it.each(subtreeConsistency.map((vector) => [vector.path, vector] as const))('%s', (_path, vector) => {
      const { data } = vector;
      expectOutcome(vector, () =>
        verifySubtreeConsistency('intl', {
          start: vectorNumber(data.start),
          end: vectorNumber(data.end),
          size: vectorNumber(data.size),
          proof: vectorProof(data.proof),
          subtreeRoot: vectorBytes(data.root1),
          root: vectorBytes(data.root2),
        }),
      );
    });
  });
});
