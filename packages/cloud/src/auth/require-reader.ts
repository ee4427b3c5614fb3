import { FieldproofError } from '@fieldproof/protocol';
import type { FastifyRequest } from 'fastify';
import './principal.ts';

/**
 * A guard for the console's read routes. Which role may call each one is decided by the access
 * hook (auth/route-permissions.ts) before the handler runs; this only states, where the handler
 * reads `request.principal`, that a caller is there.
 */
export type RequireReader = (request: FastifyRequest) => void;

/** Build the read guard: 401 `unauthorized` for an anonymous call. */
export function createRequireReader(): RequireReader {
  return (request) => {
    if (!request.principal) throw new FieldproofError('unauthorized', 'sign in first (Authorization: Bearer …)');
  };
}
