/**
 * Who is calling: the one shape every route, the audit trail, rate limits and the access log use.
 * Resolved once per request (an onRequest hook) from a session token, an API key or the bootstrap
 * admin token, and kept on `request.principal`; undefined for an anonymous call.
 */

/** The roles of issue 5: one per user, named as a banker or an operator would. */
export const roles = [
  'platform_admin',
  'bank_officer',
  'bank_auditor',
  'enterprise_admin',
  'enterprise_operator',
  'witness_operator',
] as const;

/** A user's role. */
export type Role = (typeof roles)[number];

/** What kind of organisation a user belongs to. */
export type OrganisationKind = 'platform' | 'bank' | 'enterprise' | 'logistics' | 'witness';

/** An authenticated caller. */
export interface Principal {
  /** A stable id of the caller: a user id, `api-key:<id>`, or `admin-token`. */
  subject: string;
  /** The organisation every query of this caller is scoped to. */
  organisationId: string;
  /** The role whose permissions apply. */
  role: Role;
  /** How the caller proved who it is. */
  via: 'session' | 'api-key' | 'admin-token';
  /** The API key's id, when `via` is `api-key` (rate limits count per key). */
  apiKeyId?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller, or undefined for an anonymous call. */
    principal?: Principal;
  }
}
