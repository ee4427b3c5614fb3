import { createPrivateKey, X509Certificate as NodeX509Certificate, randomBytes, webcrypto } from 'node:crypto';

import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { type CertificateSubjectKind, certificateIdentityUri } from '@fieldproof/protocol';
// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ecdsaP256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const dayMs = 86_400_000;

/** How long the development CA is valid. Rotating it means every client trusts a new ca.pem. */
export const developmentCaValidityDays = 3650;
/** How long a server or client certificate the development CA issues is valid. */
export const leafCertificateValidityDays = 90;
/** A certificate with less than this left is issued again at the next start. */
export const leafRenewBeforeDays = 30;

/** Where a certificate and its key were written. */
export interface IssuedCertificate {
  /** The certificate, PEM. */
  certFile: string;
  /** Its private key, PEM, mode 0600. */
  keyFile: string;
  /** The development CA's certificate, to trust. */
  caFile: string;
}

/** A development certificate authority kept in a folder (`<dataDir>/tls`). */
export interface DevelopmentCa {
  /** The folder. */
  dir: string;
  /** The CA certificate, PEM: what clients trust (`curl --cacert`). */
  caFile: string;
  /**
   * A server certificate for one listener (`name`: cloud, edge, mqtt, witness-bank…), with SANs
   * localhost, 127.0.0.1, ::1 and `hostNames`. Reused while it covers them, comes from this CA and
   * has over leafRenewBeforeDays left; issued again otherwise.
   */
  serverCertificate(name: string, hostNames?: readonly string[]): Promise<IssuedCertificate>;
  /** A client certificate naming `urn:fieldproof:<kind>:<id>` (SAN URI, and CN), reused like server ones. */
  clientCertificate(kind: CertificateSubjectKind, id: string): Promise<IssuedCertificate>;
  /**
   * A client certificate, PEM, naming `urn:fieldproof:<kind>:<id>` for a public key whose private
   * key stays with its holder (a device that sent a CSR). Not written to the folder.
   */
  clientCertificateForKey(kind: CertificateSubjectKind, id: string, publicKey: x509.PublicKey): Promise<string>;
}

