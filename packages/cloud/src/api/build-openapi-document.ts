import { ErrorCodes } from '@fieldproof/protocol';
import { z } from 'zod';
import type { RouteCatalogue, RouteOpenApi } from './route-openapi.ts';

/** The OpenAPI version this server writes. */
export const openApiVersion = '3.1.0';

type JsonSchema = Record<string, unknown>;

/** A zod schema as a JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1), without `$schema`. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  // Bigints, transforms and custom refinements have no JSON Schema: they document as "any value".
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** The one error body of every failing call. */
const errorSchema: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: {
          type: 'string',
          description: `A stable code; clients key on it. Codes of the core API: ${Object.keys(ErrorCodes).join(', ')}. Finance, auth and other modules add their own (e.g. loan_not_found, alert_transition_invalid).`,
        },
        message: { type: 'string', description: 'What went wrong, in words a user can act on.' },
        details: { type: 'object', additionalProperties: true, description: 'Facts for the caller, never secrets.' },
      },
    },
  },
};

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/** `/v1/frames/:id` as OpenAPI writes it: `/v1/frames/{id}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{path}');
}

function pathParameterNames(url: string): string[] {
  const names = [...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1] as string);
  return url.endsWith('*') ? [...names, 'path'] : names;
}

function parameters(url: string, description: RouteOpenApi): unknown[] {
  const result: unknown[] = [];
  const params = description.params ? jsonSchema(description.params, 'input') : undefined;
  const paramProperties = (params?.properties ?? {}) as Record<string, JsonSchema>;
  for (const name of pathParameterNames(url)) {
    result.push({ name, in: 'path', required: true, schema: paramProperties[name] ?? { type: 'string' } });
  }
  if (description.query) {
    const query = jsonSchema(description.query, 'input');
    const required = new Set((query.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((query.properties ?? {}) as Record<string, JsonSchema>)) {
      result.push({ name, in: 'query', required: required.has(name), schema });
    }
  }
  return result;
}

function responses(description: RouteOpenApi): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [status, answer] of Object.entries(description.responses)) {
    if (answer === null) result[status] = { description: 'No content.' };
    else if ('contentType' in answer && typeof answer.contentType === 'string') {
      result[status] = { description: answer.description, content: { [answer.contentType]: { schema: {} } } };
    } else {
      result[status] = {
        description: 'Success.',
        content: { 'application/json': { schema: jsonSchema(answer as z.ZodType, 'output') } },
      };
    }
  }
  result['400'] = errorResponse('The request does not match the schema (request_invalid) or is refused.');
  if ((description.auth ?? 'bearer') === 'bearer') {
    result['401'] = errorResponse('Missing or wrong credentials (unauthorized).');
  }
  result['429'] = errorResponse('Too many requests (rate_limited); see the Retry-After header.');
  result.default = errorResponse('Any other error, with its stable code.');
  return result;
}

/** Header parameters every write of a bearer route takes. */
const idempotencyKeyParameter = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'A key of your choice (1–255 printable characters) that makes a retry safe: a repeat with the same body answers the first response again (docs/api.md).',
  schema: { type: 'string', minLength: 1, maxLength: 255 },
};

/** Facts about the server the document names. */
export interface BuildOpenApiDocumentParameters {
  /** The API's version string (the package version). */
  version: string;
  /** The routes to describe: only those with a description appear. */
  catalogue: RouteCatalogue;
}

/**
 * The OpenAPI 3.1 document of the described routes: paths, one shared `Error` schema, the bearer
 * security scheme (a session JWT or an API key) and the edge-signature scheme of ingest.
 * Precondition: operationIds are unique (a duplicate is a programmer error and throws).
 */
export function buildOpenApiDocument(parameters_: BuildOpenApiDocumentParameters): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const operationIds = new Set<string>();
  for (const route of parameters_.catalogue.routes) {
    const description = route.openapi;
    if (!description) continue;
    if (operationIds.has(description.operationId)) {
      throw new Error(`invariant violated: operationId ${description.operationId} is used twice`);
    }
    operationIds.add(description.operationId);
    const auth = description.auth ?? 'bearer';
    const isWrite = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(route.method);
    const operation: Record<string, unknown> = {
      operationId: description.operationId,
      summary: description.summary,
      ...(description.description === undefined ? {} : { description: description.description }),
      tags: description.tags,
      parameters: [
        ...parameters(route.url, description),
        ...(isWrite && auth === 'bearer' ? [idempotencyKeyParameter] : []),
      ],
      security: auth === 'bearer' ? [{ bearer: [] }] : auth === 'edge-signature' ? [{ edgeSignature: [] }] : [],
      responses: responses(description),
    };
    if (description.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: jsonSchema(description.body, 'input') } },
      };
    } else if (description.rawBody) {
      operation.requestBody = {
        required: true,
        description: description.rawBody.description,
        content: { [description.rawBody.contentType]: { schema: {} } },
      };
    }
    const path = openApiPath(route.url);
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: openApiVersion,
    info: {
      title: 'Fieldproof API',
      version: parameters_.version,
      description:
        'Lend against what devices prove. Versioned under /v1; see docs/api.md for auth, pagination, idempotency keys, rate limits and errors.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    security: [{ bearer: [] }],
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    components: {
      schemas: { Error: errorSchema },
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'A session token (JWT) or an API key; the bootstrap admin token until accounts exist.',
        },
        edgeSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'x-fieldproof-signature',
          description: "The edge's signature over the request (ingest, edge operations); see docs/edge-operations.md.",
        },
      },
    },
  };
}
