import { fromHex, toHex } from '@fieldproof/protocol';
import { describe, expect, it } from 'vitest';
import { emptyRoot, hashChildren, hashLeaf } from './rfc9162.ts';

const bytes = (hex: string): Uint8Array => fromHex(hex) ?? new Uint8Array();

describe('RFC 9162 hashing', () => {
  it('hashes the empty tree to H() in both suites', () => {
    expect(toHex(emptyRoot('intl'))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    // GB/T 32905 SM3 of the empty message.
    expect(toHex(emptyRoot('sm'))).toBe('1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b');
  });

  it('prefixes leaves with 0x00 (RFC 6962 leaf hash of the empty string)', () => {
    expect(toHex(hashLeaf('intl', new Uint8Array()))).toBe(
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    );
  });

  it('prefixes nodes with 0x01 and keeps left and right apart', () => {
    const a = hashLeaf('intl', bytes('00'));
    const b = hashLeaf('intl', bytes('10'));
    // Root of the two-leaf RFC 6962 reference tree ("", 00): see memory-tree.test.ts for the rest.
    expect(toHex(hashChildren('intl', hashLeaf('intl', new Uint8Array()), a))).toBe(
      'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    );
    expect(toHex(hashChildren('intl', a, b))).not.toBe(toHex(hashChildren('intl', b, a)));
  });

  it('uses SM3 for the sm suite', () => {
    expect(toHex(hashLeaf('sm', new Uint8Array()))).not.toBe(toHex(hashLeaf('intl', new Uint8Array())));
    expect(hashLeaf('sm', new Uint8Array())).toHaveLength(32);
  });
});
