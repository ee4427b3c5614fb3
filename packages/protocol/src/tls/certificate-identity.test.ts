import type { PeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { certificateIdentity, certificateIdentityUri } from './certificate-identity.ts';
import { isLoopbackHost, TlsListenerSchema } from './tls-files.ts';

const withNames = (subjectaltname: string | undefined) => ({ subjectaltname }) as PeerCertificate;

describe('certificateIdentity', () => {
  it('reads the device or edge named by the urn:fieldproof URI SAN', () => {
    expect(certificateIdentityUri('device', 'load-cell-1')).toBe('urn:fieldproof:device:load-cell-1');
    expect(certificateIdentity(withNames('URI:urn:fieldproof:device:load-cell-1'))).toEqual({
      kind: 'device',
      id: 'load-cell-1',
    });
    expect(certificateIdentity(withNames('DNS:localhost, URI:urn:fieldproof:edge:edge-1'))).toEqual({
      kind: 'edge',
      id: 'edge-1',
    });
  });

  it.each([
    ['no certificate', undefined],
    ['no SAN', withNames(undefined)],
    ['only DNS names', withNames('DNS:localhost, IP Address:127.0.0.1')],
    ['another URN', withNames('URI:urn:example:device:a')],
    ['an id the frame schema refuses', withNames('URI:urn:fieldproof:device:-bad')],
    ['two identities', withNames('URI:urn:fieldproof:device:a, URI:urn:fieldproof:device:b')],
  ])('names nobody for %s', (_case, certificate) => {
    expect(certificateIdentity(certificate as PeerCertificate | undefined)).toBeUndefined();
  });
});

describe('TLS configuration', () => {
  it('knows loopback hosts', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1'].every(isLoopbackHost)).toBe(true);
    expect(['0.0.0.0', '::', '10.0.0.5', 'edge.example'].some(isLoopbackHost)).toBe(false);
  });

  it('wants a CA for mTLS', () => {
    expect(TlsListenerSchema.safeParse({ certFile: 'c', keyFile: 'k', clientCertificates: 'require' }).success).toBe(
      false,
    );
    expect(TlsListenerSchema.parse({ certFile: 'c', keyFile: 'k' }).clientCertificates).toBe('none');
  });
});
