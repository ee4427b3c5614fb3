import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AuthDeps } from './auth-deps.ts';
import { createOrganisation } from './create-organisation.ts';
import { createUser } from './create-user.ts';
import { grantConsent } from './grant-consent.ts';
import type { Principal, Role } from './principal.ts';

/** A demo user and its generated password. */
export interface DemoUser {
  /** Sign-in email. */
  email: string;
  /** The generated password. */
  password: string;
  /** Its role. */
  role: Role;
  /** Its organisation. */
  organisationId: string;
  /** Display name. */
  name: string;
}

/** The demo's organisations: the finance demo's bank and its borrowing core enterprise, and a witness. */
export const demoOrganisations = {
  bank: { id: 'demo-bank', name: 'Demo Bank', kind: 'bank' },
  enterprise: { id: 'huadong-steel', name: 'Huadong Steel Processing Co.', kind: 'enterprise' },
  witness: { id: 'demo-regulator', name: 'Demo Regulator (witness)', kind: 'witness' },
} as const;

/** Where the demo users' credentials are kept, below the cloud's data folder (mode 0600). */
export function demoUsersPath(cloudDataDir: string): string {
  return join(cloudDataDir, 'keys', 'demo-users.json');
}

/** The demo users' credentials made on first start (for the console's tests and the start banner), or undefined. */
export function readDemoUsers(cloudDataDir: string): DemoUser[] | undefined {
  const path = demoUsersPath(cloudDataDir);
  if (!existsSync(path)) return undefined;
  return (JSON.parse(readFileSync(path, 'utf8')) as { users: DemoUser[] }).users;
}

/** What bootstrapping did. */
export interface BootstrapDemoAccessResult {
  /** The demo users (made now, or read from the file). */
  users: DemoUser[];
  /** True on the first start, when the users were made (and their passwords should be shown). */
  created: boolean;
  /** The credentials file. */
  path: string;
}

const platformActor: Principal = {
  subject: 'demo-bootstrap',
  organisationId: 'platform',
  role: 'platform_admin',
  via: 'admin-token',
};

/**
 * The embedded demo's tenants, on first start: the demo bank, the borrowing enterprise and a
 * witness organisation, one user per role with a generated password (kept in
 * `demoUsersPath`, mode 0600), and a consent of the enterprise to the bank over all its data. On
 * every start, `deviceIds` are assigned to the enterprise (new demo devices included).
 */
export async function bootstrapDemoAccess(
  deps: AuthDeps,
  parameters: { cloudDataDir: string; deviceIds: readonly string[] },
): Promise<BootstrapDemoAccessResult> {
  const path = demoUsersPath(parameters.cloudDataDir);
  const { bank, enterprise, witness } = demoOrganisations;
  for (const organisation of [bank, enterprise, witness]) await createOrganisation(deps, organisation);
  for (const deviceId of parameters.deviceIds) await deps.auth.assignDevice(deviceId, enterprise.id, null);
  const existing = readDemoUsers(parameters.cloudDataDir);
  if (existing) return { users: existing, created: false, path };
  const plan: [Role, string, string, string][] = [
    ['platform_admin', 'platform', 'admin@demo.fieldproof.test', 'Platform Admin'],
    ['bank_officer', bank.id, 'officer@demo-bank.test', 'Wang Fang (credit officer)'],
    ['bank_auditor', bank.id, 'auditor@demo-bank.test', 'Zhao Lei (auditor)'],
    ['enterprise_admin', enterprise.id, 'admin@huadong-steel.test', 'Li Wei (admin)'],
    ['enterprise_operator', enterprise.id, 'operator@huadong-steel.test', 'Chen Jing (operator)'],
    ['witness_operator', witness.id, 'witness@demo-regulator.test', 'Sun Mei (witness operator)'],
  ];
  const users: DemoUser[] = [];
  for (const [role, organisationId, email, name] of plan) {
    const password = randomBytes(12).toString('base64url');
    const existingUser = await deps.auth.userByEmail(email);
    // A store that kept its users while the file was deleted: those users keep their passwords.
    if (existingUser) continue;
    await createUser(deps, { principal: platformActor, organisationId, email, name, role, password });
    users.push({ email, password, role, organisationId, name });
  }
  await grantConsent(deps, {
    principal: platformActor,
    organisationId: enterprise.id,
    bankId: bank.id,
    fromMs: 0,
    toMs: Date.UTC(2100, 0, 1),
  });
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify({ users }, null, 2)}\n`, { mode: 0o600 });
  return { users, created: true, path };
}
