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
 * The canonical texts of a signed frame in one pass: `frame` (the canonical frame), `message`
 * (what `sig` covers: the canonical frame for a device-signed frame, the canonical envelope
 * `{attestation, edgeId, frame}` for an edge-attested one) and `signed` (the leaf data of the batch
 * tree). A device-signed frame's texts are exactly those of the original format. Precondition:
 * `signed` passed SignedFrameSchema.
 */
export function canonicalizeSignedFrame(signed: SignedFrame): { frame: string; message: string; signed: string } {
  const frame = canonicalizeFrame(signed.frame);
  if (signed.attestation === undefined) {
    return {
      frame,
      message: frame,
      signed: `{"alg":${JSON.stringify(signed.alg)},"frame":${frame},"sig":${JSON.stringify(signed.sig)}}`,
    };
  }
  const attested = `"attestation":${JSON.stringify(signed.attestation)},"edgeId":${JSON.stringify(signed.edgeId)}`;
  return {
    frame,
    message: `{${attested},"frame":${frame}}`,
    signed: `{"alg":${JSON.stringify(signed.alg)},${attested},"frame":${frame},"sig":${JSON.stringify(signed.sig)}}`,
  };
}

/**
 * The canonical text an edge signs to attest a keyless device's frame: RFC 8785 JSON of
 * `{attestation: 'edge-attested', edgeId, frame}`. Precondition: `frame` passed FrameSchema.
 */
export function edgeAttestedMessage(edgeId: string, frame: Frame): string {
  return `{"attestation":"edge-attested","edgeId":${JSON.stringify(edgeId)},"frame":${canonicalizeFrame(frame)}}`;
}
