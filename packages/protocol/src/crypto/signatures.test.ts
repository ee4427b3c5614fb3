import { createHash } from 'node:crypto';
import { sm2 } from 'sm-crypto-v2';
import { describe, expect, it } from 'vitest';
import { ed25519Vectors, flipBit, hex, p256Order, p256Vectors, sm2Annex } from '../../_test/signature-vectors.ts';
import { toHex, utf8 } from '../encoding.ts';
import { generateKeyPair, keyPairSigner, SM2_DEFAULT_USER_ID, sign, suiteHash, verify } from './signatures.ts';
import type { KeyPair, SignatureAlgorithm } from './types.ts';

describe('Ed25519 (RFC 8032 §7.1)', () => {
  it('TEST SHA(abc) signs SHA-512("abc")', () => {
    expect(toHex(new Uint8Array(createHash('sha512').update('abc').digest()))).toBe(ed25519Vectors[3].message);
  });

  for (const vector of ed25519Vectors) {
    describe(vector.name, () => {
      const keyPair: KeyPair = { alg: 'ed25519', publicKey: hex(vector.publicKey), privateKey: hex(vector.secretKey) };
      const message = hex(vector.message);
      const signature = hex(vector.signature);

      it('sign gives the published signature, byte for byte', () => {
        expect(toHex(sign(keyPair, message))).toBe(vector.signature);
        expect(toHex(keyPairSigner(keyPair).sign(message))).toBe(vector.signature);
      });

      it('verify accepts the published signature', () => {
        expect(verify('ed25519', keyPair.publicKey, message, signature)).toBe(true);
      });

      it('verify rejects an altered message, an altered signature and another key', () => {
        const longer = new Uint8Array([...message, 0]);
        expect(verify('ed25519', keyPair.publicKey, longer, signature)).toBe(false);
        if (message.length > 0)
          expect(verify('ed25519', keyPair.publicKey, flipBit(message, 0), signature)).toBe(false);
        expect(verify('ed25519', keyPair.publicKey, message, flipBit(signature, 0))).toBe(false);
        expect(verify('ed25519', keyPair.publicKey, message, flipBit(signature, 63))).toBe(false);
        expect(verify('ed25519', flipBit(keyPair.publicKey, 0), message, signature)).toBe(false);
        expect(verify('ed25519', keyPair.publicKey, message, signature.subarray(0, 63))).toBe(false);
      });
    });
  }
});

