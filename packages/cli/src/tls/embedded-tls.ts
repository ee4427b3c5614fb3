import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateDevelopmentCa } from '@fieldproof/cloud';
import {
  type CertificateSubjectKind,
  createTlsFetch,
  type FetchLike,
  type TlsFiles,
  type TlsListener,
  type TlsMaterial,
} from '@fieldproof/protocol';

/** The embedded default's TLS: the development CA in `<dataDir>/tls` and what each part needs from it. */
export interface EmbeddedTls {
  /** The CA certificate every client trusts (`curl --cacert <caFile>`). */
  caFile: string;
  /** True when the broker and the edge's HTTP intake require device certificates. */
  mutual: boolean;
  /** A fetch that trusts the CA (for the CLI's own calls and tests). */
  fetch: FetchLike;
  /** A listener's TLS: its server certificate, and mTLS (clientCertificates) where devices connect when mutual. */
  listener(name: string, clientCertificates?: TlsListener['clientCertificates']): Promise<TlsListener>;
  /** File paths of a client's TLS: the CA, and its certificate and key when mutual. */
  clientFiles(kind: CertificateSubjectKind, id: string): Promise<TlsFiles>;
  /** The same, read into memory (the device SDK takes PEM, not paths). */
  clientMaterial(kind: CertificateSubjectKind, id: string): Promise<TlsMaterial>;
}

/**
 * Load or make the development CA under `<dataDir>/tls` and wrap what the embedded parts need.
 * Server certificates name localhost, 127.0.0.1, ::1 and `host` (with a wildcard address, also this machine's name).
 */
export async function prepareEmbeddedTls(options: {
  dataDir: string;
  host: string;
  mutual: boolean;
}): Promise<EmbeddedTls> {
  const ca = await loadOrCreateDevelopmentCa({ dir: join(options.dataDir, 'tls') });
  // A wildcard host is also what the embedded parts dial (their URLs name the listen host), so it
  // goes in the SANs too, with the machine's name for clients elsewhere.
  const wildcard = options.host === '0.0.0.0' || options.host === '::';
  const hostNames = wildcard ? [options.host, hostname()] : [options.host];
  const caPem = readFileSync(ca.caFile);
  const clientFiles = async (kind: CertificateSubjectKind, id: string): Promise<TlsFiles> => {
    if (!options.mutual) return { caFile: ca.caFile };
    const issued = await ca.clientCertificate(kind, id);
    return { caFile: ca.caFile, certFile: issued.certFile, keyFile: issued.keyFile };
  };
  return {
    caFile: ca.caFile,
    mutual: options.mutual,
    fetch: createTlsFetch({ ca: caPem }),
    async listener(name, clientCertificates) {
      const issued = await ca.serverCertificate(name, hostNames);
      const mutual = (clientCertificates ?? (options.mutual ? 'require' : 'none')) === 'require';
      return {
        certFile: issued.certFile,
        keyFile: issued.keyFile,
        caFile: ca.caFile,
        clientCertificates: mutual ? 'require' : 'none',
      };
    },
    clientFiles,
    async clientMaterial(kind, id) {
      const files = await clientFiles(kind, id);
      return {
        ca: caPem,
        ...(files.certFile ? { cert: readFileSync(files.certFile) } : {}),
        ...(files.keyFile ? { key: readFileSync(files.keyFile) } : {}),
      };
    },
  };
}
