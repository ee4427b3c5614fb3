import { randomBytes } from 'node:crypto';
import { FieldproofError } from '@fieldproof/protocol';
import type { AuthDeps } from './auth-deps.ts';
import type { OrganisationRow } from './auth-store.ts';
import type { OrganisationKind } from './principal.ts';

export interface CreateOrganisationParameters {
  /** Its id; generated (`org-<hex>`) when absent. */
  id?: string;
  /** Its name. */
  name: string;
  /** What kind of organisation it is. */
  kind: OrganisationKind;
}

export interface CreateOrganisationResult {
  /** The organisation. */
  row: OrganisationRow;
  /** False when the same organisation existed already. */
  created: boolean;
}

/**
 * Create an organisation (platform admins only, checked by the route's permission). The same id,
 * name and kind again is not an error; the id with another name or kind is `organisation_conflict`.
 */
export async function createOrganisation(
  deps: AuthDeps,
  parameters: CreateOrganisationParameters,
): Promise<CreateOrganisationResult> {
  const row: OrganisationRow = {
    id: parameters.id ?? `org-${randomBytes(6).toString('hex')}`,
    name: parameters.name,
    kind: parameters.kind,
    created_at_ms: deps.clock(),
  };
  if (await deps.auth.insertOrganisation(row)) return { row, created: true };
  const existing = await deps.auth.organisation(row.id);
  if (!existing || existing.name !== row.name || existing.kind !== row.kind) {
    throw new FieldproofError('organisation_conflict', `organisation ${row.id} exists with another name or kind`);
  }
  return { row: existing, created: false };
}
