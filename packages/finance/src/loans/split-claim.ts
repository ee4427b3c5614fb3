import type { Decision } from '@fieldproof/protocol';
import { LoanError } from './loan-error.ts';
import type { LoanStore } from './loan-store.ts';
import { type Claim, PartyIdSchema } from './loan-types.ts';
import { makeDecision } from './make-decision.ts';

/** Most parts one split may create. */
export const claimPartsMax = 100;

/** What splitClaim needs. */
export interface SplitClaimDependencies {
  /** Where claims are kept. */
  loanStore: LoanStore;
}

/** One part of a split. */
export interface ClaimPart {
  /** Caller-supplied id of the new claim. */
  claimId: string;
  /** Who will hold it: the current holder (to keep a part) or an upstream supplier. */
  holderId: string;
  /** Its face amount, minor units (> 0). */
  amountMinor: bigint;
}

/** The split. */
export interface SplitClaimParameters {
  /** The claim to split. */
  claimId: string;
  /** The party acting: must be the claim's current holder. */
  holderId: string;
  /** The person acting for the holder. */
  actorId: string;
  /** The parts; they must add up to the claim exactly. One part to another holder is a plain transfer. */
  parts: readonly ClaimPart[];
  /** When, UTC ms (before maturity). */
  splitAtMs: number;
}

/** The new claims and the decision to append to the log. */
export interface SplitClaimResult {
  /** The new claims, `active`, in the order of the parts. */
  claims: Claim[];
  /** `claim.split`, resting on the claim's confirmation decision. */
  decision: Decision;
}

/**
 * Split a digital claim and pass its parts to upstream suppliers (as in 双链通 and 迪链): the
 * parent becomes `split`, each part is a new claim on the same core enterprise and maturity, and
 * the parts add up to the parent exactly, so no amount is created or lost. Repeating the same split
 * returns the same claims. Throws LoanError `claim_not_found`, `claim_not_active`,
 * `claim_not_held_by_party`, `claim_matured`, `claim_split_invalid`, `claim_id_conflict`.
 */
export async function splitClaim(
  dependencies: SplitClaimDependencies,
  parameters: SplitClaimParameters,
): Promise<SplitClaimResult> {
  const { loanStore } = dependencies;
  const { parts } = parameters;
  if (parts.length < 1 || parts.length > claimPartsMax) {
    throw new LoanError('claim_split_invalid', `a split has 1 to ${claimPartsMax} parts, not ${parts.length}`);
  }
  for (const part of parts) {
    if (!PartyIdSchema.safeParse(part.claimId).success || !PartyIdSchema.safeParse(part.holderId).success) {
      throw new LoanError('claim_split_invalid', `part ${JSON.stringify(part.claimId)} has an invalid id`);
    }
    if (part.amountMinor <= 0n)
      throw new LoanError('claim_split_invalid', `part ${part.claimId} of ${part.amountMinor} is not positive`);
  }
  if (
    new Set(parts.map((p) => p.claimId)).size !== parts.length ||
    parts.some((p) => p.claimId === parameters.claimId)
  ) {
    throw new LoanError('claim_split_invalid', 'the parts need distinct new ids');
  }
  const claim = await loanStore.getClaim(parameters.claimId);
  if (!claim)
    throw new LoanError('claim_not_found', `claim ${parameters.claimId} does not exist`, {
      claimId: parameters.claimId,
    });
  if (claim.status === 'split' && sameSplit(claim, parameters)) {
    const children = await Promise.all(claim.childClaimIds.map((id) => loanStore.getClaim(id)));
    const claims = children.filter((c): c is Claim => c !== undefined);
    if (
      claims.length === parts.length &&
      claims.every((c, i) => c.holderId === parts[i]?.holderId && c.amountMinor === parts[i]?.amountMinor)
    ) {
      return { claims, decision: splitDecision(claim, claims, parameters) };
    }
  }
  if (claim.status !== 'active')
    throw new LoanError('claim_not_active', `claim ${claim.claimId} is ${claim.status}`, { claimId: claim.claimId });
  if (claim.holderId !== parameters.holderId) {
    throw new LoanError(
      'claim_not_held_by_party',
      `claim ${claim.claimId} is held by ${claim.holderId}, not ${parameters.holderId}`,
      {
        claimId: claim.claimId,
      },
    );
  }
  if (parameters.splitAtMs >= claim.maturityAtMs) {
    throw new LoanError('claim_matured', `claim ${claim.claimId} matured at ${claim.maturityAtMs}`, {
      claimId: claim.claimId,
    });
  }
  const total = parts.reduce((sum, part) => sum + part.amountMinor, 0n);
  if (total !== claim.amountMinor) {
    throw new LoanError('claim_split_invalid', `the parts add up to ${total}, the claim is ${claim.amountMinor}`, {
      claimId: claim.claimId,
    });
  }
  for (const part of parts) {
    if (await loanStore.getClaim(part.claimId)) {
      throw new LoanError('claim_id_conflict', `claim ${part.claimId} already exists`, { claimId: part.claimId });
    }
  }
  const claims: Claim[] = parts.map((part) => ({
    ...claim,
    claimId: part.claimId,
    version: 1,
    holderId: part.holderId,
    amountMinor: part.amountMinor,
    parentClaimId: claim.claimId,
    status: 'active',
    childClaimIds: [],
    financedByLoanId: null,
    issuedAtMs: parameters.splitAtMs,
  }));
  const parent: Claim = {
    ...claim,
    version: claim.version + 1,
    status: 'split',
    childClaimIds: parts.map((p) => p.claimId),
  };
  const written = await loanStore.putClaims([
    { claim: parent, expectedVersion: claim.version },
    ...claims.map((c) => ({ claim: c, expectedVersion: 0 })),
  ]);
  if (!written)
    throw new LoanError('claim_id_conflict', `claim ${claim.claimId} or a part changed concurrently; retry`);
  return { claims, decision: splitDecision(parent, claims, parameters) };
}

function sameSplit(claim: Claim, parameters: SplitClaimParameters): boolean {
  return (
    claim.holderId === parameters.holderId &&
    claim.childClaimIds.join('\n') === parameters.parts.map((p) => p.claimId).join('\n')
  );
}

function splitDecision(parent: Claim, claims: Claim[], parameters: SplitClaimParameters): Decision {
  return makeDecision({
    decisionId: `${parent.claimId}.split`,
    type: 'claim.split',
    organisationId: parent.holderId,
    actorId: parameters.actorId,
    decidedAtMs: claims[0]?.issuedAtMs ?? parameters.splitAtMs,
    subjectId: parent.claimId,
    inputs: [{ kind: 'decision', id: parent.confirmationDecisionId }],
    details: {
      coreEnterpriseId: parent.coreEnterpriseId,
      currency: parent.currency,
      amountMinor: parent.amountMinor.toString(),
      partCount: claims.length,
      parts: JSON.stringify(
        claims.map((c) => ({ claimId: c.claimId, holderId: c.holderId, amountMinor: c.amountMinor.toString() })),
      ),
    },
  });
}
