import { randomBytes } from 'node:crypto';
import { FieldproofError } from '@fieldproof/protocol';
import { type AuthDeps, actorIdOf } from './auth-deps.ts';
import type { ConsentRow } from './auth-store.ts';
import type { Principal } from './principal.ts';

/** Most sites, devices or data kinds one consent names. */
export const consentListItemsMax = 1_000;

export interface GrantConsentParameters {
  /** Who grants: an enterprise admin (for its organisation) or a platform admin (naming one). */
  principal: Principal;
  /** The granting organisation when a platform admin grants; the caller's otherwise. */
  organisationId?: string;
  /** The bank organisation that may read. */
  bankId: string;
  /** Only these sites' devices (of the granting organisation); every site when absent. */
  siteIds?: readonly string[];
  /** Only these devices (of the granting organisation); every device when absent. */
  deviceIds?: readonly string[];
  /** Only these reading kinds (`weight`) or event types; every kind when absent. */
  dataKinds?: readonly string[];
  /** First data time covered, UTC ms. */
  fromMs: number;
  /** Last data time covered, UTC ms. */
  toMs: number;
  /** When the consent lapses, UTC ms; never when absent. */
  expiresAtMs?: number;
}

export interface GrantConsentResult {
  /** The consent as stored. */
  row: ConsentRow;
  /** The decision recorded in the log. */
  decisionId: string;
  /** Its log leaf index. */
  logIndex: number;
}

const listOrNull = (items: readonly string[] | undefined): string | null =>
  items === undefined ? null : JSON.stringify([...new Set(items)].sort());

/**
 * Grant a bank read access to an enterprise's device data. The grant is first recorded as a
 * `consent.granted` decision (a log leaf), then put in force: the log never shows less than what
 * a bank may read. Sites and devices must be the granting organisation's.
 */
export async function grantConsent(deps: AuthDeps, parameters: GrantConsentParameters): Promise<GrantConsentResult> {
  const { principal } = parameters;
  const organisationId = principal.role === 'platform_admin' ? parameters.organisationId : principal.organisationId;
  if (organisationId === undefined) {
    throw new FieldproofError('request_invalid', 'organisationId: a platform admin names the granting organisation');
  }
  if (parameters.organisationId !== undefined && parameters.organisationId !== organisationId) {
    throw new FieldproofError('organisation_forbidden', 'consents can be granted only for your own organisation');
  }
  const grantor = await deps.auth.organisation(organisationId);
  if (!grantor) throw new FieldproofError('organisation_unknown', `no organisation ${organisationId}`);
  const bank = await deps.auth.organisation(parameters.bankId);
  if (bank?.kind !== 'bank') throw new FieldproofError('organisation_unknown', `no bank ${parameters.bankId}`);
  if (parameters.fromMs > parameters.toMs) throw new FieldproofError('request_invalid', 'fromMs is after toMs');
  for (const siteId of parameters.siteIds ?? []) {
    if ((await deps.auth.site(siteId))?.organisation_id !== organisationId) {
      throw new FieldproofError('organisation_forbidden', `site ${siteId} is not ${organisationId}'s`);
    }
  }
  const owners = await deps.auth.deviceOwners(parameters.deviceIds ?? []);
  for (const deviceId of parameters.deviceIds ?? []) {
    if (owners.get(deviceId)?.organisationId !== organisationId) {
      throw new FieldproofError('organisation_forbidden', `device ${deviceId} is not ${organisationId}'s`);
    }
  }
  const nowMs = deps.clock();
  const id = `consent-${randomBytes(8).toString('hex')}`;
  const row: ConsentRow = {
    id,
    organisation_id: organisationId,
    bank_id: bank.id,
    site_ids: listOrNull(parameters.siteIds),
    device_ids: listOrNull(parameters.deviceIds),
    data_kinds: listOrNull(parameters.dataKinds),
    from_ms: parameters.fromMs,
    to_ms: parameters.toMs,
    expires_at_ms: parameters.expiresAtMs ?? null,
    created_at_ms: nowMs,
    created_by: principal.subject,
    grant_decision_id: `${id}.granted`,
    revoked_at_ms: null,
    revoked_by: null,
    revoke_decision_id: null,
  };
  const appended = await deps.decisionLog.append({
    decisionId: row.grant_decision_id,
    type: 'consent.granted',
    organisationId,
    actorId: actorIdOf(principal.subject),
    decidedAtMs: nowMs,
    subjectId: id,
    inputs: [],
    details: {
      bankId: row.bank_id,
      siteIds: row.site_ids,
      deviceIds: row.device_ids,
      dataKinds: row.data_kinds,
      fromMs: row.from_ms,
      toMs: row.to_ms,
      expiresAtMs: row.expires_at_ms,
    },
  });
  await deps.auth.insertConsent(row);
  return { row, decisionId: appended.decisionId, logIndex: appended.logIndex };
}