function toPem(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${base64.match(/.{1,64}/g)?.join('\n')}\n-----END ${label}-----\n`;
}

/** Write atomically; a key file is mode 0600 from the start (and after, if it existed). */
function writeFileAtomic(path: string, text: string, mode: number): void {
  const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, text, { mode, flag: 'wx' });
  chmodSync(temporary, mode);
  renameSync(temporary, path);
}

function serial(): string {
  // Positive, 16 random bytes (RFC 5280 allows up to 20 octets).
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] as number) & 0x7f;
  return bytes.toString('hex');
}

async function importSigningKey(pem: string): Promise<CryptoKey> {
  const der = createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' });
  return webcrypto.subtle.importKey('pkcs8', der, ecdsaP256, false, ['sign']) as Promise<CryptoKey>;
}

/**
 * Load the development CA from `dir`, or create it on first start: an ECDSA P-256 key
 * (`ca-key.pem`, mode 0600, never logged) and a self-signed CA certificate (`ca.pem`) valid
 * developmentCaValidityDays. Precondition: `dir` is private to this installation (the data folder).
 */
export async function loadOrCreateDevelopmentCa(options: {
  dir: string;
  clock?: () => number;
}): Promise<DevelopmentCa> {
  const { dir } = options;
  const clock = options.clock ?? Date.now;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caFile = join(dir, 'ca.pem');
  const caKeyFile = join(dir, 'ca-key.pem');
  if (!existsSync(caFile) || !existsSync(caKeyFile)) {
    const keys = (await webcrypto.subtle.generateKey(ecdsaP256, true, ['sign', 'verify'])) as CryptoKeyPair;
    const now = clock();
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: `CN=Fieldproof development CA ${new Date(now).toISOString().slice(0, 10)}, O=Fieldproof`,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + developmentCaValidityDays * dayMs),
      keys,
      signingAlgorithm: ecdsaP256,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    writeFileAtomic(caKeyFile, toPem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)), 0o600);
    writeFileAtomic(caFile, certificate.toString('pem'), 0o644);
  }
  chmodSync(caKeyFile, 0o600);
  const caPem = readFileSync(caFile, 'utf8');
  const caCertificate = new x509.X509Certificate(caPem);
  const caNodeCertificate = new NodeX509Certificate(caPem);
  const caSigningKey = await importSigningKey(readFileSync(caKeyFile, 'utf8'));

  async function issue(
    name: string,
    subject: string,
    altNames: x509.JsonGeneralName[],
    usage: 'server' | 'client',
    wanted: string[],
  ): Promise<IssuedCertificate> {
    const certFile = join(dir, `${name}.pem`);
    const keyFile = join(dir, `${name}-key.pem`);
    if (existsSync(certFile) && existsSync(keyFile)) {
      const current = new NodeX509Certificate(readFileSync(certFile));
      const names = current.subjectAltName ?? '';
      const fresh = new Date(current.validTo).getTime() - clock() > leafRenewBeforeDays * dayMs;
      if (fresh && current.verify(caNodeCertificate.publicKey) && wanted.every((entry) => names.includes(entry))) {
        return { certFile, keyFile, caFile };
      }
    }
    const keys = (await webcrypto.subtle.generateKey(ecdsaP256, true, ['sign', 'verify'])) as CryptoKeyPair;
    const now = clock();
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject,
      issuer: caCertificate.subject,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + leafCertificateValidityDays * dayMs),
      publicKey: keys.publicKey,
      signingKey: caSigningKey,
      signingAlgorithm: ecdsaP256,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension(
          [usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth],
          false,
        ),
        new x509.SubjectAlternativeNameExtension(altNames, false),
        await x509.AuthorityKeyIdentifierExtension.create(caCertificate, false),
      ],
    });
    writeFileAtomic(keyFile, toPem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)), 0o600);
    writeFileAtomic(certFile, certificate.toString('pem'), 0o644);
    return { certFile, keyFile, caFile };
  }

  return {
    dir,
    caFile,
    serverCertificate(name, hostNames = []) {
      const hosts = [...new Set(['localhost', '127.0.0.1', '::1', ...hostNames])];
      const altNames = hosts.map((host) =>
        isIP(host) ? { type: 'ip' as const, value: host } : { type: 'dns' as const, value: host },
      );
      // Node prints IPv6 SANs expanded; check the DNS names and IPv4 addresses only.
      const wanted = hosts
        .filter((host) => isIP(host) !== 6)
        .map((host) => (isIP(host) ? `IP Address:${host}` : `DNS:${host}`));
      return issue(`server-${name}`, `CN=${hosts[0]}, O=Fieldproof ${name}`, altNames, 'server', wanted);
    },
    async clientCertificateForKey(kind, id, publicKey) {
      const uri = certificateIdentityUri(kind, id);
      const now = clock();
      const certificate = await x509.X509CertificateGenerator.create({
        serialNumber: serial(),
        subject: `CN=${uri}, O=Fieldproof`,
        issuer: caCertificate.subject,
        notBefore: new Date(now - 60_000),
        notAfter: new Date(now + leafCertificateValidityDays * dayMs),
        publicKey,
        signingKey: caSigningKey,
        signingAlgorithm: ecdsaP256,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
          new x509.SubjectAlternativeNameExtension([{ type: 'url', value: uri }], false),
          await x509.AuthorityKeyIdentifierExtension.create(caCertificate, false),
        ],
      });
      return certificate.toString('pem');
    },
    clientCertificate(kind, id) {
      const uri = certificateIdentityUri(kind, id);
      return issue(`${kind}-${id}`, `CN=${uri}, O=Fieldproof`, [{ type: 'url', value: uri }], 'client', [`URI:${uri}`]);
    },
  };
}