describe('ECDSA P-256 with SHA-256 (RFC 6979 A.2.5)', () => {
  const keyPair: KeyPair = {
    alg: 'ecdsa-p256',
    publicKey: hex(p256Vectors.publicKey),
    privateKey: hex(p256Vectors.privateKey),
  };

  for (const vector of p256Vectors.signatures) {
    it(`verify accepts the published r‖s for "${vector.message}"`, () => {
      const signature = hex(vector.r + vector.s);
      expect(verify('ecdsa-p256', keyPair.publicKey, utf8(vector.message), signature)).toBe(true);
      expect(verify('ecdsa-p256', keyPair.publicKey, utf8(`${vector.message}.`), signature)).toBe(false);
      expect(verify('ecdsa-p256', keyPair.publicKey, utf8(vector.message), flipBit(signature, 31))).toBe(false);
    });
  }

  it('accepts the high-S twin (n − s): low-S is not required, as SignatureAlgorithm documents', () => {
    const vector = p256Vectors.signatures[0];
    const highS = (p256Order - BigInt(`0x${vector.s}`)).toString(16).padStart(64, '0');
    expect(verify('ecdsa-p256', keyPair.publicKey, utf8(vector.message), hex(vector.r + highS))).toBe(true);
  });

  it('sign then verify round-trips with the RFC key and a fresh key', () => {
    for (const pair of [keyPair, generateKeyPair('ecdsa-p256')]) {
      const message = utf8('a frame to sign');
      const signature = sign(pair, message);
      expect(signature.length).toBe(64);
      expect(verify('ecdsa-p256', pair.publicKey, message, signature)).toBe(true);
      expect(verify('ecdsa-p256', pair.publicKey, message, keyPairSigner(pair).sign(message))).toBe(true);
    }
  });

  it('rejects a tampered signature, a 63-byte, a 65-byte and a DER signature', () => {
    const message = utf8('a frame to sign');
    const signature = sign(keyPair, message);
    expect(verify('ecdsa-p256', keyPair.publicKey, message, flipBit(signature, 10))).toBe(false);
    expect(verify('ecdsa-p256', keyPair.publicKey, message, flipBit(signature, 40))).toBe(false);
    expect(verify('ecdsa-p256', keyPair.publicKey, message, signature.subarray(0, 63))).toBe(false);
    expect(verify('ecdsa-p256', keyPair.publicKey, message, new Uint8Array([...signature, 0]))).toBe(false);
    const der = hex(
      '3045022100EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716' +
        '022100F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8',
    );
    expect(verify('ecdsa-p256', keyPair.publicKey, utf8('sample'), der)).toBe(false);
  });

  it('rejects a malformed public key without throwing', () => {
    const signature = hex(p256Vectors.signatures[0].r + p256Vectors.signatures[0].s);
    const message = utf8('sample');
    expect(verify('ecdsa-p256', keyPair.publicKey.subarray(0, 64), message, signature)).toBe(false);
    expect(verify('ecdsa-p256', new Uint8Array([2, ...keyPair.publicKey.subarray(1)]), message, signature)).toBe(false);
    expect(verify('ecdsa-p256', flipBit(keyPair.publicKey, 64), message, signature)).toBe(false);
  });

  it('never reads a key of another algorithm as P-256', () => {
    const signature = hex(p256Vectors.signatures[0].r + p256Vectors.signatures[0].s);
    const unknown = 'ecdsa-p384' as SignatureAlgorithm;
    expect(verify(unknown, keyPair.publicKey, utf8('sample'), signature)).toBe(false);
  });
});

