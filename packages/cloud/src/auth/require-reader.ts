import type { FastifyRequest } from 'fastify';

/**
 * A guard for the console's read routes: any authenticated principal (a session, an API key, set
 * on `request.principal` by the auth hook) may read; without one, the bootstrap admin token is
 * required, as on the other admin routes until every route is role-checked.
 */
export type RequireReader = (request: FastifyRequest) => void;

/** Build the read guard over the server's admin-token check. */
export function createRequireReader(requireAdmin: (authorization: string | undefined) => void): RequireReader {
  return (request) => {
    if (request.principal) return;
    requireAdmin(request.headers.authorization);
  };
}
