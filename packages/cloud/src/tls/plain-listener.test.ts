import { describe, expect, it } from 'vitest';
import { parseCloudConfig } from '../config.ts';

describe('cloud configuration', () => {
  it('refuses plain HTTP on a host other than loopback, naming the key', () => {
    expect(() => parseCloudConfig({ dataDir: '/tmp/x', http: { host: '0.0.0.0', port: 8080 } })).toThrow(
      /cloud\.tls: plain HTTP on 0\.0\.0\.0/,
    );
    expect(
      parseCloudConfig({
        dataDir: '/tmp/x',
        http: { host: '0.0.0.0', port: 8080 },
        tls: { certFile: 'c', keyFile: 'k' },
      }).tls,
    ).toEqual({ certFile: 'c', keyFile: 'k', clientCertificates: 'none' });
    expect(parseCloudConfig({ dataDir: '/tmp/x' }).tls).toBeUndefined();
  });
});
