import { randomBytes } from 'node:crypto';
import { FieldproofError } from '@fieldproof/protocol';
import type { AuthDeps } from './auth-deps.ts';
import type { UserRow } from './auth-store.ts';
import { hashPassword } from './password-hash.ts';
import type { Principal, Role } from './principal.ts';
import { rolesOfOrganisationKind } from './role-permissions.ts';

export interface CreateUserParameters {
  /** Who asks: a platform admin (any organisation) or an enterprise admin (operators of its own). */
  principal: Principal;
  /** The user's organisation; the caller's by default. */
  organisationId?: string;
  /** Sign-in email, unique (stored lower-cased). */
  email: string;
  /** Display name. */
  name: string;
  /** The user's role; it must suit the organisation's kind. */
  role: Role;
  /** The initial password (kept only as a salted scrypt hash). */
  password: string;
}

/**
 * Create a user. A platform admin may create any role its organisation's kind allows; an
 * enterprise admin only `enterprise_operator`s of its own organisation.
 */
export async function createUser(deps: AuthDeps, parameters: CreateUserParameters): Promise<UserRow> {
  const { principal } = parameters;
  const organisationId = parameters.organisationId ?? principal.organisationId;
  if (principal.role !== 'platform_admin') {
    if (organisationId !== principal.organisationId) {
      throw new FieldproofError('organisation_forbidden', 'users can be created only in your own organisation');
    }
    if (parameters.role !== 'enterprise_operator') {
      throw new FieldproofError(
        'permission_denied',
        `role ${principal.role} may create enterprise_operator users only`,
        {
          role: principal.role,
          permission: `users:create:${parameters.role}`,
        },
      );
    }
  }
  const organisation = await deps.auth.organisation(organisationId);
  if (!organisation) throw new FieldproofError('organisation_unknown', `no organisation ${organisationId}`);
  if (!rolesOfOrganisationKind[organisation.kind].includes(parameters.role)) {
    throw new FieldproofError(
      'request_invalid',
      `role ${parameters.role} does not suit a ${organisation.kind} organisation (${rolesOfOrganisationKind[organisation.kind].join(', ')})`,
    );
  }
  const row: UserRow = {
    id: `user-${randomBytes(8).toString('hex')}`,
    organisation_id: organisationId,
    email: parameters.email.toLowerCase(),
    name: parameters.name,
    role: parameters.role,
    password_hash: await hashPassword(parameters.password),
    created_at_ms: deps.clock(),
    disabled_at_ms: null,
  };
  if (!(await deps.auth.insertUser(row))) {
    throw new FieldproofError('user_conflict', `a user with email ${row.email} exists already`);
  }
  return row;
}
