import type { ErrorCode, SignatureAlgorithm, SignedFrame } from '@fieldproof/protocol';
import { deviceKeyForTime } from '../identity/device-key-for-time.ts';
import type { IdentityStatus } from '../identity/identity-lifecycle.ts';

/** A device's lifecycle status and rotated keys (docs/identity-lifecycle.md). */
export interface FrameOriginIdentity {
  /** Where the device stands in its lifecycle. */
  status: IdentityStatus;
  /** When the status last changed; for `revoked`, the device time from which frames are refused. */
  statusChangedAtMs: number | null;
  /** Keys the device rotated to, each valid for frames of device time at or after validFromMs. */
  keys: readonly { alg: string; publicKey: Uint8Array; validFromMs: number }[];
}

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
  /**
   * The device's lifecycle status and rotated keys; absent: treated as active with only its
   * registered key (the audit re-checks stored frames without refusing them for a later status).
   */
  identity?: FrameOriginIdentity | undefined;
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
 * With `identity`, a device that is not active is refused first (`device_inactive`,
 * `device_suspended`, `device_retired`; `device_revoked` for frames of device time at or after the
 * revocation), and a device-signed frame verifies with the key valid at its device time.
 * Pure: no store, no I/O, so it carries over unchanged to any storage layer.
 */
export function verifyFrameOrigin(parameters: VerifyFrameOriginParameters): VerifyFrameOriginResult {
  const { frame, device, edge } = parameters;
  const deviceId = frame.frame.deviceId;
  if (!device) return { ok: false, code: 'device_unknown', message: `device ${deviceId} is not registered` };
  const refusal = statusRefusal(deviceId, frame.frame.deviceTimeMs, parameters.identity);
  if (refusal) return refusal;
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
  const key = deviceKeyForTime(
    { alg: device.alg, publicKey: device.public_key },
    parameters.identity?.keys ?? [],
    frame.frame.deviceTimeMs,
  );
  if (key.alg !== frame.alg) {
    return { ok: false, code: 'frame_signature_invalid', message: `device ${deviceId} signs with ${key.alg}` };
  }
  return { ok: true, alg: frame.alg, publicKey: key.publicKey, message: parameters.message };
}

/** Why a device's lifecycle status refuses a frame of device time `deviceTimeMs`, if it does. */
function statusRefusal(
  deviceId: string,
  deviceTimeMs: number,
  identity: FrameOriginIdentity | undefined,
): { ok: false; code: ErrorCode; message: string } | undefined {
  switch (identity?.status) {
    case undefined:
    case 'active':
      return undefined;
    case 'registered':
      return { ok: false, code: 'device_inactive', message: `device ${deviceId} is registered but not activated` };
    case 'suspended':
      return { ok: false, code: 'device_suspended', message: `device ${deviceId} is suspended` };
    case 'retired':
      return { ok: false, code: 'device_retired', message: `device ${deviceId} is retired` };
    case 'revoked': {
      // Frames signed before the revocation (device time) still land: a late upload of honest data.
      const revokedAtMs = identity.statusChangedAtMs ?? 0;
      if (deviceTimeMs < revokedAtMs) return undefined;
      return {
        ok: false,
        code: 'device_revoked',
        message: `device ${deviceId} was revoked from device time ${revokedAtMs}; this frame is of ${deviceTimeMs}`,
      };
    }
  }
}
