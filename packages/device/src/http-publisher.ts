import { createTlsFetch, type FetchLike, type SignedFrame, type TlsMaterial } from '@fieldproof/protocol';
import type { FramePublisher } from './frame-publisher.ts';
import { PublishError } from './publish-error.ts';

/** Options of an HTTP publisher. */
export interface HttpPublisherOptions {
  /** Endpoint that accepts one signed frame per POST (`http://` or `https://`). */
  url: string;
  /** Extra request headers, e.g. an `authorization` bearer token. */
  headers?: Record<string, string>;
  /** Time allowed for one request, ms [10 000]. */
  timeoutMs?: number;
  /** Most requests in flight at once; more are rejected with `publisher_inflight_full` [1000]. */
  inflightMax?: number;
  /**
   * For https: `ca`, the CA that issued the edge's or cloud's certificate (PEM), and for an intake
   * with mTLS this device's certificate and key (`cert`, `key`), whose device id must be the frames'.
   */
  tls?: TlsMaterial;
}

/** Largest error body read to find the error code; the rest is ignored. */
export const errorBodyBytesMax = 64 * 1024;

/**
 * A publisher that POSTs each signed frame as JSON (`content-type: application/json`) to `url`
 * with fetch, so https URLs work with the platform's TLS. Resolves on a 2xx response; otherwise
 * rejects with a PublishError whose `status` is the HTTP status and whose `code` is the `code`
 * field of the JSON response (or `error.code`), `http_error` if there is none, or `network_error`
 * if no response came. Precondition: `url` is an absolute http(s) URL.
 */
export function createHttpPublisher(options: HttpPublisherOptions): FramePublisher {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const inflightMax = options.inflightMax ?? 1000;
  const url = new URL(options.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RangeError('url must be an http or https URL');
  if (!(Number.isInteger(inflightMax) && inflightMax >= 1)) throw new RangeError('inflightMax must be an integer ≥ 1');
  const inflight = new Set<Promise<void>>();
  let closed = false;
  const send: FetchLike = options.tls ? createTlsFetch(options.tls) : fetch;

  const post = async (signedFrame: SignedFrame): Promise<void> => {
    let response: Response;
    try {
      response = await send(url, {
        method: 'POST',
        headers: { ...options.headers, 'content-type': 'application/json' },
        body: JSON.stringify(signedFrame),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new PublishError('network_error', `POST ${url.href} failed: ${(error as Error).message}`, { cause: error });
    }
    const text = await readBounded(response);
    if (response.ok) return;
    const code = errorCodeOf(text) ?? 'http_error';
    throw new PublishError(code, `POST ${url.href} answered ${response.status}: ${code}`, { status: response.status });
  };

  return {
    async publish(signedFrame) {
      if (closed) throw new PublishError('publisher_closed', 'the HTTP publisher is closed');
      if (inflight.size >= inflightMax) {
        throw new PublishError('publisher_inflight_full', `${inflightMax} requests already in flight (inflightMax)`);
      }
      const sending = post(signedFrame);
      inflight.add(sending);
      try {
        await sending;
      } finally {
        inflight.delete(sending);
      }
    },
    async close() {
      closed = true;
      // Requests end on their own within timeoutMs.
      await Promise.allSettled([...inflight]);
    },
  };
}

async function readBounded(response: Response): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    while (length < errorBodyBytesMax) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      length += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, errorBodyBytesMax).toString('utf8');
}

function errorCodeOf(text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as { code?: unknown; error?: unknown };
  if (typeof record.code === 'string') return record.code;
  if (typeof record.error === 'object' && record.error !== null) {
    const nested = (record.error as { code?: unknown }).code;
    if (typeof nested === 'string') return nested;
  }
  return undefined;
}
