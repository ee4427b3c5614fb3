// Serves a built web console at `/`. The cloud does not import the console package (the one-way
// dependency rule): the host passes the folder of a build in config.consoleDir.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

/** Paths that belong to the API: never answered with the console's index.html. */
export const apiPathPattern = /^\/(?:v1\/|v1$|tile\/|checkpoint(?:$|[/?])|metrics(?:$|\?)|healthz(?:$|\?))/;

/** Parameters of serveConsole. */
export interface ServeConsoleParameters {
  /** Folder of the built console (holds index.html); undefined for none. */
  consoleDir: string | undefined;
  /** Where the missing-build warning goes. */
  log: Logger;
}

/** What serveConsole set up. */
export interface ServeConsoleResult {
  /** Whether the console is served. */
  served: boolean;
  /**
   * Answers a request no route matched: index.html for a GET of a console path (the single-page
   * app routes in the browser), or false when the caller should answer 404 itself.
   */
  fallback(request: FastifyRequest, reply: FastifyReply): Promise<boolean>;
}

/**
 * Register @fastify/static for `consoleDir` when it holds a build; log a warning naming
 * `npm run build:console` when it is set but missing. Precondition: called before listen, and
 * before any route at `/`.
 */
export async function serveConsole(app: FastifyInstance, params: ServeConsoleParameters): Promise<ServeConsoleResult> {
  const none: ServeConsoleResult = { served: false, fallback: async () => false };
  if (params.consoleDir === undefined) return none;
  const root = resolve(params.consoleDir);
  if (!existsSync(join(root, 'index.html'))) {
    params.log.warn(
      { consoleDir: root },
      `console: no build in ${root}; run \`npm run build:console\` to serve the web console at /`,
    );
    return none;
  }
  // index.html changes with every build and names the hashed assets, so it is never cached.
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    index: 'index.html',
    setHeaders: (response, path) => {
      if (path.endsWith('.html')) response.setHeader('cache-control', 'no-cache');
    },
  });
  return {
    served: true,
    async fallback(request, reply) {
      const path = request.url.split('?')[0] ?? '/';
      if ((request.method !== 'GET' && request.method !== 'HEAD') || apiPathPattern.test(path)) return false;
      await reply.header('cache-control', 'no-cache').sendFile('index.html');
      return true;
    },
  };
}
