import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import type { TlsMaterial } from './tls-files.ts';

/** The part of fetch our clients use: a URL, method, headers, a string body and a signal. */
export type FetchLike = (
  url: string | URL,
  init?: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array; signal?: AbortSignal },
) => Promise<Response>;

/** Largest response body a TLS fetch reads; our APIs answer far less. */
export const tlsFetchResponseBytesMax = 64 * 1024 * 1024;

/**
 * A fetch that trusts `ca` (instead of the system store) and presents `cert`/`key` when the server
 * asks for a client certificate. Node 20's global fetch takes no CA option (its undici is not
 * importable), so this runs on node:https with one keep-alive agent. http: URLs go out plain.
 * Precondition: `material.ca` is the CA that issued the servers' certificates, when they are not
 * publicly trusted.
 */
export function createTlsFetch(material: TlsMaterial): FetchLike {
  const agent = new Agent({ keepAlive: true, ...material });
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input);
      const body = init.body === undefined ? undefined : Buffer.from(init.body);
      const headers: Record<string, string> = { ...init.headers };
      if (body) headers['content-length'] = String(body.length);
      const options = { method: init.method ?? 'GET', headers, signal: init.signal };
      const onResponse = (response: import('node:http').IncomingMessage) => {
        const chunks: Buffer[] = [];
        let length = 0;
        response.on('data', (chunk: Buffer) => {
          length += chunk.length;
          if (length > tlsFetchResponseBytesMax) {
            response.destroy(new Error(`response over ${tlsFetchResponseBytesMax} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on('error', reject);
        response.on('end', () => {
          const status = response.statusCode ?? 500;
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (value === undefined) continue;
            for (const one of Array.isArray(value) ? value : [value]) responseHeaders.append(name, one);
          }
          const noBody = status === 204 || status === 304 || options.method === 'HEAD';
          resolve(new Response(noBody ? null : Buffer.concat(chunks), { status, headers: responseHeaders }));
        });
      };
      const outgoing =
        url.protocol === 'https:'
          ? httpsRequest(url, { ...options, agent }, onResponse)
          : httpRequest(url, options, onResponse);
      outgoing.on('error', reject);
      outgoing.end(body);
    });
}
