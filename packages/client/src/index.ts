/**
 * The typed TypeScript client of Fieldproof's open API: openapi-fetch over the types generated
 * from /openapi.json (fieldproof-api.ts; `npm run generate:client` renews them).
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, operations, paths } from './fieldproof-api.ts';

export type { components, operations, paths };

/** The client: `client.GET('/v1/frames/{id}/proof', { params: { path: { id } } })` and so on. */
export type FieldproofClient = Client<paths>;

/** The one error body of every failing call. */
export type FieldproofApiError = components['schemas']['Error'];

/** Where the API is and who calls it. */
export interface CreateFieldproofClientParameters {
  /** The cloud's base URL, e.g. `http://127.0.0.1:8080` (no trailing `/v1`). */
  baseUrl: string;
  /** A bearer token: a session JWT or an API key (the admin token until accounts exist). */
  token?: string;
  /** A fetch to use instead of the global one (e.g. with a TLS agent). */
  fetch?: (request: Request) => Promise<Response>;
}

/**
 * A typed client of the cloud's /v1 API. Every call answers `{ data }` or `{ error }` (the
 * `Error` body with its stable `code`) and `response`; writes may pass an `Idempotency-Key`
 * header (`headers: { 'Idempotency-Key': key }`) to make a retry safe.
 */
export function createFieldproofClient(parameters: CreateFieldproofClientParameters): FieldproofClient {
  return createClient<paths>({
    baseUrl: parameters.baseUrl.replace(/\/+$/, ''),
    ...(parameters.token === undefined ? {} : { headers: { authorization: `Bearer ${parameters.token}` } }),
    ...(parameters.fetch === undefined ? {} : { fetch: parameters.fetch }),
  });
}
