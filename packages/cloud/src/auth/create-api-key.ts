import { FieldproofError } from '@fieldproof/protocol';
import { newApiKey } from './api-key-secret.ts';
import type { AuthDeps } from './auth-deps.ts';
import type { ApiKeyRow } from './auth-store.ts';
import type { Principal, Role } from './principal.ts';
import { apiKeyRolesOf } from './role-permissions.ts';

export interface CreateApiKeyParameters {
  /** Who asks; the key belongs to its organisation (and its user, for a session). */
  principal: Principal;
  /** A label for the key. */
  name: string;
  /** The key's role; the caller's own by default, never one above it. */
  role?: Role;
}

export interface CreateApiKeyResult {
  /** The stored key (its secret only as a hash). */
  row: ApiKeyRow;
  /** `fpk_<id>_<secret>`: shown this once. */
  token: string;
}

/** Make an API key for the caller's organisation, with at most the caller's role. */
export async function createApiKey(deps: AuthDeps, parameters: CreateApiKeyParameters): Promise<CreateApiKeyResult> {
  const { principal } = parameters;
  const role = parameters.role ?? principal.role;
  if (!apiKeyRolesOf[principal.role].includes(role)) {
    throw new FieldproofError('permission_denied', `role ${principal.role} cannot create a key with role ${role}`, {
      role: principal.role,
      permission: `api-keys:create:${role}`,
    });
  }
  const material = newApiKey();
  const row: ApiKeyRow = {
    id: material.id,
    organisation_id: principal.organisationId,
    user_id: principal.via === 'session' ? principal.subject : null,
    role,
    name: parameters.name,
    secret_hash: material.secretHash,
    created_at_ms: deps.clock(),
    revoked_at_ms: null,
    last_used_at_ms: null,
  };
  await deps.auth.insertApiKey(row);
  return { row, token: material.token };
}
