import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';

/**
 * How a route describes itself for /openapi.json: set as the route option
 * `config: { openapi: { … } }` beside the handler, so a new route joins the spec with one option
 * and no other file changes. The zod schemas are the ones the handler parses with; the spec is
 * made from them with zod's own JSON Schema conversion, so the two cannot drift apart.
 */
export interface RouteOpenApi {
  /** Unique, stable camelCase name of the operation (the typed client's method name in docs). */
  operationId: string;
  /** One line on what the call does. */
  summary: string;
  /** Longer text (Markdown). */
  description?: string;
  /** Groups on the docs page: `registry`, `frames`, `log`, `finance` … */
  tags: string[];
  /**
   * Who may call: a bearer token (session JWT or API key; the default), an edge's request
   * signature (ingest: idempotent by its own sequence numbers, its own rate limit), or anyone.
   */
  auth?: 'bearer' | 'edge-signature' | 'none';
  /** Path parameters; each `:name` of the path is a string when left out. */
  params?: z.ZodType;
  /** Query parameters (a zod object). */
  query?: z.ZodType;
  /** The JSON body. */
  body?: z.ZodType;
  /** A body that is not JSON (e.g. `application/octet-stream` raw bytes an edge signed). */
  rawBody?: { contentType: string; description: string };
  /** Success answers by status: a zod schema of the JSON, or a non-JSON content type. */
  responses: Record<number, z.ZodType | { contentType: string; description: string } | null>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's OpenAPI description (see RouteOpenApi). */
    openapi?: RouteOpenApi;
  }
}

/** A route the server registered, with its description when it has one. */
export interface CataloguedRoute {
  /** HTTP method, upper case. */
  method: string;
  /** Fastify's path pattern (`/v1/frames/:id`). */
  url: string;
  /** The description, or undefined for a route that has none (a test fails on such a /v1 route). */
  openapi: RouteOpenApi | undefined;
}

/** Every route of one server, in the order registered. */
export interface RouteCatalogue {
  routes: CataloguedRoute[];
}

/**
 * Collect every route registered on `app` from now on (an onRoute hook; call it before any route
 * is added). Fastify's automatic HEAD twins of GET routes are left out.
 */
export function catalogueRoutes(app: FastifyInstance): RouteCatalogue {
  const catalogue: RouteCatalogue = { routes: [] };
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      catalogue.routes.push({ method, url: route.url, openapi: route.config?.openapi });
    }
  });
  return catalogue;
}
