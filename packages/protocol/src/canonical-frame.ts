import type { Frame, SignedFrame } from './frame.ts';

// Hand-ordered encoders for the two shapes on the hot path. They produce exactly what
// canonicalize() produces (keys in UTF-16 order, JSON.stringify for every scalar), without
// sorting keys for every object; a property test holds them to that.

/**
 * RFC 8785 canonical JSON of a frame. Precondition: `frame` passed FrameSchema (no other keys;
 * `unit` absent or a string); for anything else use canonicalize().
 */
export function canonicalizeFrame(frame: Frame): string {
  let readings = '';
  for (let index = 0; index < frame.readings.length; index++) {
    const reading = frame.readings[index] as Frame['readings'][number];
    if (index > 0) readings += ',';
    readings +=
      reading.unit === undefined
        ? `{"kind":${JSON.stringify(reading.kind)},"value":${JSON.stringify(reading.value)}}`
        : `{"kind":${JSON.stringify(reading.kind)},"unit":${JSON.stringify(reading.unit)},"value":${JSON.stringify(reading.value)}}`;
  }
  return `{"deviceId":${JSON.stringify(frame.deviceId)},"deviceTimeMs":${frame.deviceTimeMs},"readings":[${readings}],"seq":${frame.seq}}`;
}

/**
 * Both canonical texts of a signed frame in one pass: `frame` (what the device signed) and
 * `signed` (the leaf data of the batch tree). Precondition: `signed` passed SignedFrameSchema.
 */
export function canonicalizeSignedFrame(signed: SignedFrame): { frame: string; signed: string } {
  const frame = canonicalizeFrame(signed.frame);
  return {
    frame,
    signed: `{"alg":${JSON.stringify(signed.alg)},"frame":${frame},"sig":${JSON.stringify(signed.sig)}}`,
  };
}
