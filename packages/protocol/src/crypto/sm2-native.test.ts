import fc from 'fast-check';
import { sm2 } from 'sm-crypto-v2';
import { describe, expect, it } from 'vitest';
import { flipBit, hex, sm2Annex } from '../../_test/signature-vectors.ts';
import { toHex, utf8 } from '../encoding.ts';
import { SM2_DEFAULT_USER_ID, sign, verify } from './signatures.ts';
import { type NativeSm2, nativeSm2, nativeSm2AddonPath, nativeSm2Unavailable } from './sm2-native.ts';

// The order n of sm2p256v1 (GB/T 32918.5 / GM/T 0003.5 recommended curve).
const sm2Order = BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123');

const scalarBytes = (value: bigint): Uint8Array => hex(value.toString(16).padStart(64, '0'));

/** An SM2 key pair from a private scalar in [1, n − 2], the public key derived by sm-crypto-v2. */
function keyPairOf(secret: bigint): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const privateKey = scalarBytes(secret);
  return { privateKey, publicKey: hex(sm2.getPublicKeyFromPrivateKey(toHex(privateKey))) };
}

/** sm-crypto-v2's verdict, the reference the native path must match. */
function jsVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, userId: string): boolean {
  if (signature.length !== 64 || publicKey.length !== 65 || publicKey[0] !== 4) return false;
  try {
    return sm2.doVerifySignature(message, toHex(signature), toHex(publicKey), { hash: true, der: false, userId });
  } catch {
    return false;
  }
}

function jsSign(privateKey: Uint8Array, publicKey: Uint8Array, message: Uint8Array, userId: string): Uint8Array {
  return hex(
    sm2
      .doSignature(message, toHex(privateKey), { hash: true, der: false, publicKey: toHex(publicKey), userId })
      .padStart(128, '0'),
  );
}

describe('the native SM2 addon loader', () => {
  it('loads the addon under CI=true (CI proves the build); elsewhere it says why it did not', () => {
    if (process.env.CI === 'true') {
      expect(nativeSm2Unavailable, `native SM2 addon at ${nativeSm2AddonPath}`).toBeUndefined();
      expect(nativeSm2).toBeDefined();
    } else if (nativeSm2 === undefined) {
      expect(nativeSm2Unavailable).toMatch(/\S/);
      console.warn(`fieldproof: SM2 runs on pure JS: ${nativeSm2Unavailable}`);
    } else {
      expect(nativeSm2Unavailable).toBeUndefined();
    }
  });

  it('signatures.ts verifies and signs SM2 whichever path is in use', () => {
    const publicKey = hex(sm2Annex.publicKey);
    const message = utf8(sm2Annex.message);
    expect(verify('sm2', publicKey, message, hex(sm2Annex.r + sm2Annex.s))).toBe(true);
    const signature = sign({ alg: 'sm2', publicKey, privateKey: hex(sm2Annex.privateKey) }, message);
    expect(jsVerify(publicKey, message, signature, SM2_DEFAULT_USER_ID)).toBe(true);
  });
});

