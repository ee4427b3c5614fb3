import { generateKeyPair, sign, utf8, type VerifyItem } from '@fieldproof/protocol';
import { describe, expect, it } from 'vitest';
import { createVerifiedSignatures } from './verified-signatures.ts';

const keyPair = generateKeyPair('ed25519');
const item = (text: string): VerifyItem => ({
  alg: 'ed25519',
  publicKey: keyPair.publicKey,
  message: utf8(text),
  signature: sign(keyPair, utf8(text)),
});

describe('verified signatures memo', () => {
  it('vouches once for the exact item it was told about, and for nothing that differs in any field', async () => {
    const memo = createVerifiedSignatures({ entriesMax: 10 });
    const good = item('frame 1');
    memo.remember(good);
    // Another message, another signature, another key, another algorithm: not found, so verified as usual.
    expect(memo.take({ ...good, message: utf8('frame 2') })).toBe(false);
    expect(memo.take({ ...good, signature: item('frame 2').signature })).toBe(false);
    expect(memo.take({ ...good, publicKey: generateKeyPair('ed25519').publicKey })).toBe(false);
    expect(memo.take({ ...good, alg: 'ecdsa-p256' })).toBe(false);
    // The same item, rebuilt from fresh buffers: found once, then forgotten.
    expect(memo.take({ ...good, message: utf8('frame 1'), signature: new Uint8Array(good.signature) })).toBe(true);
    expect(memo.take(good)).toBe(false);
    expect(memo.stats()).toEqual({ remembered: 1, reused: 1, evicted: 0 });
  });

  it('keeps at most entriesMax, dropping the oldest first', async () => {
    const memo = createVerifiedSignatures({ entriesMax: 2 });
    const a = item('a');
    const b = item('b');
    const c = item('c');
    memo.remember(a);
    memo.remember(b);
    memo.remember(c);
    expect(memo.take(a)).toBe(false);
    expect(memo.take(b)).toBe(true);
    expect(memo.take(c)).toBe(true);
    expect(memo.stats().evicted).toBe(1);
  });
});
