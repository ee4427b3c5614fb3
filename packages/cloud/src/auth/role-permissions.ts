import type { OrganisationKind, Role } from './principal.ts';

/** Every permission a route can need. Named `area:verb`; a route needs exactly one. */
export const permissions = [
  'status:read',
  'registry:read',
  'registry:write',
  'data:read',
  'quarantine:read',
  'edge-operations:manage',
  'alerts:read',
  'alerts:act',
  'decisions:read',
  'decisions:write',
  'finance:read',
  'finance:write',
  'finance:operate',
  'webhooks:manage',
  'organisations:manage',
  'users:read',
  'users:manage',
  'api-keys:manage',
  'consents:grant',
  'consents:read',
  'access-log:read',
  'audit-trail:read',
  'identity:manage',
] as const;

/** One permission. */
export type Permission = (typeof permissions)[number];

/**
 * The one table of who may do what. A bank auditor reads what a bank officer reads and changes
 * nothing; a witness operator needs only the public log routes and the status page; enterprise
 * users see their own organisation's registry and data (scoping by organisation and consent is
 * applied on top of these, in device-read-scope.ts; finance reads of an enterprise are its own loans,
 * lots and party, by finance/finance-scope.ts).
 */
export const rolePermissions: Readonly<Record<Role, readonly Permission[]>> = {
  platform_admin: permissions,
  bank_officer: [
    'status:read',
    'data:read',
    'alerts:read',
    'alerts:act',
    'decisions:read',
    'finance:read',
    'finance:write',
    'webhooks:manage',
    'users:read',
    'api-keys:manage',
    'consents:read',
  ],
  bank_auditor: [
    'status:read',
    'data:read',
    'alerts:read',
    'decisions:read',
    'finance:read',
    'users:read',
    'api-keys:manage',
    'consents:read',
    'audit-trail:read',
  ],
  enterprise_admin: [
    'status:read',
    'registry:read',
    'registry:write',
    'data:read',
    'quarantine:read',
    'decisions:read',
    'finance:read',
    'users:read',
    'users:manage',
    'api-keys:manage',
    'consents:grant',
    'consents:read',
    'access-log:read',
  ],
  enterprise_operator: [
    'status:read',
    'registry:read',
    'data:read',
    'quarantine:read',
    'finance:read',
    'users:read',
    'api-keys:manage',
  ],
  witness_operator: ['status:read', 'api-keys:manage'],
};

/** Whether `role` has `permission`. */
export function roleHasPermission(role: Role, permission: Permission): boolean {
  return rolePermissions[role].includes(permission);
}

/** The roles a user of each kind of organisation may have. */
export const rolesOfOrganisationKind: Readonly<Record<OrganisationKind, readonly Role[]>> = {
  platform: ['platform_admin'],
  bank: ['bank_officer', 'bank_auditor'],
  enterprise: ['enterprise_admin', 'enterprise_operator'],
  logistics: ['enterprise_admin', 'enterprise_operator'],
  witness: ['witness_operator'],
};

/**
 * The roles a caller may give an API key it creates: never more than its own (an auditor's key
 * cannot write, an operator cannot mint an admin key).
 */
export const apiKeyRolesOf: Readonly<Record<Role, readonly Role[]>> = {
  platform_admin: ['platform_admin'],
  bank_officer: ['bank_officer', 'bank_auditor'],
  bank_auditor: ['bank_auditor'],
  enterprise_admin: ['enterprise_admin', 'enterprise_operator'],
  enterprise_operator: ['enterprise_operator'],
  witness_operator: ['witness_operator'],
};
