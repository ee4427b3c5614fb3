import type { ErrorCode, SignatureAlgorithm, SignedFrame } from '@fieldproof/protocol';

/** A registered device, as far as the origin check needs it. */
export interface FrameOriginDevice {
  device_id: string;
  alg: string;
  public_key: Uint8Array;
  edge_id: string;
  attestation: 'device-signed' | 'edge-attested';
}

/** The edge that sent the batch. */
export interface FrameOriginEdge {
  edge_id: string;
  alg: string;
  public_key: Uint8Array;
}

export interface VerifyFrameOriginParameters {
  /** The signed frame from the batch. */
  frame: SignedFrame;
  /** Its canonical `message` text (what `sig` covers), from canonicalizeSignedFrame. */
  message: string;
  /** The registered device the frame names, if any. */
  device: FrameOriginDevice | undefined;
  /** The edge whose signed batch carries the frame. */
  edge: FrameOriginEdge;
}

/** Either a reject with its code, or the key the frame's signature must verify with. */
export type VerifyFrameOriginResult =
  | { ok: false; code: ErrorCode; message: string }
  | { ok: true; alg: SignatureAlgorithm; publicKey: Uint8Array; message: string };

/**
 * Decide whose key a frame's signature must verify with, before any signature is checked: a
 * device-signed frame with its registered device's key; an edge-attested frame only when the device
 * is registered keyless (`edge-attested`), assigned to the batch's edge, and the frame names that
 * edge, with the edge's key. A device with its own key can never be spoken for by an edge signature,
 * and a keyless device cannot send an unattested frame: both are `frame_attestation_invalid`.
 * Pure: no store, no I/O, so it carries over unchanged to any storage layer.
 */
export function verifyFrameOrigin(parameters: VerifyFrameOriginParameters): VerifyFrameOriginResult {
  const { frame, device, edge } = parameters;
  const deviceId = frame.frame.deviceId;
  if (!device) return { ok: false, code: 'device_unknown', message: `device ${deviceId} is not registered` };
  if (device.edge_id !== edge.edge_id) {
    return {
      ok: false,
      code: frame.attestation === 'edge-attested' ? 'frame_attestation_invalid' : 'device_not_assigned_to_edge',
      message: `device ${deviceId} belongs to edge ${device.edge_id}, not ${edge.edge_id}`,
    };
  }
  if (frame.attestation === 'edge-attested') {
    if (device.attestation !== 'edge-attested') {
      return {
        ok: false,
        code: 'frame_attestation_invalid',
        message: `device ${deviceId} signs its own frames; edge ${frame.edgeId} cannot attest for it`,
      };
    }
    if (frame.edgeId !== edge.edge_id) {
      return {
        ok: false,
        code: 'frame_attestation_invalid',
        message: `the frame of ${deviceId} is attested by edge ${frame.edgeId} but batched by ${edge.edge_id}`,
      };
    }
    if (frame.alg !== edge.alg) {
      return { ok: false, code: 'frame_signature_invalid', message: `edge ${edge.edge_id} signs with ${edge.alg}` };
    }
    return { ok: true, alg: frame.alg, publicKey: edge.public_key, message: parameters.message };
  }
  if (device.attestation === 'edge-attested') {
    return {
      ok: false,
      code: 'frame_attestation_invalid',
      message: `device ${deviceId} is keyless: its frames must be edge-attested by edge ${device.edge_id}`,
    };
  }
  if (device.alg !== frame.alg) {
    return { ok: false, code: 'frame_signature_invalid', message: `device ${deviceId} signs with ${device.alg}` };
  }
  return { ok: true, alg: frame.alg, publicKey: device.public_key, message: parameters.message };
}
