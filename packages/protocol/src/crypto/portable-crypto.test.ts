import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ed25519EdgeCases,
  ed25519Vectors,
  flipBit,
  hex,
  p256Order,
  p256Vectors,
  sm2Annex,
  suiteHashVectors,
} from '../../_test/signature-vectors.ts';
import { toHex, utf8 } from '../encoding.ts';
import type { CryptoBackend } from './crypto-backend.ts';
import { portableCrypto } from './portable-crypto.ts';
import { generateKeyPair, nodeCrypto, sign } from './signatures.ts';
import type { KeyPair, SignatureAlgorithm } from './types.ts';

// The order L of the Ed25519 base point (RFC 8032 §5.1).
const ed25519Order = 2n ** 252n + 27742317777372353535851937790883648493n;
// The order n of sm2p256v1 (GB/T 32918.5 §A.1 / GM/T 0003.5).
const sm2Order = BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123');

const backends: [string, CryptoBackend][] = [
  ['nodeCrypto (OpenSSL)', nodeCrypto],
  ['portableCrypto (noble-curves, noble-hashes, sm-crypto-v2)', portableCrypto],
];

/** 32 big-endian bytes of a scalar below 2^256. */
function scalarBytesBigEndian(value: bigint): Uint8Array {
  return hex(value.toString(16).padStart(64, '0'));
}

/** 32 little-endian bytes of a scalar below 2^256. */
function scalarBytesLittleEndian(value: bigint): Uint8Array {
  return scalarBytesBigEndian(value).reverse();
}

/** r‖s with s replaced by `order − s`: the other valid-looking twin of an ECDSA or SM2 signature. */
function negateS(signature: Uint8Array, order: bigint): Uint8Array {
  const s = BigInt(`0x${toHex(signature.subarray(32))}`);
  const twin = Uint8Array.from(signature);
  twin.set(scalarBytesBigEndian((order - s) % order), 32);
  return twin;
}

