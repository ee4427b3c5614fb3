import { randomBytes } from 'node:crypto';
import { createTlsFetch, type FetchLike, readTlsFiles, type Signer, signEdgeRequest } from '@fieldproof/protocol';
import type { EdgeContext } from '../context.ts';

/** A cloud answer to a signed edge request. */
export interface SignedResponse {
  status: number;
  /** The parsed JSON body (undefined when not JSON). */
  json: unknown;
}

/**
 * Make a function that sends requests to the cloud signed with the edge's current key
 * (docs/edge-operations.md): timestamp, fresh nonce and body hash in the signature, with the
 * configured timeout and TLS. `extra` adds headers (the rotation proof uses the same nonce).
 */
export function createSignedRequester(context: Pick<EdgeContext, 'config' | 'signer' | 'clock'>) {
  const send: FetchLike = context.config.cloud.tls ? createTlsFetch(readTlsFiles(context.config.cloud.tls)) : fetch;
  return async (
    method: 'GET' | 'POST',
    path: string,
    body?: unknown | ((timestampMs: number, nonce: string) => unknown),
    signer: Signer = context.signer,
  ): Promise<SignedResponse> => {
    const timestampMs = context.clock();
    const nonce = randomBytes(18).toString('base64url');
    const value = typeof body === 'function' ? (body as (t: number, n: string) => unknown)(timestampMs, nonce) : body;
    const text = value === undefined ? '' : JSON.stringify(value);
    const headers: Record<string, string> = signEdgeRequest({
      edgeId: context.config.edgeId,
      signer,
      method,
      path,
      body: text,
      timestampMs,
      nonce,
    });
    if (text) headers['content-type'] = 'application/json';
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), context.config.cloud.timeoutMs);
    try {
      const response = await send(new URL(path, context.config.cloud.url), {
        method,
        headers,
        ...(text ? { body: text } : {}),
        signal: controller.signal,
      });
      const answer = await response.text();
      let json: unknown;
      try {
        json = answer ? JSON.parse(answer) : undefined;
      } catch {
        json = undefined;
      }
      return { status: response.status, json };
    } finally {
      clearTimeout(timeout);
    }
  };
}

/** Sends a signed request to the cloud. */
export type SignedRequester = ReturnType<typeof createSignedRequester>;
