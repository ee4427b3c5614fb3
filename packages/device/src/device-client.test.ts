import {
  canonicalBytes,
  FieldproofError,
  FrameSchema,
  fromBase64,
  generateKeyPair,
  keyPairSigner,
  type SignatureAlgorithm,
  verify,
} from '@fieldproof/protocol';
import { describe, expect, it } from 'vitest';
import { createDeviceClient } from './device-client.ts';
import { createMemorySeqStore } from './seq-store.ts';

const algorithms: SignatureAlgorithm[] = ['ed25519', 'ecdsa-p256', 'sm2'];

describe('createDeviceClient', () => {
  it.each(algorithms)('builds %s frames whose signature verifies over the canonical bytes', (alg) => {
    const keyPair = generateKeyPair(alg);
    const client = createDeviceClient({
      deviceId: 'cell-1',
      signer: keyPairSigner(keyPair),
      seqStore: createMemorySeqStore(),
      clock: () => 1_700_000_000_000,
    });
    const first = client.buildFrame([{ kind: 'weight', value: 50_012.3, unit: 'kg' }]);
    const second = client.buildFrame([{ kind: 'tamper', value: false }], 1_700_000_001_000);
    for (const signedFrame of [first, second]) {
      expect(FrameSchema.parse(signedFrame.frame)).toEqual(signedFrame.frame);
      expect(signedFrame.alg).toBe(alg);
      const signature = fromBase64(signedFrame.sig);
      expect(signature).toBeDefined();
      expect(verify(alg, keyPair.publicKey, canonicalBytes(signedFrame.frame), signature as Uint8Array)).toBe(true);
    }
    expect(first.frame).toMatchObject({ deviceId: 'cell-1', seq: 0, deviceTimeMs: 1_700_000_000_000 });
    expect(second.frame).toMatchObject({ seq: 1, deviceTimeMs: 1_700_000_001_000 });
    // A changed frame no longer verifies.
    const tampered = { ...first.frame, seq: 99 };
    expect(verify(alg, keyPair.publicKey, canonicalBytes(tampered), fromBase64(first.sig) as Uint8Array)).toBe(false);
  });

  it('rejects invalid readings with frame_malformed, naming the field, and uses up no seq', () => {
    const client = createDeviceClient({
      deviceId: 'cell-1',
      signer: keyPairSigner(generateKeyPair('ed25519')),
      seqStore: createMemorySeqStore(),
    });
    let caught: unknown;
    try {
      client.buildFrame([{ kind: 'Weight!', value: Number.NaN }]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FieldproofError);
    expect((caught as FieldproofError).code).toBe('frame_malformed');
    expect((caught as FieldproofError).message).toMatch(/readings\.0\.kind/);
    expect(() => client.buildFrame([])).toThrow(/readings/);
    expect(() => client.buildFrame([{ kind: 'weight', value: 1 }], 1.5)).toThrow(/deviceTimeMs/);
    expect(client.buildFrame([{ kind: 'weight', value: 1 }], 0).frame.seq).toBe(0);
  });

  it('rejects an invalid device id at creation', () => {
    expect(() =>
      createDeviceClient({
        deviceId: 'no/slashes',
        signer: keyPairSigner(generateKeyPair('ed25519')),
        seqStore: createMemorySeqStore(),
      }),
    ).toThrow(/not a valid device id/);
  });
});
