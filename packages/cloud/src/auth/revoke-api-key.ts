import { FieldproofError } from '@fieldproof/protocol';
import type { AuthDeps } from './auth-deps.ts';
import type { ApiKeyRow } from './auth-store.ts';
import type { Principal } from './principal.ts';

export interface RevokeApiKeyParameters {
  /** Who asks. */
  principal: Principal;
  /** The key's id. */
  apiKeyId: string;
}

/** Whether `principal` may see and revoke `key`: a platform admin any, an organisation's admin its organisation's, anyone else their own. */
export function mayManageApiKey(principal: Principal, key: ApiKeyRow): boolean {
  if (principal.role === 'platform_admin') return true;
  if (key.organisation_id !== principal.organisationId) return false;
  if (principal.role === 'enterprise_admin') return true;
  return key.user_id === principal.subject || principal.apiKeyId === key.id;
}

/**
 * Revoke an API key at once (its next use is `unauthorized`). A key the caller may not manage
 * answers `not_found`, as an unknown one does. Revoking twice is not an error.
 */
export async function revokeApiKey(deps: AuthDeps, parameters: RevokeApiKeyParameters): Promise<ApiKeyRow> {
  const key = await deps.auth.apiKey(parameters.apiKeyId);
  if (!key || !mayManageApiKey(parameters.principal, key)) {
    throw new FieldproofError('not_found', `no API key ${parameters.apiKeyId}`);
  }
  await deps.auth.revokeApiKey(key.id, deps.clock());
  return (await deps.auth.apiKey(key.id)) as ApiKeyRow;
}
