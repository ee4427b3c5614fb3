import { describe, expect, it } from 'vitest';
import { FrameSchema, IdSchema, SignedFrameSchema } from './frame.ts';

const frame = {
  deviceId: 'scale-01',
  seq: 7,
  deviceTimeMs: 1_700_000_000_000,
  readings: [
    { kind: 'weight', value: 1250.5, unit: 'kg' },
    { kind: 'rfid.tag', value: 'E200-3412' },
    { kind: 'door.open', value: false },
  ],
};

/** The distinct issue paths of a failed parse, to show where a frame was rejected. */
function rejectedPaths(value: unknown): string[] {
  const result = FrameSchema.safeParse(value);
  expect(result.success).toBe(false);
  return result.success ? [] : [...new Set(result.error.issues.map((issue) => issue.path.join('.')))];
}

describe('FrameSchema', () => {
  it('accepts a well-formed frame unchanged', () => {
    expect(FrameSchema.parse(frame)).toEqual(frame);
  });

  it('rejects an extra key, at the top and inside a reading', () => {
    expect(rejectedPaths({ ...frame, extra: 1 })).toEqual(['']);
    expect(rejectedPaths({ ...frame, readings: [{ kind: 'weight', value: 1, note: 'x' }] })).toEqual(['readings.0']);
  });

  it('rejects a seq that is not an integer, negative or above MAX_SAFE_INTEGER', () => {
    expect(rejectedPaths({ ...frame, seq: 1.5 })).toEqual(['seq']);
    expect(rejectedPaths({ ...frame, seq: -1 })).toEqual(['seq']);
    expect(rejectedPaths({ ...frame, seq: Number.MAX_SAFE_INTEGER + 1 })).toEqual(['seq']);
    expect(rejectedPaths({ ...frame, seq: '7' })).toEqual(['seq']);
    expect(FrameSchema.parse({ ...frame, seq: Number.MAX_SAFE_INTEGER }).seq).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('rejects empty readings and more than 64', () => {
    expect(rejectedPaths({ ...frame, readings: [] })).toEqual(['readings']);
    const reading = { kind: 'power', value: 1 };
    expect(rejectedPaths({ ...frame, readings: Array.from({ length: 65 }, () => reading) })).toEqual(['readings']);
    expect(FrameSchema.safeParse({ ...frame, readings: Array.from({ length: 64 }, () => reading) }).success).toBe(true);
  });

  it('rejects values that RFC 8785 cannot sign: NaN, Infinity and lone surrogates', () => {
    expect(rejectedPaths({ ...frame, readings: [{ kind: 'power', value: Number.NaN }] })).toEqual(['readings.0.value']);
    expect(rejectedPaths({ ...frame, readings: [{ kind: 'power', value: Number.POSITIVE_INFINITY }] })).toEqual([
      'readings.0.value',
    ]);
    expect(rejectedPaths({ ...frame, readings: [{ kind: 'tag', value: 'ab\ud800' }] })).toEqual(['readings.0.value']);
    expect(rejectedPaths({ ...frame, readings: [{ kind: 'tag', value: 1, unit: '\udc00' }] })).toEqual([
      'readings.0.unit',
    ]);
    expect(FrameSchema.safeParse({ ...frame, readings: [{ kind: 'tag', value: 'ok \ud83d\ude00' }] }).success).toBe(
      true,
    );
  });

  it('rejects a device id that is not safe in topics and file names', () => {
    for (const id of ['', '-lead', 'a/b', 'a+b', 'a#', 'x'.repeat(129), 'é']) {
      expect(IdSchema.safeParse(id).success).toBe(false);
    }
    expect(IdSchema.safeParse('x'.repeat(128)).success).toBe(true);
  });
});

describe('SignedFrameSchema', () => {
  const signed = { frame, alg: 'ed25519', sig: 'QUJD' };

  it('accepts a signed frame', () => {
    expect(SignedFrameSchema.parse(signed)).toEqual(signed);
  });

  it('rejects an extra key, an unknown algorithm and a signature that is not padded base64', () => {
    expect(SignedFrameSchema.safeParse({ ...signed, extra: true }).success).toBe(false);
    expect(SignedFrameSchema.safeParse({ ...signed, alg: 'rsa' }).success).toBe(false);
    expect(SignedFrameSchema.safeParse({ ...signed, sig: 'QUJ' }).success).toBe(false);
    expect(SignedFrameSchema.safeParse({ ...signed, sig: 'ab-_' }).success).toBe(false);
  });
});
