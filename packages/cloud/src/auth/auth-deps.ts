import type { DecisionLog } from '@fieldproof/protocol';
import type { AuthStore } from './auth-store.ts';

/** What the tenant, session, key and consent operations need. */
export interface AuthDeps {
  /** Tenants, users, keys, consents and the access log. */
  auth: AuthStore;
  /** UTC ms. */
  clock: () => number;
  /** The HMAC key of session tokens. */
  sessionSecret: Buffer;
  /** Where consent grants and revocations are recorded as log leaves. */
  decisionLog: DecisionLog;
}

/** A subject as a decision's actorId (ids allow no ":"): `api-key:ab12` becomes `api-key.ab12`. */
export function actorIdOf(subject: string): string {
  return subject.replace(/[^A-Za-z0-9._-]/g, '.');
}
