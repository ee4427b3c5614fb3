import type { PeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { parseEdgeConfig } from '../config.ts';
import { certificateMismatchTopic } from './certificate-mismatch-topic.ts';

const certificateOf = (uri: string) => ({ subjectaltname: `URI:${uri}` }) as PeerCertificate;
const frameOf = (deviceId: string) => Buffer.from(JSON.stringify({ frame: { deviceId } }));

describe('certificateMismatchTopic', () => {
  it('lets a frame of the certificate’s device through', () => {
    expect(certificateMismatchTopic(certificateOf('urn:fieldproof:device:dev-a'), frameOf('dev-a'))).toBeNull();
  });

  it('marks a frame of another device, or one carried by an edge’s certificate or a nameless one', () => {
    expect(certificateMismatchTopic(certificateOf('urn:fieldproof:device:dev-a'), frameOf('dev-b'))).toBe(
      'fieldproof/v1/certificate-mismatch/dev-a',
    );
    expect(certificateMismatchTopic(certificateOf('urn:fieldproof:edge:edge-1'), frameOf('dev-b'))).toBe(
      'fieldproof/v1/certificate-mismatch/edge:edge-1',
    );
    expect(certificateMismatchTopic({} as PeerCertificate, frameOf('dev-b'))).toBe(
      'fieldproof/v1/certificate-mismatch/unnamed',
    );
  });

  it('leaves what is not a frame to the verify step (quarantined as malformed)', () => {
    expect(certificateMismatchTopic(certificateOf('urn:fieldproof:device:dev-a'), Buffer.from('not json'))).toBeNull();
  });
});

describe('edge configuration', () => {
  it('refuses plain HTTP on a host other than loopback, naming the key', () => {
    const base = { edgeId: 'edge-1', dataDir: '/tmp/x', cloud: { url: 'https://cloud.example' } };
    expect(() => parseEdgeConfig({ ...base, http: { host: '0.0.0.0' } })).toThrow(
      /edge\.http\.tls: plain HTTP on 0\.0\.0\.0/,
    );
    expect(
      parseEdgeConfig({ ...base, http: { host: '0.0.0.0', tls: { certFile: 'c', keyFile: 'k' } } }).http?.tls,
    ).toEqual({
      certFile: 'c',
      keyFile: 'k',
      clientCertificates: 'none',
    });
    expect(parseEdgeConfig({ ...base, http: {} }).http?.host).toBe('127.0.0.1');
  });
});
