import type { PeerCertificate } from 'node:tls';
import { certificateIdentity, topics } from '@fieldproof/protocol';

/**
 * For a frame that came over mTLS: null when the client certificate names the frame's device
 * (or the payload is not a frame at all: verify.ts then quarantines it as malformed), otherwise
 * the certificate-mismatch topic that makes verify.ts quarantine it as `device_certificate_mismatch`.
 * A certificate that names no device (an edge's, say) never matches.
 * Precondition: the TLS layer verified the certificate's chain (clientCertificates `require`).
 */
export function certificateMismatchTopic(certificate: PeerCertificate | undefined, payload: Buffer): string | null {
  let deviceId: unknown;
  try {
    deviceId = (JSON.parse(payload.toString('utf8')) as { frame?: { deviceId?: unknown } } | null)?.frame?.deviceId;
  } catch {
    return null;
  }
  if (typeof deviceId !== 'string') return null;
  const identity = certificateIdentity(certificate);
  if (identity?.kind === 'device' && identity.id === deviceId) return null;
  return topics.certificateMismatch(
    identity ? (identity.kind === 'device' ? identity.id : `${identity.kind}:${identity.id}`) : 'unnamed',
  );
}
