import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type TlsListener, tlsServerOptions } from './tls-files.ts';

/**
 * How long an idle keep-alive connection stays open: Fastify's own default. Node's is 5 s, which a
 * client reusing a pooled socket can race (the server closes it as the next request goes out, and
 * the client sees a reset); servers made through a serverFactory do not get Fastify's value.
 */
export const keepAliveTimeoutMs = 72_000;

/** The HTTP server of a listener: HTTPS (mTLS when the listener requires it) or plain HTTP. */
export function createWebServer(
  listener: TlsListener | undefined,
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Server {
  const server = listener ? createHttpsServer(tlsServerOptions(listener), handler) : createHttpServer(handler);
  server.keepAliveTimeout = keepAliveTimeoutMs;
  return server as Server;
}
