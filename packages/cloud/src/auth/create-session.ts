import { FieldproofError } from '@fieldproof/protocol';
import type { AuthDeps } from './auth-deps.ts';
import type { OrganisationRow, UserRow } from './auth-store.ts';
import { verifyPassword } from './password-hash.ts';
import { sessionLifetimeMs, signSessionToken } from './session-token.ts';

export interface CreateSessionParameters {
  /** The user's email (compared lower-cased). */
  email: string;
  /** The user's password. */
  password: string;
}

export interface CreateSessionResult {
  /** The session token (JWT, HS256), sent as `Authorization: Bearer <token>`. */
  token: string;
  /** When it expires, UTC ms. */
  expiresAtMs: number;
  /** The signed-in user. */
  user: UserRow;
  /** The user's organisation. */
  organisation: OrganisationRow;
}

/**
 * Sign a user in: check the password (scrypt, constant time; an unknown email costs the same)
 * and issue a session token valid for `sessionLifetimeMs`. A wrong email or password, or a
 * disabled user, is `unauthorized` with one message for all three.
 */
export async function createSession(deps: AuthDeps, parameters: CreateSessionParameters): Promise<CreateSessionResult> {
  const user = await deps.auth.userByEmail(parameters.email.toLowerCase());
  const matches = await verifyPassword(parameters.password, user?.password_hash);
  const organisation = user ? await deps.auth.organisation(user.organisation_id) : undefined;
  if (!user || !matches || user.disabled_at_ms !== null || !organisation) {
    throw new FieldproofError('unauthorized', 'wrong email or password');
  }
  const nowMs = deps.clock();
  const expiresAtMs = nowMs + sessionLifetimeMs;
  const token = signSessionToken(deps.sessionSecret, {
    sub: user.id,
    org: user.organisation_id,
    role: user.role,
    iat: Math.floor(nowMs / 1000),
    exp: Math.floor(expiresAtMs / 1000),
  });
  return { token, expiresAtMs: Math.floor(expiresAtMs / 1000) * 1000, user, organisation };
}
