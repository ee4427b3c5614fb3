import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * PEM files of one TLS end: its certificate and key (a server, or a client that authenticates
 * with mTLS) and the CA it trusts. Paths, never the PEM text: a config file or a log line that
 * echoes its config then never holds a key.
 */
export const TlsFilesSchema = z
  .object({
    /** Certificate chain, PEM (leaf first). */
    certFile: z.string().min(1).optional(),
    /** Private key, PEM; keep it mode 0600. */
    keyFile: z.string().min(1).optional(),
    /** CA certificate(s) to trust, PEM: the development CA's `ca.pem` or a bank's own. */
    caFile: z.string().min(1).optional(),
  })
  .strict()
  .refine((files) => (files.certFile === undefined) === (files.keyFile === undefined), {
    message: 'give certFile and keyFile together',
  });
export type TlsFiles = z.infer<typeof TlsFilesSchema>;

/** PEM material read from TlsFiles, in the shape node:tls, https and mqtt.js take. */
export interface TlsMaterial {
  cert?: Buffer;
  key?: Buffer;
  ca?: Buffer;
}

/** Read the files named; a missing one throws with its path (never its content). */
export function readTlsFiles(files: TlsFiles): TlsMaterial {
  const read = (path: string | undefined) => (path === undefined ? undefined : readFileSync(path));
  const material: TlsMaterial = {};
  const cert = read(files.certFile);
  const key = read(files.keyFile);
  const ca = read(files.caFile);
  if (cert) material.cert = cert;
  if (key) material.key = key;
  if (ca) material.ca = ca;
  return material;
}

/**
 * TLS on a listener: its certificate and key, and optionally mTLS, where every client must
 * present a certificate issued by `caFile` (a device's or an edge's) or the handshake fails.
 */
export const TlsListenerSchema = z
  .object({
    /** Server certificate chain, PEM. */
    certFile: z.string().min(1),
    /** Server private key, PEM. */
    keyFile: z.string().min(1),
    /** CA that issues client certificates; needed for clientCertificates `require`. */
    caFile: z.string().min(1).optional(),
    /** `require`: mTLS, a client without a certificate from caFile is refused at the handshake. */
    clientCertificates: z.enum(['none', 'require']).default('none'),
  })
  .strict()
  .refine((listener) => listener.clientCertificates === 'none' || listener.caFile !== undefined, {
    message: 'clientCertificates require needs caFile (the CA that issues client certificates)',
    path: ['caFile'],
  });
export type TlsListener = z.infer<typeof TlsListenerSchema>;

/** node:tls / node:https server options for a listener. */
export function tlsServerOptions(
  listener: TlsListener,
): TlsMaterial & { requestCert: boolean; rejectUnauthorized: boolean } {
  const material = readTlsFiles(listener);
  const mutual = listener.clientCertificates === 'require';
  return { ...material, requestCert: mutual, rejectUnauthorized: mutual };
}

/** True for a host name or address that only this machine can reach (where plain HTTP or MQTT may listen). */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
