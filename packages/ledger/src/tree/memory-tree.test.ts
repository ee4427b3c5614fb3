import { fileURLToPath } from 'node:url';
import { fromHex, toBase64, toHex } from '@fieldproof/protocol';
import { describe, expect, it } from 'vitest';
import { findMerkleTestdata, loadMerkleVectors, vectorBytes, vectorProof } from '../../_test/merkle-testdata.ts';
import { ProofError } from '../errors.ts';
import { emptyRoot, hashLeaf } from '../hash/rfc9162.ts';
import { proveConsistency } from '../proof/prove-consistency.ts';
import { proveInclusion } from '../proof/prove-inclusion.ts';
import {
  inclusionProofFromLeaves,
  memoryHashReader,
  memoryTreeLeavesMax,
  merkleRoot,
  storedHashesFromLeaves,
} from './memory-tree.ts';

// The RFC 6962 reference tree of the Certificate Transparency test suites (and of the merkle vectors).
const referenceLeaves = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const referenceRoots = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const leafHashes = referenceLeaves.map((hex) => hashLeaf('intl', fromHex(hex) ?? new Uint8Array()));

describe('in-memory trees', () => {
  it('gives the RFC 6962 reference roots for every size from 0 to 8', () => {
    expect(toHex(merkleRoot('intl', []))).toBe(toHex(emptyRoot('intl')));
    for (const [i, root] of referenceRoots.entries()) {
      expect(toHex(merkleRoot('intl', leafHashes.slice(0, i + 1)))).toBe(root);
    }
  });

  it('builds the same proofs as the transparency-dev happy-path vectors', async () => {
    const folder = findMerkleTestdata(fileURLToPath(new URL('.', import.meta.url)));
    const reader = memoryHashReader(storedHashesFromLeaves('intl', leafHashes));
    const inclusion = loadMerkleVectors(folder, 'inclusion').filter((vector) => vector.data.wantErr === false);
    const consistency = loadMerkleVectors(folder, 'consistency').filter(
      (vector) => vector.data.wantErr === false && typeof vector.data.size2 === 'number' && vector.data.size2 <= 8,
    );
    let compared = 0;
    for (const { data } of inclusion) {
      const leafIndex = data.leafIdx as number;
      const treeSize = data.treeSize as number;
      if (treeSize > 8 || toBase64(leafHashes[leafIndex] as Uint8Array) !== data.leafHash) continue;
      const expected = vectorProof(data.proof).map(toHex);
      expect((await proveInclusion('intl', { leafIndex, treeSize }, reader)).map(toHex)).toEqual(expected);
      expect(inclusionProofFromLeaves('intl', leafHashes.slice(0, treeSize), leafIndex).map(toHex)).toEqual(expected);
      expect(toBase64(merkleRoot('intl', leafHashes.slice(0, treeSize)))).toBe(toBase64(vectorBytes(data.root)));
      compared++;
    }
    for (const { data } of consistency) {
      const size1 = data.size1 as number;
      const size2 = data.size2 as number;
      const proof = await proveConsistency('intl', { size1, size2 }, reader);
      expect(proof.map(toHex)).toEqual(vectorProof(data.proof).map(toHex));
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(5);
  });

  it('rejects a leaf index outside the tree and a hash of the wrong length', () => {
    expect(() => inclusionProofFromLeaves('intl', leafHashes, 8)).toThrow(ProofError);
    expect(() => inclusionProofFromLeaves('intl', leafHashes, -1)).toThrow(ProofError);
    expect(() => merkleRoot('intl', [new Uint8Array(31)])).toThrow(ProofError);
  });

  it('refuses more than memoryTreeLeavesMax leaves', () => {
    const tooMany = new Array<Uint8Array>(memoryTreeLeavesMax + 1).fill(leafHashes[0] as Uint8Array);
    expect(() => merkleRoot('intl', tooMany)).toThrow(/at most/);
  });
});