describe.each(backends)('%s: the published vectors', (_name, backend) => {
  describe('Ed25519 (RFC 8032 §7.1)', () => {
    for (const vector of ed25519Vectors) {
      it(`${vector.name}: accepts the published signature, rejects every alteration`, () => {
        const publicKey = hex(vector.publicKey);
        const message = hex(vector.message);
        const signature = hex(vector.signature);
        expect(backend.verify('ed25519', publicKey, message, signature)).toBe(true);
        expect(backend.verify('ed25519', publicKey, new Uint8Array([...message, 0]), signature)).toBe(false);
        if (message.length > 0)
          expect(backend.verify('ed25519', publicKey, flipBit(message, 0), signature)).toBe(false);
        expect(backend.verify('ed25519', publicKey, message, flipBit(signature, 0))).toBe(false);
        expect(backend.verify('ed25519', publicKey, message, flipBit(signature, 63))).toBe(false);
        expect(backend.verify('ed25519', flipBit(publicKey, 0), message, signature)).toBe(false);
        expect(backend.verify('ed25519', publicKey, message, signature.subarray(0, 63))).toBe(false);
        expect(backend.verify('ed25519', publicKey.subarray(0, 31), message, signature)).toBe(false);
      });
    }

    it('rejects S + L, the non-canonical spelling of a valid S', () => {
      const vector = ed25519Vectors[1];
      const signature = hex(vector.signature);
      const s = BigInt(`0x${toHex(signature.subarray(32).reverse())}`);
      const malleated = Uint8Array.from(signature);
      malleated.set(scalarBytesLittleEndian(s + ed25519Order), 32);
      expect(backend.verify('ed25519', hex(vector.publicKey), hex(vector.message), malleated)).toBe(false);
    });
  });

  describe('ECDSA P-256 with SHA-256 (RFC 6979 A.2.5)', () => {
    const publicKey = hex(p256Vectors.publicKey);

    for (const vector of p256Vectors.signatures) {
      it(`accepts the published r‖s for "${vector.message}", rejects alterations`, () => {
        const signature = hex(vector.r + vector.s);
        expect(backend.verify('ecdsa-p256', publicKey, utf8(vector.message), signature)).toBe(true);
        expect(backend.verify('ecdsa-p256', publicKey, utf8(`${vector.message}.`), signature)).toBe(false);
        expect(backend.verify('ecdsa-p256', publicKey, utf8(vector.message), flipBit(signature, 31))).toBe(false);
        expect(backend.verify('ecdsa-p256', publicKey, utf8(vector.message), flipBit(signature, 63))).toBe(false);
      });
    }

    it('accepts the high-S twin (n − s): low-S is not required', () => {
      const vector = p256Vectors.signatures[0];
      const signature = negateS(hex(vector.r + vector.s), p256Order);
      expect(backend.verify('ecdsa-p256', publicKey, utf8(vector.message), signature)).toBe(true);
    });

    it('rejects r or s of 0 or n, a 63-byte, a 65-byte and a DER signature', () => {
      const vector = p256Vectors.signatures[0];
      const message = utf8(vector.message);
      const zero = scalarBytesBigEndian(0n);
      const order = scalarBytesBigEndian(p256Order);
      const r = hex(vector.r);
      const s = hex(vector.s);
      for (const [first, second] of [
        [zero, s],
        [r, zero],
        [order, s],
        [r, order],
      ] as const) {
        expect(backend.verify('ecdsa-p256', publicKey, message, new Uint8Array([...first, ...second]))).toBe(false);
      }
      const signature = hex(vector.r + vector.s);
      expect(backend.verify('ecdsa-p256', publicKey, message, signature.subarray(0, 63))).toBe(false);
      expect(backend.verify('ecdsa-p256', publicKey, message, new Uint8Array([...signature, 0]))).toBe(false);
      const der = hex(
        '3045022100EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716' +
          '022100F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8',
      );
      expect(backend.verify('ecdsa-p256', publicKey, message, der)).toBe(false);
    });

    it('rejects a malformed public key and an algorithm outside the union without throwing', () => {
      const signature = hex(p256Vectors.signatures[0].r + p256Vectors.signatures[0].s);
      const message = utf8('sample');
      expect(backend.verify('ecdsa-p256', publicKey.subarray(0, 64), message, signature)).toBe(false);
      expect(backend.verify('ecdsa-p256', publicKey.subarray(0, 33), message, signature)).toBe(false);
      expect(backend.verify('ecdsa-p256', new Uint8Array([2, ...publicKey.subarray(1)]), message, signature)).toBe(
        false,
      );
      expect(backend.verify('ecdsa-p256', flipBit(publicKey, 64), message, signature)).toBe(false);
      expect(backend.verify('ecdsa-p256', new Uint8Array(65).fill(0, 1).fill(4, 0, 1), message, signature)).toBe(false);
      expect(backend.verify('ecdsa-p384' as SignatureAlgorithm, publicKey, message, signature)).toBe(false);
    });
  });

  describe('SM2 (GM/T 0003.5-2012 Annex A)', () => {
    const publicKey = hex(sm2Annex.publicKey);
    const message = utf8(sm2Annex.message);
    const signature = hex(sm2Annex.r + sm2Annex.s);

    it('accepts the published signature with the default and the explicit signer ID', () => {
      expect(backend.verify('sm2', publicKey, message, signature)).toBe(true);
      expect(backend.verify('sm2', publicKey, message, signature, { sm2UserId: sm2Annex.userId })).toBe(true);
    });

    it('rejects another signer ID, an altered message, signature or key, and a key without its 04 prefix', () => {
      expect(backend.verify('sm2', publicKey, message, signature, { sm2UserId: 'ALICE123@YAHOO.COM' })).toBe(false);
      expect(backend.verify('sm2', publicKey, utf8('message digesT'), signature)).toBe(false);
      expect(backend.verify('sm2', publicKey, message, flipBit(signature, 0))).toBe(false);
      expect(backend.verify('sm2', publicKey, message, flipBit(signature, 63))).toBe(false);
      expect(backend.verify('sm2', publicKey, message, negateS(signature, sm2Order))).toBe(false);
      expect(backend.verify('sm2', publicKey, message, signature.subarray(0, 63))).toBe(false);
      expect(backend.verify('sm2', flipBit(publicKey, 64), message, signature)).toBe(false);
      expect(backend.verify('sm2', publicKey.subarray(1), message, signature)).toBe(false);
    });
  });

  describe('suiteHash: SM3 (GB/T 32905-2016 Appendix A) and SHA-256 (FIPS 180-2 B.1)', () => {
    for (const vector of suiteHashVectors) {
      it(`${vector.suite}: ${vector.input.length}-byte "${vector.input.slice(0, 8)}…"`, () => {
        expect(toHex(backend.suiteHash(vector.suite, utf8(vector.input)))).toBe(vector.digest);
      });
    }

    it('hashes the concatenation of its parts, and no parts at all', () => {
      expect(backend.suiteHash('sm', utf8('ab'), utf8(''), utf8('c'))).toEqual(backend.suiteHash('sm', utf8('abc')));
      expect(backend.suiteHash('intl', utf8('a'), utf8('bc'))).toEqual(backend.suiteHash('intl', utf8('abc')));
      // SHA-256 and SM3 of the empty string.
      expect(toHex(backend.suiteHash('intl'))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
      expect(toHex(backend.suiteHash('sm'))).toBe('1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b');
    });
  });
});

describe('the portable backend gives the same answer as the node:crypto backend', () => {
  it('on the Ed25519 edge cases of ed25519-speccheck, where libraries disagree', () => {
    const outcomes = ed25519EdgeCases.map((vector) => {
      const args = [hex(vector.publicKey), hex(vector.message), hex(vector.signature)] as const;
      const node = nodeCrypto.verify('ed25519', ...args);
      expect(portableCrypto.verify('ed25519', ...args), `case ${vector.signature.slice(0, 16)}…`).toBe(node);
      return { node, nobleStrict: ed25519.verify(args[2], args[1], args[0], { zip215: false }) };
    });
    // The set holds cases OpenSSL accepts and cases it rejects, and cases where noble's strict
    // verify would have disagreed with OpenSSL: the reason portable-crypto.ts does not use it.
    expect(outcomes.some((outcome) => outcome.node)).toBe(true);
    expect(outcomes.some((outcome) => !outcome.node)).toBe(true);
    expect(outcomes.some((outcome) => outcome.node !== outcome.nobleStrict)).toBe(true);
  });

  it('on a key and R that are non-canonical or small-order encodings of the identity', () => {
    // y = p + 1 is a non-canonical spelling of y = 1 (the identity); with the sign bit set, x = 0 "negative".
    const fieldPrime = 2n ** 255n - 19n;
    const identity = scalarBytesLittleEndian(1n);
    const nonCanonicalIdentity = scalarBytesLittleEndian(fieldPrime + 1n);
    const negativeZeroIdentity = Uint8Array.from(identity);
    negativeZeroIdentity[31] = 0x80;
    const message = utf8('edge');
    for (const publicKey of [identity, nonCanonicalIdentity, negativeZeroIdentity]) {
      for (const encodedR of [identity, nonCanonicalIdentity, negativeZeroIdentity]) {
        for (const s of [0n, 1n, ed25519Order - 1n]) {
          const signature = new Uint8Array([...encodedR, ...scalarBytesLittleEndian(s)]);
          const node = nodeCrypto.verify('ed25519', publicKey, message, signature);
          expect(portableCrypto.verify('ed25519', publicKey, message, signature)).toBe(node);
        }
      }
    }
  });

  type Tamper =
    | { kind: 'none' }
    | { kind: 'signature bit'; bit: number }
    | { kind: 'message bit'; bit: number }
    | { kind: 'message longer'; byte: number }
    | { kind: 'public key bit'; bit: number }
    | { kind: 'other key' }
    | { kind: 'twin s' }
    | { kind: 'random signature'; bytes: Uint8Array }
    | { kind: 'other signer ID' };

  const tamperArbitrary: fc.Arbitrary<Tamper> = fc.oneof(
    { arbitrary: fc.constant({ kind: 'none' as const }), weight: 3 },
    fc.record({ kind: fc.constant('signature bit' as const), bit: fc.nat(511) }),
    fc.record({ kind: fc.constant('message bit' as const), bit: fc.nat() }),
    fc.record({ kind: fc.constant('message longer' as const), byte: fc.nat(255) }),
    fc.record({ kind: fc.constant('public key bit' as const), bit: fc.nat(519) }),
    fc.constant({ kind: 'other key' as const }),
    fc.constant({ kind: 'twin s' as const }),
    fc.record({
      kind: fc.constant('random signature' as const),
      bytes: fc.uint8Array({ minLength: 64, maxLength: 64 }),
    }),
    fc.constant({ kind: 'other signer ID' as const }),
  );

  /** The bytes to verify after `tamper`, and whether they are still a genuine signature. */
  function applyTamper(
    alg: SignatureAlgorithm,
    keys: readonly KeyPair[],
    keyIndex: number,
    message: Uint8Array,
    tamper: Tamper,
  ): { publicKey: Uint8Array; message: Uint8Array; signature: Uint8Array; sm2UserId?: string; genuine: boolean } {
    const keyPair = keys[keyIndex] as KeyPair;
    const signature = sign(keyPair, message);
    const untouched = { publicKey: keyPair.publicKey, message, signature, genuine: true };
    switch (tamper.kind) {
      case 'none':
        return untouched;
      case 'signature bit':
        return { ...untouched, signature: flipBitAt(signature, tamper.bit), genuine: false };
      case 'message bit':
        if (message.length === 0) return untouched;
        return { ...untouched, message: flipBitAt(message, tamper.bit % (message.length * 8)), genuine: false };
      case 'message longer':
        return { ...untouched, message: new Uint8Array([...message, tamper.byte]), genuine: false };
      case 'public key bit':
        return {
          ...untouched,
          publicKey: flipBitAt(keyPair.publicKey, tamper.bit % (keyPair.publicKey.length * 8)),
          genuine: false,
        };
      case 'other key':
        return { ...untouched, publicKey: (keys[(keyIndex + 1) % keys.length] as KeyPair).publicKey, genuine: false };
      case 'twin s': {
        if (alg === 'ed25519') {
          const s = BigInt(`0x${toHex(signature.subarray(32).reverse())}`);
          const twin = Uint8Array.from(signature);
          twin.set(scalarBytesLittleEndian(s + ed25519Order), 32);
          return { ...untouched, signature: twin, genuine: false };
        }
        // The high-S twin of a P-256 signature is genuine: neither backend demands low S.
        return {
          ...untouched,
          signature: negateS(signature, alg === 'sm2' ? sm2Order : p256Order),
          genuine: alg === 'ecdsa-p256',
        };
      }
      case 'random signature':
        return { ...untouched, signature: tamper.bytes, genuine: false };
      case 'other signer ID':
        return { ...untouched, sm2UserId: 'ALICE123@YAHOO.COM', genuine: alg !== 'sm2' };
    }
  }

  /** A copy of `bytes` with bit `bit` (0 = lowest bit of byte 0) flipped. */
  function flipBitAt(bytes: Uint8Array, bit: number): Uint8Array {
    const copy = Uint8Array.from(bytes);
    const index = Math.floor(bit / 8);
    copy[index] = (copy[index] as number) ^ (1 << (bit % 8));
    return copy;
  }

  // SM2 (sm-crypto-v2 on both sides) is the slowest of the three to sign and verify: fewer runs.
  const runs: Record<SignatureAlgorithm, number> = { ed25519: 300, 'ecdsa-p256': 200, sm2: 100 };

  for (const alg of ['ed25519', 'ecdsa-p256', 'sm2'] as const) {
    it(`on random genuine and tampered ${alg} signatures (property test)`, () => {
      const keys = [generateKeyPair(alg), generateKeyPair(alg), generateKeyPair(alg)];
      fc.assert(
        fc.property(
          fc.nat(keys.length - 1),
          fc.uint8Array({ maxLength: 300 }),
          tamperArbitrary,
          (keyIndex, message, tamper) => {
            const input = applyTamper(alg, keys, keyIndex, message, tamper);
            const options = input.sm2UserId === undefined ? {} : { sm2UserId: input.sm2UserId };
            const node = nodeCrypto.verify(alg, input.publicKey, input.message, input.signature, options);
            const portable = portableCrypto.verify(alg, input.publicKey, input.message, input.signature, options);
            expect(portable).toBe(node);
            expect(node).toBe(input.genuine);
          },
        ),
        { numRuns: runs[alg] },
      );
    });
  }

  it('on the suite hash of random parts (property test)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('intl' as const, 'sm' as const),
        fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 5 }),
        (suite, parts) => {
          expect(toHex(portableCrypto.suiteHash(suite, ...parts))).toBe(toHex(nodeCrypto.suiteHash(suite, ...parts)));
        },
      ),
    );
  });
});
