import { createHash } from 'node:crypto';
import { sm2 } from 'sm-crypto-v2';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../encoding.ts';
import { generateKeyPair, keyPairSigner, SM2_DEFAULT_USER_ID, sign, suiteHash, verify } from './signatures.ts';
import type { KeyPair, SignatureAlgorithm } from './types.ts';

/** Bytes from a published hex string (either case, spaces allowed). */
function hex(text: string): Uint8Array {
  const bytes = fromHex(text.replace(/\s+/g, '').toLowerCase());
  if (!bytes) throw new Error(`not hex: ${text}`);
  return bytes;
}

/** A copy of `bytes` with one bit flipped at `index`. */
function flipBit(bytes: Uint8Array, index: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[index] = (copy[index] as number) ^ 0x01;
  return copy;
}

// RFC 8032 §7.1, "Test Vectors for Ed25519": SECRET KEY (the 32-byte seed), PUBLIC KEY, MESSAGE,
// SIGNATURE. TEST SHA(abc) signs the 64-byte SHA-512 of "abc".
const ed25519Vectors = [
  {
    name: 'TEST 1 (empty message)',
    secretKey: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2 (one byte)',
    secretKey: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3 (two bytes)',
    secretKey: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
  {
    name: 'TEST SHA(abc)',
    secretKey: '833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42',
    publicKey: 'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf',
    message:
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    signature:
      'dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704',
  },
] as const;

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

// RFC 6979 Appendix A.2.5, ECDSA on P-256: private key x, public key (Ux, Uy), and the (r, s)
// for the messages "sample" and "test" with SHA-256.
const p256 = {
  privateKey: 'C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721',
  publicKey:
    '04' +
    '60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6' +
    '7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299',
  signatures: [
    {
      message: 'sample',
      r: 'EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716',
      s: 'F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8',
    },
    {
      message: 'test',
      r: 'F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367',
      s: '019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083',
    },
  ],
} as const;
// The order n of P-256 (SEC 2 / FIPS 186-4 D.1.2.3).
const p256Order = BigInt('0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551');

describe('ECDSA P-256 with SHA-256 (RFC 6979 A.2.5)', () => {
  const keyPair: KeyPair = { alg: 'ecdsa-p256', publicKey: hex(p256.publicKey), privateKey: hex(p256.privateKey) };

  for (const vector of p256.signatures) {
    it(`verify accepts the published r‖s for "${vector.message}"`, () => {
      const signature = hex(vector.r + vector.s);
      expect(verify('ecdsa-p256', keyPair.publicKey, utf8(vector.message), signature)).toBe(true);
      expect(verify('ecdsa-p256', keyPair.publicKey, utf8(`${vector.message}.`), signature)).toBe(false);
      expect(verify('ecdsa-p256', keyPair.publicKey, utf8(vector.message), flipBit(signature, 31))).toBe(false);
    });
  }

  it('accepts the high-S twin (n − s): low-S is not required, as SignatureAlgorithm documents', () => {
    const vector = p256.signatures[0];
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
    const signature = hex(p256.signatures[0].r + p256.signatures[0].s);
    const message = utf8('sample');
    expect(verify('ecdsa-p256', keyPair.publicKey.subarray(0, 64), message, signature)).toBe(false);
    expect(verify('ecdsa-p256', new Uint8Array([2, ...keyPair.publicKey.subarray(1)]), message, signature)).toBe(false);
    expect(verify('ecdsa-p256', flipBit(keyPair.publicKey, 64), message, signature)).toBe(false);
  });

  it('never reads a key of another algorithm as P-256', () => {
    const signature = hex(p256.signatures[0].r + p256.signatures[0].s);
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

// GM/T 0003.5-2012 (= GB/T 32918.5-2017) Annex A: SM2 signature on the recommended curve
// sm2p256v1, signer ID "1234567812345678", message "message digest". The same numbers are the
// recommended-curve case of OpenSSL's test/sm2_internal_test.c and of GmSSL's SM2 tests.
const sm2Annex = {
  privateKey: '3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8',
  publicKey:
    '04' +
    '09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020' +
    'CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13',
  userId: '1234567812345678',
  message: 'message digest',
  za: 'B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3',
  e: 'F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640',
  k: '59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21',
  x1: '04EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73',
  r: 'F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3',
  s: 'B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA',
} as const;

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
