import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { createTlsFetch, readTlsFiles } from '@fieldproof/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leafRenewBeforeDays, loadOrCreateDevelopmentCa } from './development-ca.ts';

const folder = mkdtempSync(join(tmpdir(), 'fieldproof-ca-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('development CA', () => {
  it('is made on first start with its key mode 0600, and reused after', async () => {
    const dir = join(folder, 'reuse');
    const ca = await loadOrCreateDevelopmentCa({ dir });
    expect(statSync(join(dir, 'ca-key.pem')).mode & 0o777).toBe(0o600);
    const caPem = readFileSync(ca.caFile, 'utf8');
    const certificate = new X509Certificate(caPem);
    expect(certificate.ca).toBe(true);
    expect(certificate.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const server = await ca.serverCertificate('cloud', ['fieldproof.bank.example']);
    expect(statSync(server.keyFile).mode & 0o777).toBe(0o600);
    const again = await loadOrCreateDevelopmentCa({ dir });
    expect(readFileSync(again.caFile, 'utf8')).toBe(caPem);
    const serverAgain = await again.serverCertificate('cloud', ['fieldproof.bank.example']);
    expect(readFileSync(serverAgain.certFile, 'utf8')).toBe(readFileSync(server.certFile, 'utf8'));
  });

  it('issues server certificates for localhost, 127.0.0.1, ::1 and the host names, and client ones naming a device', async () => {
    const ca = await loadOrCreateDevelopmentCa({ dir: join(folder, 'names') });
    const caCertificate = new X509Certificate(readFileSync(ca.caFile));
    const server = new X509Certificate(
      readFileSync((await ca.serverCertificate('edge', ['edge.site.example'])).certFile),
    );
    expect(server.subjectAltName).toContain('DNS:localhost');
    expect(server.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(server.subjectAltName).toContain('IP Address:0:0:0:0:0:0:0:1');
    expect(server.subjectAltName).toContain('DNS:edge.site.example');
    expect(server.checkIssued(caCertificate)).toBe(true);
    expect(server.verify(caCertificate.publicKey)).toBe(true);
    const device = new X509Certificate(readFileSync((await ca.clientCertificate('device', 'load-cell-1')).certFile));
    expect(device.subjectAltName).toBe('URI:urn:fieldproof:device:load-cell-1');
    expect(device.subject).toContain('CN=urn:fieldproof:device:load-cell-1');
    expect(device.keyUsage).toContain('1.3.6.1.5.5.7.3.2'); // clientAuth
    const validMs = new Date(device.validTo).getTime() - Date.now();
    expect(validMs).toBeGreaterThan(80 * 86_400_000);
    expect(validMs).toBeLessThan(91 * 86_400_000);
  });

  it('issues a certificate again when it nears expiry, when a host name is new, or when the CA changed', async () => {
    const dir = join(folder, 'rotate');
    let nowMs = Date.now();
    const ca = await loadOrCreateDevelopmentCa({ dir, clock: () => nowMs });
    const first = readFileSync((await ca.serverCertificate('mqtt')).certFile, 'utf8');
    expect(readFileSync((await ca.serverCertificate('mqtt')).certFile, 'utf8')).toBe(first);
    const withHost = readFileSync((await ca.serverCertificate('mqtt', ['broker.example'])).certFile, 'utf8');
    expect(withHost).not.toBe(first);
    nowMs += (90 - leafRenewBeforeDays + 1) * 86_400_000;
    const renewed = readFileSync((await ca.serverCertificate('mqtt', ['broker.example'])).certFile, 'utf8');
    expect(renewed).not.toBe(withHost);
    // A new CA (the old one deleted to rotate it) does not keep leaves the old CA signed.
    rmSync(join(dir, 'ca.pem'));
    const rotated = await loadOrCreateDevelopmentCa({ dir, clock: () => nowMs });
    const reissued = new X509Certificate(
      readFileSync((await rotated.serverCertificate('mqtt', ['broker.example'])).certFile),
    );
    expect(reissued.verify(new X509Certificate(readFileSync(rotated.caFile)).publicKey)).toBe(true);
  });
});

describe('TLS handshake with a development CA certificate (real sockets)', () => {
  let server: Server;
  let url: string;
  let caFile: string;
  beforeAll(async () => {
    const ca = await loadOrCreateDevelopmentCa({ dir: join(folder, 'handshake') });
    caFile = ca.caFile;
    const issued = await ca.serverCertificate('test');
    server = createServer(readTlsFiles(issued), (_request, response) => response.end('hello over tls'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://localhost:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('succeeds for a client that trusts the CA, by name and by address', async () => {
    const send = createTlsFetch({ ca: readFileSync(caFile) });
    expect(await (await send(url)).text()).toBe('hello over tls');
    expect(await (await send(url.replace('localhost', '127.0.0.1'))).text()).toBe('hello over tls');
  });

  it('fails for a client that does not trust it', async () => {
    await expect(fetch(url)).rejects.toThrow();
    const error = await new Promise<Error>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: Number(new URL(url).port), servername: 'localhost' });
      socket.once('secureConnect', () => resolve(new Error('connected')));
      socket.once('error', resolve);
    });
    expect((error as NodeJS.ErrnoException).code).toMatch(/SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
  });
});
