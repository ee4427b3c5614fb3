import { FieldproofError } from '@fieldproof/protocol';
import { type AuthDeps, actorIdOf } from './auth-deps.ts';
import type { ConsentRow } from './auth-store.ts';
import type { Principal } from './principal.ts';

export interface RevokeConsentParameters {
  /** Who revokes: the granting organisation's admin, or a platform admin. */
  principal: Principal;
  /** The consent's id. */
  consentId: string;
}

export interface RevokeConsentResult {
  /** The consent as it is now. */
  row: ConsentRow;
  /** The `consent.revoked` decision. */
  decisionId: string;
  /** Its log leaf index. */
  logIndex: number;
}

/**
 * Revoke a consent: from the bank's next request on, nothing it covered is readable (scopes are
 * read per request). Recorded as a `consent.revoked` decision; revoking again answers the first
 * revocation's decision. A consent of another organisation is `consent_unknown`, as an unknown one.
 */
export async function revokeConsent(deps: AuthDeps, parameters: RevokeConsentParameters): Promise<RevokeConsentResult> {
  const { principal } = parameters;
  const consent = await deps.auth.consent(parameters.consentId);
  if (!consent || (principal.role !== 'platform_admin' && consent.organisation_id !== principal.organisationId)) {
    throw new FieldproofError('consent_unknown', `no consent ${parameters.consentId} granted by your organisation`);
  }
  const decisionId = `${consent.id}.revoked`;
  const nowMs = deps.clock();
  const decidedAtMs = consent.revoked_at_ms ?? nowMs;
  const appended = await deps.decisionLog.append({
    decisionId,
    type: 'consent.revoked',
    organisationId: consent.organisation_id,
    actorId: actorIdOf(consent.revoked_by ?? principal.subject),
    decidedAtMs,
    subjectId: consent.id,
    inputs: [{ kind: 'decision', id: consent.grant_decision_id }],
    details: { bankId: consent.bank_id },
  });
  await deps.auth.revokeConsent(consent.id, decidedAtMs, principal.subject, decisionId);
  return {
    row: (await deps.auth.consent(consent.id)) as ConsentRow,
    decisionId: appended.decisionId,
    logIndex: appended.logIndex,
  };
}