if (nativeSm2 !== undefined) {
  const native: NativeSm2 = nativeSm2;

  describe('native SM2 on the GM/T 0003.5-2012 Annex A vector (sm2p256v1, ID 1234567812345678)', () => {
    const publicKey = hex(sm2Annex.publicKey);
    const message = utf8(sm2Annex.message);
    const signature = hex(sm2Annex.r + sm2Annex.s);

    it('computes the published e = SM3(Z_A ‖ M)', () => {
      expect(toHex(native.digest(publicKey, message, sm2Annex.userId))).toBe(sm2Annex.e.toLowerCase());
    });

    it('accepts the published signature, as does OpenSSL’s own SM2 verifier', () => {
      expect(native.verify(publicKey, message, signature, sm2Annex.userId)).toBe(true);
      expect(native.verifyWithOpenssl(publicKey, message, signature, sm2Annex.userId)).toBe(true);
      // Again: the second use of a key takes the path with the key's table of multiples.
      expect(native.verify(publicKey, message, signature, sm2Annex.userId)).toBe(true);
      expect(native.verify(publicKey, message, signature, sm2Annex.userId)).toBe(true);
    });

    it('rejects another ID, an altered message, signature or key, and wrong lengths', () => {
      const cases: [Uint8Array, Uint8Array, Uint8Array, string][] = [
        [publicKey, message, signature, 'ALICE123@YAHOO.COM'],
        [publicKey, message, signature, ''],
        [publicKey, utf8('message digesT'), signature, sm2Annex.userId],
        [publicKey, message, flipBit(signature, 0), sm2Annex.userId],
        [publicKey, message, flipBit(signature, 31), sm2Annex.userId],
        [publicKey, message, flipBit(signature, 32), sm2Annex.userId],
        [publicKey, message, flipBit(signature, 63), sm2Annex.userId],
        [publicKey, message, signature.subarray(0, 63), sm2Annex.userId],
        [publicKey, message, new Uint8Array([...signature, 0]), sm2Annex.userId],
        [flipBit(publicKey, 64), message, signature, sm2Annex.userId],
        [flipBit(publicKey, 0), message, signature, sm2Annex.userId],
        [publicKey.subarray(1), message, signature, sm2Annex.userId],
        [new Uint8Array(65), message, signature, sm2Annex.userId],
      ];
      for (const [key, text, sig, id] of cases) {
        expect(native.verify(key, text, sig, id)).toBe(false);
        expect(native.verifyWithOpenssl(key, text, sig, id)).toBe(false);
        expect(jsVerify(key, text, sig, id)).toBe(false);
      }
    });

    it('rejects r or s equal to 0 or to n, and r + s = n', () => {
      const r = BigInt(`0x${sm2Annex.r}`);
      const s = BigInt(`0x${sm2Annex.s}`);
      const pairs: [bigint, bigint][] = [
        [0n, s],
        [r, 0n],
        [sm2Order, s],
        [r, sm2Order],
        [r + sm2Order < 2n ** 256n ? r + sm2Order : r, s + sm2Order < 2n ** 256n ? s + sm2Order : sm2Order],
        [r, sm2Order - r],
      ];
      for (const [rr, ss] of pairs) {
        const sig = new Uint8Array([...scalarBytes(rr), ...scalarBytes(ss)]);
        expect(native.verify(publicKey, message, sig, sm2Annex.userId)).toBe(false);
        expect(native.verifyWithOpenssl(publicKey, message, sig, sm2Annex.userId)).toBe(false);
      }
    });

    it('signs with the annex key: 64-byte r‖s that sm-crypto-v2 and OpenSSL accept, fresh each time', () => {
      const privateKey = hex(sm2Annex.privateKey);
      const first = native.sign(privateKey, publicKey, message, sm2Annex.userId);
      const second = native.sign(privateKey, publicKey, message, sm2Annex.userId);
      expect(first).toBeInstanceOf(Uint8Array);
      expect(first.length).toBe(64);
      expect(first).not.toEqual(second);
      for (const sig of [first, second]) {
        expect(jsVerify(publicKey, message, sig, sm2Annex.userId)).toBe(true);
        expect(native.verifyWithOpenssl(publicKey, message, sig, sm2Annex.userId)).toBe(true);
        expect(native.verify(publicKey, message, sig, sm2Annex.userId)).toBe(true);
      }
    });

    it('refuses to sign with an invalid private key and throws a TypeError for non-byte arguments', () => {
      expect(() => native.sign(new Uint8Array(32), publicKey, message, SM2_DEFAULT_USER_ID)).toThrow();
      expect(() => native.sign(scalarBytes(sm2Order), publicKey, message, SM2_DEFAULT_USER_ID)).toThrow();
      expect(() => native.sign(new Uint8Array(31), publicKey, message, SM2_DEFAULT_USER_ID)).toThrow(RangeError);
      const notBytes = 'abc' as unknown as Uint8Array;
      expect(() => native.digest(publicKey, notBytes, SM2_DEFAULT_USER_ID)).toThrow(TypeError);
      expect(native.verify(publicKey, notBytes, signature, SM2_DEFAULT_USER_ID)).toBe(false);
    });
  });

  describe('native SM2 agrees with sm-crypto-v2 (fast-check)', () => {
    const secret = fc.bigInt({ min: 1n, max: sm2Order - 2n });
    const message = fc.uint8Array({ minLength: 0, maxLength: 300 });
    const userId = fc.oneof(
      fc.constant(SM2_DEFAULT_USER_ID),
      fc.string({ minLength: 0, maxLength: 40 }),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
      fc.string({ minLength: 65, maxLength: 120 }),
    );

    it('same e, and signatures made by either verify with both; tampering is rejected by both', () => {
      fc.assert(
        fc.property(secret, message, userId, fc.nat(), fc.nat(), (d, text, id, bitA, bitB) => {
          const { privateKey, publicKey } = keyPairOf(d);
          expect(toHex(native.digest(publicKey, text, id))).toBe(sm2.getHash(toHex(text), toHex(publicKey), id));

          const ours = native.sign(privateKey, publicKey, text, id);
          const theirs = jsSign(privateKey, publicKey, text, id);
          for (const sig of [ours, theirs]) {
            expect(jsVerify(publicKey, text, sig, id)).toBe(true);
            expect(native.verify(publicKey, text, sig, id)).toBe(true);
            expect(native.verifyWithOpenssl(publicKey, text, sig, id)).toBe(true);
          }

          const tampered: [Uint8Array, Uint8Array, Uint8Array, string][] = [
            [publicKey, text, flipBit(ours, bitA % 64), id],
            [publicKey, text, flipBit(theirs, bitB % 64), id],
            [publicKey, new Uint8Array([...text, bitA & 0xff]), ours, id],
            [publicKey, text, theirs, `${id}.`],
            [flipBit(publicKey, 1 + (bitB % 64)), text, ours, id],
          ];
          if (text.length > 0) tampered.push([publicKey, flipBit(text, bitA % text.length), theirs, id]);
          for (const [key, msg, sig, signer] of tampered) {
            expect(native.verify(key, msg, sig, signer)).toBe(false);
            expect(jsVerify(key, msg, sig, signer)).toBe(false);
          }
        }),
        { numRuns: 60 },
      );
    });

    it('arbitrary bytes as key and signature: native, OpenSSL and sm-crypto-v2 give one answer', () => {
      const point = fc.oneof(
        fc.uint8Array({ minLength: 65, maxLength: 65 }).map((bytes) => new Uint8Array([4, ...bytes.subarray(1)])),
        secret.map((d) => keyPairOf(d).publicKey),
      );
      fc.assert(
        fc.property(point, message, fc.uint8Array({ minLength: 64, maxLength: 64 }), (key, text, sig) => {
          const expected = jsVerify(key, text, sig, SM2_DEFAULT_USER_ID);
          expect(native.verify(key, text, sig, SM2_DEFAULT_USER_ID)).toBe(expected);
          expect(native.verifyWithOpenssl(key, text, sig, SM2_DEFAULT_USER_ID)).toBe(expected);
        }),
        { numRuns: 40 },
      );
    });
  });

  describe('the native public key cache', () => {
    it('stays correct past its bound of 1024 keys, for keys evicted and seen again', () => {
      const text = utf8('{"seq":7}');
      const keys = Array.from({ length: 1100 }, (_, index) => keyPairOf(BigInt(index) * 7919n + 12345n));
      const signatures = keys.map((key) => native.sign(key.privateKey, key.publicKey, text, SM2_DEFAULT_USER_ID));
      for (let round = 0; round < 2; round++) {
        keys.forEach((key, index) => {
          const sig = signatures[index] as Uint8Array;
          expect(native.verify(key.publicKey, text, sig, SM2_DEFAULT_USER_ID)).toBe(true);
          expect(native.verify(key.publicKey, text, flipBit(sig, index % 64), SM2_DEFAULT_USER_ID)).toBe(false);
        });
      }
      // Two signer IDs in turn for one key (the entry keeps the Z_A of the last ID).
      const key = keys[0] as (typeof keys)[number];
      const alice = native.sign(key.privateKey, key.publicKey, text, 'ALICE123@YAHOO.COM');
      for (let round = 0; round < 3; round++) {
        expect(native.verify(key.publicKey, text, alice, 'ALICE123@YAHOO.COM')).toBe(true);
        expect(native.verify(key.publicKey, text, alice, SM2_DEFAULT_USER_ID)).toBe(false);
        expect(native.verify(key.publicKey, text, signatures[0] as Uint8Array, SM2_DEFAULT_USER_ID)).toBe(true);
      }
    });
  });
}
