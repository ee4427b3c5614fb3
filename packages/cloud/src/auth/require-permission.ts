import { FieldproofError } from '@fieldproof/protocol';
import type { FastifyRequest } from 'fastify';
import type { Principal } from './principal.ts';
import { type Permission, roleHasPermission } from './role-permissions.ts';

/**
 * The one guard: returns the caller when its role has `permission`; throws `unauthorized` (401)
 * for an anonymous call and `permission_denied` (403), naming the role and the permission,
 * otherwise. Precondition: the principal hook ran (it sets `request.principal`).
 */
export function requirePermission(request: FastifyRequest, permission: Permission): Principal {
  const principal = request.principal;
  if (!principal) {
    throw new FieldproofError(
      'unauthorized',
      'this call needs credentials: Authorization: Bearer <session token | API key | admin token>',
    );
  }
  if (!roleHasPermission(principal.role, permission)) {
    throw new FieldproofError('permission_denied', `role ${principal.role} does not have permission ${permission}`, {
      role: principal.role,
      permission,
    });
  }
  return principal;
}
