import { randomBytes } from 'node:crypto';
import { FieldproofError } from '@fieldproof/protocol';
import type { AuthDeps } from './auth-deps.ts';
import type { SiteRow } from './auth-store.ts';
import type { Principal } from './principal.ts';

export interface CreateSiteParameters {
  /** Who asks: a platform admin, or an enterprise admin for its own organisation. */
  principal: Principal;
  /** The site's id; generated (`site-<hex>`) when absent. */
  id?: string;
  /** Its organisation; the caller's by default. */
  organisationId?: string;
  /** Its name. */
  name: string;
  /** Its address, if given. */
  address?: string;
}

/** Create a site (a warehouse, a plant) of an organisation; the same id twice is `request_invalid`. */
export async function createSite(deps: AuthDeps, parameters: CreateSiteParameters): Promise<SiteRow> {
  const { principal } = parameters;
  const organisationId = parameters.organisationId ?? principal.organisationId;
  if (principal.role !== 'platform_admin' && organisationId !== principal.organisationId) {
    throw new FieldproofError('organisation_forbidden', 'sites can be created only in your own organisation');
  }
  if (!(await deps.auth.organisation(organisationId))) {
    throw new FieldproofError('organisation_unknown', `no organisation ${organisationId}`);
  }
  const row: SiteRow = {
    id: parameters.id ?? `site-${randomBytes(6).toString('hex')}`,
    organisation_id: organisationId,
    name: parameters.name,
    address: parameters.address ?? null,
    created_at_ms: deps.clock(),
  };
  if (!(await deps.auth.insertSite(row))) throw new FieldproofError('request_invalid', `site ${row.id} exists already`);
  return row;
}
