import type { Socket } from 'node:dgram';
import { createServer, type IncomingMessage, type OutgoingMessage } from 'coap';
import type { Logger } from 'pino';
import type { DirectFrameResult } from './accept-direct-frame.ts';
import type { AcceptDirectFrames, DirectTransport } from './direct-transport.ts';

export interface StartCoapTransportParameters {
  /** The verify step. */
  accept: AcceptDirectFrames;
  /** UDP listen host. */
  host: string;
  /** UDP port; 0 picks a free one. */
  port: number;
  log: Logger;
}

/** A running CoAP transport and the UDP port it listens on. */
export interface CoapTransport extends DirectTransport {
  /** The bound UDP port. */
  port: number;
}

/**
 * The CoAP status (RFC 7252 §5.9) for a refused frame: 4.13 for a frame over the size limit,
 * 4.01 when the sender is not who it claims (unknown device, another edge's device, a bad
 * signature or attestation), 5.03 when the bus is full or down (send again later), 4.00 otherwise.
 */
function coapCode(result: Extract<DirectFrameResult, { ok: false }>): string {
  if (result.code === 'frame_oversize') return '4.13';
  if (result.status === 503) return '5.03';
  if (result.status === 401 || result.status === 403 || result.status === 422) return '4.01';
  return '4.00';
}

/**
 * The CoAP transport: a CoAP server on UDP taking `POST /frames` with one signed frame as the
 * payload (its JSON bytes). A confirmable request is answered 2.04 Changed only once the bus holds
 * the frame durably (the in-process bus: committed to the store); a refused one gets 4.00, 4.01, 4.13 or 5.03 with `{code, message}` (JSON) as the
 * payload. Until it has an answer, the device retransmits its confirmable request (RFC 7252 §4.2).
 */
export async function startCoapTransport(parameters: StartCoapTransportParameters): Promise<CoapTransport> {
  const { accept, log } = parameters;
  const server = createServer({ type: parameters.host.includes(':') ? 'udp6' : 'udp4' });
  server.on('request', (request: IncomingMessage, response: OutgoingMessage) => {
    const answer = (code: string, body?: unknown) => {
      response.code = code;
      if (body === undefined) response.end();
      else {
        response.setOption('Content-Format', 'application/json');
        response.end(JSON.stringify(body));
      }
    };
    const path = request.url.split('?')[0];
    if (path !== '/frames') return answer('4.04', { code: 'not_found', message: `no resource ${path}` });
    if (request.method !== 'POST') return answer('4.05', { code: 'request_invalid', message: 'use POST /frames' });
    const source = `${request.rsinfo.address}:${request.rsinfo.port}`;
    accept({ frames: [{ bytes: request.payload }], transport: 'coap', source }).then(
      ({ results }) => {
        const result = results[0] as DirectFrameResult;
        if (result.ok) return answer('2.04', { id: result.id });
        return answer(coapCode(result), { code: result.code, message: result.message });
      },
      (error: unknown) => {
        log.error({ err: error, source }, 'CoAP frame could not be handled');
        answer('5.00', { code: 'internal', message: 'an unexpected error; see the server log' });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.listen(parameters.port, parameters.host, (error?: Error) => (error ? reject(error) : resolve()));
  });
  server.on('error', (error: Error) => log.warn({ err: error }, 'CoAP server error'));
  const address = (server._sock as Socket).address();
  return {
    name: 'coap',
    port: address.port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
