import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/**
 * The subject a request is counted and remembered under: the principal's subject (its API key
 * for an API-key caller), else a digest of the bearer credential it presented (so that two tokens
 * never share idempotency keys or a bucket before every route resolves principals), else its
 * remote address. Never the credential itself.
 */
export function callerSubject(request: FastifyRequest): string {
  const principal = request.principal;
  if (principal) return principal.apiKeyId ? `api-key:${principal.apiKeyId}` : principal.subject;
  const authorization = request.headers.authorization;
  if (authorization) return `credential:${createHash('sha256').update(authorization).digest('hex').slice(0, 32)}`;
  return `address:${request.ip}`;
}
