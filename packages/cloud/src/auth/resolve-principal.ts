import { timingSafeEqual } from 'node:crypto';
import { FieldproofError } from '@fieldproof/protocol';
import { hashApiKeySecret, parseApiKey } from './api-key-secret.ts';
import type { AuthStore } from './auth-store.ts';
import type { Principal } from './principal.ts';
import { verifySessionToken } from './session-token.ts';

/** How stale `api_keys.last_used_at_ms` may get before a use writes it again (one write a minute, not one a call). */
export const apiKeyTouchIntervalMs = 60_000;

/** What resolving a caller needs. */
export interface ResolvePrincipalDeps {
  /** Users and API keys. */
  auth: AuthStore;
  /** The HMAC key of session tokens. */
  sessionSecret: Buffer;
  /** The bootstrap admin token (`<dataDir>/keys/admin-token`). */
  adminToken: string;
  /** UTC ms. */
  clock: () => number;
}

const adminPrincipal: Principal = {
  subject: 'admin-token',
  organisationId: 'platform',
  role: 'platform_admin',
  via: 'admin-token',
};

function sameText(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The caller named by an `Authorization` header: undefined without one; a session (JWT), an API
 * key (`fpk_<id>_<secret>`) or the admin token otherwise. A credential that is present but wrong,
 * revoked, of a disabled user or expired throws (`unauthorized`, `session_expired`): a caller
 * that sent a bad credential is told so rather than served as anonymous.
 */
export async function resolvePrincipal(
  deps: ResolvePrincipalDeps,
  authorization: string | undefined,
): Promise<Principal | undefined> {
  if (authorization === undefined || authorization === '') return undefined;
  const match = /^Bearer +(\S+)$/.exec(authorization);
  if (!match?.[1]) throw new FieldproofError('unauthorized', 'the Authorization header is not "Bearer <token>"');
  const token = match[1];
  const apiKey = parseApiKey(token);
  if (apiKey) {
    const row = await deps.auth.apiKey(apiKey.id);
    if (!row || !sameText(hashApiKeySecret(apiKey.secret), row.secret_hash) || row.revoked_at_ms !== null) {
      throw new FieldproofError('unauthorized', 'the API key is unknown, wrong or revoked');
    }
    if (row.user_id !== null) {
      const user = await deps.auth.user(row.user_id);
      if (!user || user.disabled_at_ms !== null) {
        throw new FieldproofError('unauthorized', "the API key's user is disabled");
      }
    }
    const nowMs = deps.clock();
    if (row.last_used_at_ms === null || nowMs - row.last_used_at_ms >= apiKeyTouchIntervalMs) {
      await deps.auth.touchApiKey(row.id, nowMs);
    }
    return {
      subject: `api-key:${row.id}`,
      organisationId: row.organisation_id,
      role: row.role,
      via: 'api-key',
      apiKeyId: row.id,
    };
  }
  if (token.split('.').length === 3) {
    const claims = verifySessionToken(deps.sessionSecret, token, deps.clock());
    const user = await deps.auth.user(claims.sub);
    if (!user || user.disabled_at_ms !== null) {
      throw new FieldproofError('unauthorized', 'the session belongs to an unknown or disabled user');
    }
    // The role and organisation as stored now: a demotion takes effect on the next call.
    return { subject: user.id, organisationId: user.organisation_id, role: user.role, via: 'session' };
  }
  if (sameText(token, deps.adminToken)) return adminPrincipal;
  throw new FieldproofError('unauthorized', 'the bearer token is not a session token, API key or the admin token');
}
