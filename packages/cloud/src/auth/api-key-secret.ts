import { createHash, randomBytes } from 'node:crypto';

/** A new API key: its id, the secret shown once, and the hash that is kept. */
export interface ApiKeyMaterial {
  /** The key's id (16 hex characters). */
  id: string;
  /** `fpk_<id>_<secret>`: what the client sends as its bearer token. */
  token: string;
  /** Hex SHA-256 of the secret part, as stored. */
  secretHash: string;
}

/** Hex SHA-256 of a key's secret (a random 256-bit secret needs no slow hash). */
export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Make a new key's id and secret. */
export function newApiKey(): ApiKeyMaterial {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, token: `fpk_${id}_${secret}`, secretHash: hashApiKeySecret(secret) };
}

/** The id and secret of a `fpk_<id>_<secret>` token, or undefined when it is not one. */
export function parseApiKey(token: string): { id: string; secret: string } | undefined {
  const match = /^fpk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/.exec(token);
  return match?.[1] && match[2] ? { id: match[1], secret: match[2] } : undefined;
}