describe('SM3 (GB/T 32905-2016 Appendix A) and SHA-256 as suiteHash', () => {
  it('SM3("abc")', () => {
    expect(toHex(suiteHash('sm', utf8('abc')))).toBe(
      '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
    );
  });

  it('SM3 of the 64-byte "abcd" × 16', () => {
    expect(toHex(suiteHash('sm', utf8('abcd'.repeat(16))))).toBe(
      'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732',
    );
  });

  it('SHA-256("abc") (FIPS 180-2 Appendix B.1)', () => {
    expect(toHex(suiteHash('intl', utf8('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('hashes the concatenation of its parts', () => {
    expect(suiteHash('sm', utf8('ab'), utf8(''), utf8('c'))).toEqual(suiteHash('sm', utf8('abc')));
    expect(suiteHash('intl', utf8('a'), utf8('bc'))).toEqual(suiteHash('intl', utf8('abc')));
  });
});

describe('SM2 (GM/T 0003.5-2012 Annex A, curve sm2p256v1)', () => {
  const publicKey = hex(sm2Annex.publicKey);
  const message = utf8(sm2Annex.message);
  const signature = hex(sm2Annex.r + sm2Annex.s);

  it('the published key pair, Z_A and e match what sm-crypto-v2 computes', () => {
    expect(sm2.getPublicKeyFromPrivateKey(sm2Annex.privateKey.toLowerCase())).toBe(sm2Annex.publicKey.toLowerCase());
    expect(toHex(sm2.getZ(toHex(publicKey), sm2Annex.userId))).toBe(sm2Annex.za.toLowerCase());
    expect(sm2.getHash(toHex(message), toHex(publicKey), sm2Annex.userId)).toBe(sm2Annex.e.toLowerCase());
  });

  it('verify accepts the published signature with the default signer ID', () => {
    expect(SM2_DEFAULT_USER_ID).toBe(sm2Annex.userId);
    expect(verify('sm2', publicKey, message, signature)).toBe(true);
    expect(verify('sm2', publicKey, message, signature, { sm2UserId: sm2Annex.userId })).toBe(true);
  });

  it('verify rejects another signer ID, an altered message, an altered signature', () => {
    expect(verify('sm2', publicKey, message, signature, { sm2UserId: 'ALICE123@YAHOO.COM' })).toBe(false);
    expect(verify('sm2', publicKey, utf8('message digesT'), signature)).toBe(false);
    expect(verify('sm2', publicKey, message, flipBit(signature, 0))).toBe(false);
    expect(verify('sm2', publicKey, message, flipBit(signature, 63))).toBe(false);
    expect(verify('sm2', publicKey, message, signature.subarray(0, 63))).toBe(false);
    expect(verify('sm2', flipBit(publicKey, 64), message, signature)).toBe(false);
    expect(verify('sm2', publicKey.subarray(1), message, signature)).toBe(false);
  });

  it('sm-crypto-v2 reproduces the published signature from the published nonce k', () => {
    // The point pool hands doSignature the annex's k and the x coordinate of kG instead of a random one.
    const signatureHex = sm2.doSignature(message, sm2Annex.privateKey.toLowerCase(), {
      hash: true,
      der: false,
      publicKey: sm2Annex.publicKey.toLowerCase(),
      userId: sm2Annex.userId,
      pointPool: [{ k: BigInt(`0x${sm2Annex.k}`), x1: BigInt(`0x${sm2Annex.x1}`) } as ReturnType<typeof sm2.getPoint>],
    });
    expect(signatureHex).toBe((sm2Annex.r + sm2Annex.s).toLowerCase());
  });

  it('our signatures are 64-byte r‖s and interoperate with sm-crypto-v2 both ways', () => {
    const keyPair: KeyPair = { alg: 'sm2', publicKey, privateKey: hex(sm2Annex.privateKey) };
    for (let round = 0; round < 20; round++) {
      const text = utf8(`frame ${round}`);
      const ours = sign(keyPair, text);
      expect(ours.length).toBe(64);
      expect(sm2.doVerifySignature(text, toHex(ours), toHex(publicKey), { hash: true, der: false })).toBe(true);
      const theirs = sm2.doSignature(text, toHex(keyPair.privateKey), {
        hash: true,
        der: false,
        userId: SM2_DEFAULT_USER_ID,
      });
      expect(verify('sm2', publicKey, text, hex(theirs))).toBe(true);
    }
  });

  it('a signature made with a custom signer ID verifies only with that ID', () => {
    const keyPair = generateKeyPair('sm2');
    expect(keyPair.publicKey.length).toBe(65);
    expect(keyPair.privateKey.length).toBe(32);
    const signature = sign(keyPair, message, { sm2UserId: 'ALICE123@YAHOO.COM' });
    expect(verify('sm2', keyPair.publicKey, message, signature, { sm2UserId: 'ALICE123@YAHOO.COM' })).toBe(true);
    expect(verify('sm2', keyPair.publicKey, message, signature)).toBe(false);
  });
});

describe('generateKeyPair and keyPairSigner', () => {
  const sizes: Record<SignatureAlgorithm, { publicKey: number; privateKey: number }> = {
    ed25519: { publicKey: 32, privateKey: 32 },
    'ecdsa-p256': { publicKey: 65, privateKey: 32 },
    sm2: { publicKey: 65, privateKey: 32 },
  };
  for (const alg of Object.keys(sizes) as SignatureAlgorithm[]) {
    it(`${alg}: raw key sizes, a signer that verifies, keys that differ each time`, () => {
      const keyPair = generateKeyPair(alg);
      expect(keyPair.alg).toBe(alg);
      expect(keyPair.publicKey.length).toBe(sizes[alg].publicKey);
      expect(keyPair.privateKey.length).toBe(sizes[alg].privateKey);
      const signer = keyPairSigner(keyPair);
      expect(signer.alg).toBe(alg);
      expect(signer.publicKey).toEqual(keyPair.publicKey);
      const message = utf8('{"seq":1}');
      expect(verify(alg, keyPair.publicKey, message, signer.sign(message))).toBe(true);
      expect(verify(alg, generateKeyPair(alg).publicKey, message, signer.sign(message))).toBe(false);
      expect(generateKeyPair(alg).privateKey).not.toEqual(keyPair.privateKey);
    });
  }
});
