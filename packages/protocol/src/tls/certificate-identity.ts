import type { PeerCertificate } from 'node:tls';

/** What a Fieldproof client certificate names: a device or an edge. */
export type CertificateSubjectKind = 'device' | 'edge';

/** The identity a client certificate carries in its URI subject alternative name. */
export interface CertificateIdentity {
  /** Device or edge. */
  kind: CertificateSubjectKind;
  /** The device id or edge id. */
  id: string;
}

/** The URI SAN of a device's or edge's certificate, e.g. `urn:fieldproof:device:load-cell-1`. */
export function certificateIdentityUri(kind: CertificateSubjectKind, id: string): string {
  return `urn:fieldproof:${kind}:${id}`;
}

const uriPattern = /^urn:fieldproof:(device|edge):([A-Za-z0-9][A-Za-z0-9._-]{0,127})$/;

/**
 * The identity named by a verified peer certificate's `urn:fieldproof:<kind>:<id>` URI SAN, or
 * undefined if it names none (or more than one, which the development CA never issues).
 * Precondition: the TLS layer has already checked the chain (rejectUnauthorized); this only reads names.
 */
export function certificateIdentity(certificate: PeerCertificate | undefined): CertificateIdentity | undefined {
  const names = certificate?.subjectaltname;
  if (!names) return undefined;
  // Node joins the names with ", "; ids cannot hold a comma or a space, so the split is exact.
  const found = names
    .split(', ')
    .filter((name) => name.startsWith('URI:'))
    .map((name) => uriPattern.exec(name.slice(4)))
    .filter((match): match is RegExpExecArray => match !== null);
  if (found.length !== 1) return undefined;
  const [, kind, id] = found[0] as RegExpExecArray;
  return { kind: kind as CertificateSubjectKind, id: id as string };
}
