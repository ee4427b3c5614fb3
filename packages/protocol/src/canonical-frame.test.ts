import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalizeFrame, canonicalizeSignedFrame, edgeAttestedMessage } from './canonical-frame.ts';
import { canonicalize } from './canonical-json.ts';
import { type SignedFrame, SignedFrameSchema } from './frame.ts';

const reading = fc.record(
  {
    kind: fc.stringMatching(/^[a-z][a-z0-9_.]{0,20}$/),
    value: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.string({ maxLength: 40 })),
    unit: fc.string({ maxLength: 16 }),
  },
  { requiredKeys: ['kind', 'value'] },
);
const signedFrame = fc.record({
  frame: fc.record({
    deviceId: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,30}$/),
    seq: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    deviceTimeMs: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    readings: fc.array(reading, { minLength: 1, maxLength: 8 }),
  }),
  alg: fc.constantFrom('ed25519', 'ecdsa-p256', 'sm2'),
  sig: fc.base64String({ minLength: 4, maxLength: 88 }),
});

describe('canonicalizeFrame / canonicalizeSignedFrame', () => {
  it('equal canonicalize() on every frame the schema accepts', () => {
    fc.assert(
      fc.property(signedFrame, (candidate) => {
        const parsed = SignedFrameSchema.safeParse(candidate);
        fc.pre(parsed.success);
        const signed = parsed.data as SignedFrame;
        const texts = canonicalizeSignedFrame(signed);
        expect(texts.frame).toBe(canonicalize(signed.frame));
        expect(texts.signed).toBe(canonicalize(signed));
        expect(canonicalizeFrame(signed.frame)).toBe(texts.frame);
      }),
      { numRuns: 500 },
    );
  });

  it('equal canonicalize() on edge-attested frames too, the marker in the signed message and the leaf', () => {
    fc.assert(
      fc.property(signedFrame, fc.constantFrom('edge-1', 'e.2'), (candidate, edgeId) => {
        const parsed = SignedFrameSchema.safeParse({ ...candidate, attestation: 'edge-attested', edgeId });
        fc.pre(parsed.success);
        const signed = parsed.data as SignedFrame;
        const texts = canonicalizeSignedFrame(signed);
        expect(texts.signed).toBe(canonicalize(signed));
        expect(texts.message).toBe(canonicalize({ attestation: 'edge-attested', edgeId, frame: signed.frame }));
        expect(edgeAttestedMessage(edgeId, signed.frame)).toBe(texts.message);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps a device-signed frame byte-identical: the message is the canonical frame', () => {
    const signed = {
      frame: { deviceId: 'd-1', seq: 1, deviceTimeMs: 2, readings: [{ kind: 'w', value: 1 }] },
      alg: 'ed25519' as const,
      sig: 'QUJD',
    };
    const texts = canonicalizeSignedFrame(signed);
    expect(texts.message).toBe(texts.frame);
    expect(texts.signed).toBe(
      '{"alg":"ed25519","frame":{"deviceId":"d-1","deviceTimeMs":2,"readings":[{"kind":"w","value":1}],"seq":1},"sig":"QUJD"}',
    );
    expect(SignedFrameSchema.safeParse({ ...signed, attestation: 'edge-attested' }).success).toBe(false);
    expect(SignedFrameSchema.safeParse({ ...signed, attestation: 'device-signed', edgeId: 'e' }).success).toBe(false);
  });

  it('writes -0 as 0 and large or tiny numbers in ECMAScript form, as RFC 8785 asks', () => {
    const frame = {
      deviceId: 'd-1',
      seq: 7,
      deviceTimeMs: 1,
      readings: [
        { kind: 'a', value: -0 },
        { kind: 'b', value: 1e21, unit: 'kg' },
        { kind: 'c', value: 5e-7 },
      ],
    };
    expect(canonicalizeFrame(frame)).toBe(
      '{"deviceId":"d-1","deviceTimeMs":1,"readings":[{"kind":"a","value":0},{"kind":"b","unit":"kg","value":1e+21},{"kind":"c","value":5e-7}],"seq":7}',
    );
  });
});
