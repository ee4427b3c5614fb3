import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { FieldproofError } from '@fieldproof/protocol';
import { type Role, roles } from './principal.ts';

/** How long a session token is valid. */
export const sessionLifetimeMs = 60 * 60 * 1000;

/** Longest token looked at, in characters (a longer one is refused before any work). */
export const sessionTokenLengthMax = 4096;

/** The claims of a session token. */
export interface SessionClaims {
  /** The user id. */
  sub: string;
  /** The user's organisation. */
  org: string;
  /** The user's role when the session started. */
  role: Role;
  /** Issued at, UTC seconds. */
  iat: number;
  /** Expires at, UTC seconds. */
  exp: number;
}

const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

/**
 * The HMAC key of session tokens: 32 random bytes in `path` (mode 0600), made on first start.
 * Never logged; replacing the file ends every session.
 */
export function loadOrCreateSessionSecret(path: string): Buffer {
  if (existsSync(path)) return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url');
  mkdirSync(dirname(path), { recursive: true });
  const secret = randomBytes(32);
  writeFileSync(path, `${secret.toString('base64url')}\n`, { mode: 0o600 });
  return secret;
}

/** A JWT (RFC 7519, HS256) for `claims`. */
export function signSessionToken(secret: Buffer, claims: SessionClaims): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/**
 * The claims of a token this server signed, checked in constant time, with `exp` against
 * `nowMs`. Throws `unauthorized` for a malformed or forged token and `session_expired` for an
 * expired one.
 */
export function verifySessionToken(secret: Buffer, token: string, nowMs: number): SessionClaims {
  const parts = token.length > sessionTokenLengthMax ? [] : token.split('.');
  const [givenHeader, payload, signature] = parts;
  if (parts.length !== 3 || givenHeader !== header || !payload || !signature) {
    throw new FieldproofError('unauthorized', 'the bearer token is not a session token of this server');
  }
  const expected = createHmac('sha256', secret).update(`${givenHeader}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new FieldproofError('unauthorized', 'the session token does not verify');
  }
  let claims: SessionClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as SessionClaims;
  } catch {
    throw new FieldproofError('unauthorized', 'the session token is malformed');
  }
  if (typeof claims.sub !== 'string' || typeof claims.exp !== 'number' || !roles.includes(claims.role)) {
    throw new FieldproofError('unauthorized', 'the session token is malformed');
  }
  if (claims.exp * 1000 <= nowMs) {
    throw new FieldproofError('session_expired', 'the session has expired; sign in again with POST /v1/sessions');
  }
  return claims;
}
