import { canonicalBytes, type Decision, toHex } from '@fieldproof/protocol';
import { LoanError } from './loan-error.ts';
import type { LoanStore } from './loan-store.ts';
import { type Claim, PartyIdSchema } from './loan-types.ts';
import { makeDecision } from './make-decision.ts';

/**
 * Checks a core enterprise's signature with its registered key. The cloud wires it to protocol's
 * `verify(alg, publicKey, message, signature)` with the key on file for `coreEnterpriseId`
 * (Ed25519, P-256 or SM2); it returns false, never throws, for a wrong signature or an unknown signer.
 */
export type PayableConfirmationVerifier = (
  coreEnterpriseId: string,
  message: Uint8Array,
  signature: Uint8Array,
) => boolean | Promise<boolean>;

/** What confirmPayable needs. */
export interface ConfirmPayableDependencies {
  /** Where claims are kept. */
  loanStore: LoanStore;
  /** The signature check of the core enterprise's confirmation. */
  verifyConfirmation: PayableConfirmationVerifier;
}

/** The payable the core enterprise confirms (确权). */
export interface ConfirmPayableParameters {
  /** Caller-supplied id of the new claim. */
  claimId: string;
  /** The core enterprise that owes and confirms. */
  coreEnterpriseId: string;
  /** The supplier it owes, the claim's first holder. */
  supplierId: string;
  /** Face amount, minor units. */
  amountMinor: bigint;
  /** Currency (ISO 4217). */
  currency: string;
  /** When the core enterprise pays, UTC ms. */
  maturityAtMs: number;
  /** The payable's invoice or contract number. */
  payableReference: string;
  /** The core enterprise's signature over payableConfirmationBytes(these fields). */
  signature: Uint8Array;
  /** The person at the core enterprise who confirmed. */
  actorId: string;
  /** When, UTC ms. */
  confirmedAtMs: number;
}

/** The new claim and the decision to append to the log. */
export interface ConfirmPayableResult {
  /** The claim, `active`, held by the supplier. */
  claim: Claim;
  /** `claim.confirmed`, with the signature (hex) in its details. */
  decision: Decision;
}

/** The exact bytes a core enterprise signs to confirm a payable: RFC 8785 JSON of the claim's terms. */
export function payableConfirmationBytes(
  terms: Pick<
    ConfirmPayableParameters,
    'claimId' | 'coreEnterpriseId' | 'supplierId' | 'amountMinor' | 'currency' | 'maturityAtMs' | 'payableReference'
  >,
): Uint8Array {
  return canonicalBytes({
    type: 'fieldproof.payable_confirmation.v1',
    claimId: terms.claimId,
    coreEnterpriseId: terms.coreEnterpriseId,
    supplierId: terms.supplierId,
    amountMinor: terms.amountMinor.toString(),
    currency: terms.currency,
    maturityAtMs: terms.maturityAtMs,
    payableReference: terms.payableReference,
  });
}

/**
 * Turn a payable into a digital claim, only on the core enterprise's own signature (the control
 * that stops forged confirmations, as in the 承兴 case). Throws LoanError `claim_confirmation_invalid`,
 * `claim_id_conflict`, `amount_not_positive`, `loan_application_invalid` (bad ids, currency or maturity).
 */
export async function confirmPayable(
  dependencies: ConfirmPayableDependencies,
  parameters: ConfirmPayableParameters,
): Promise<ConfirmPayableResult> {
  for (const id of [parameters.claimId, parameters.coreEnterpriseId, parameters.supplierId, parameters.actorId]) {
    if (!PartyIdSchema.safeParse(id).success)
      throw new LoanError('loan_application_invalid', `id ${JSON.stringify(id)} is invalid`);
  }
  if (
    !/^[A-Z]{3}$/.test(parameters.currency) ||
    parameters.payableReference.length === 0 ||
    parameters.payableReference.length > 256
  ) {
    throw new LoanError('loan_application_invalid', 'the currency or the payable reference is invalid');
  }
  if (parameters.maturityAtMs <= parameters.confirmedAtMs) {
    throw new LoanError('loan_application_invalid', 'a claim matures after its confirmation');
  }
  if (parameters.amountMinor <= 0n)
    throw new LoanError('amount_not_positive', `claim amount ${parameters.amountMinor} is not positive`);
  const message = payableConfirmationBytes(parameters);
  if (!(await dependencies.verifyConfirmation(parameters.coreEnterpriseId, message, parameters.signature))) {
    throw new LoanError(
      'claim_confirmation_invalid',
      `the confirmation of ${parameters.claimId} is not signed by ${parameters.coreEnterpriseId}'s key`,
      {
        claimId: parameters.claimId,
      },
    );
  }
  const decisionId = `${parameters.claimId}.confirmed`;
  const claim: Claim = {
    claimId: parameters.claimId,
    version: 1,
    coreEnterpriseId: parameters.coreEnterpriseId,
    holderId: parameters.supplierId,
    amountMinor: parameters.amountMinor,
    currency: parameters.currency,
    maturityAtMs: parameters.maturityAtMs,
    payableReference: parameters.payableReference,
    parentClaimId: null,
    rootClaimId: parameters.claimId,
    confirmationDecisionId: decisionId,
    status: 'active',
    childClaimIds: [],
    financedByLoanId: null,
    issuedAtMs: parameters.confirmedAtMs,
  };
  const decision = makeDecision({
    decisionId,
    type: 'claim.confirmed',
    organisationId: parameters.coreEnterpriseId,
    actorId: parameters.actorId,
    decidedAtMs: parameters.confirmedAtMs,
    subjectId: parameters.claimId,
    inputs: [],
    details: {
      holderId: parameters.supplierId,
      currency: parameters.currency,
      amountMinor: parameters.amountMinor.toString(),
      maturityAtMs: parameters.maturityAtMs,
      payableReference: parameters.payableReference,
      signatureHex: toHex(parameters.signature),
    },
  });
  const existing = await dependencies.loanStore.getClaim(claim.claimId);
  if (existing) {
    const same =
      existing.parentClaimId === null &&
      existing.coreEnterpriseId === claim.coreEnterpriseId &&
      existing.amountMinor === claim.amountMinor &&
      existing.currency === claim.currency &&
      existing.maturityAtMs === claim.maturityAtMs &&
      existing.payableReference === claim.payableReference;
    if (!same)
      throw new LoanError('claim_id_conflict', `claim ${claim.claimId} exists with other terms`, {
        claimId: claim.claimId,
      });
    return { claim: existing, decision };
  }
  if (!(await dependencies.loanStore.putClaims([{ claim, expectedVersion: 0 }]))) {
    throw new LoanError('claim_id_conflict', `claim ${claim.claimId} was created concurrently`, {
      claimId: claim.claimId,
    });
  }
  return { claim, decision };
}
