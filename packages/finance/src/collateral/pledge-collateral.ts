import { assert, type Decision } from '@fieldproof/protocol';
import { assessLoanToValue, checkLoanToValueTerms } from './assess-loan-to-value.ts';
import { CollateralError } from './collateral-error.ts';
import type { CollateralStore, PledgedLot, PriceRecord } from './collateral-types.ts';
import type { Evidence } from './decision-evidence.ts';
import { findPledgeConflicts } from './find-pledge-conflicts.ts';
import { selectPrice } from './select-price.ts';

/** Where pledges are registered. */
export interface PledgeCollateralDependencies {
  /** The lot registry. */
  store: CollateralStore;
}

/** A new pledge. */
export interface PledgeCollateralParameters {
  /** The lot, as it will be stored (status and decision id are set here). */
  lot: Omit<PledgedLot, 'status' | 'pledgeDecisionId'>;
  /** Loan amount the lot is to secure, minor units, in `lot.currency`. */
  loanAmountMinor: bigint;
  /** The price feed's records to value the lot with. */
  priceRecords: readonly PriceRecord[];
  /** A price older than this is refused at pledge time, ms. */
  priceMaxAgeMs: number;
  /** Caller-supplied id of the `pledge.created` decision. */
  decisionId: string;
  /** The bank officer (or service) who registers the pledge. */
  actorId: string;
  /** The facts it rests on: the weigh-in frames, the receipts (documents by hash). */
  inputs: readonly Evidence[];
}

/** The registered lot and the decision to append to the log. */
export interface PledgeCollateralResult {
  /** The lot as stored. */
  lot: PledgedLot;
  /** The `pledge.created` decision. */
  decision: Decision;
  /** Its opening loan-to-value, basis points. */
  ltvBasisPoints: number;
}

/**
 * Register a pledge in the lot registry, refusing the same goods twice.
 * Throws CollateralError: `collateral_already_pledged` (details name the other lot and why),
 * `collateral_input_invalid`, `collateral_price_missing`, `collateral_price_stale`,
 * `collateral_currency_mismatch`, `collateral_value_insufficient` (the loan exceeds the pledge
 * ratio of the lending value). Nothing is stored on a refusal.
 */
export async function pledgeCollateral(
  dependencies: PledgeCollateralDependencies,
  parameters: PledgeCollateralParameters,
): Promise<PledgeCollateralResult> {
  const { store } = dependencies;
  const { lot: fields, loanAmountMinor } = parameters;
  if (fields.quantityGrams <= 0n || loanAmountMinor <= 0n || fields.monitoringDeviceIds.length === 0) {
    throw new CollateralError(
      'collateral_input_invalid',
      'a pledge needs a positive quantity, a positive loan amount and at least one monitoring device',
      { lotId: fields.lotId },
    );
  }
  checkLoanToValueTerms(fields.lines, fields.haircutBasisPoints);
  const existing = await store.getLot(fields.lotId);
  if (existing) {
    throw new CollateralError('collateral_already_pledged', `lot ${fields.lotId} is already registered`, {
      lotId: fields.lotId,
      conflictingLotId: fields.lotId,
      reasons: ['same_lot_id'],
    });
  }
  const nearby = new Map<string, PledgedLot>();
  for (const lot of await store.findActiveLotsAtSite(fields.siteId)) nearby.set(lot.lotId, lot);
  for (const deviceId of fields.monitoringDeviceIds) {
    for (const lot of await store.findActiveLotsByDevice(deviceId)) nearby.set(lot.lotId, lot);
  }
  for (const receipt of fields.receiptNumbers) {
    for (const lot of await store.findActiveLotsByReceipt(receipt)) nearby.set(lot.lotId, lot);
  }
  const conflicts = findPledgeConflicts({ candidate: fields, existingLots: [...nearby.values()] });
  const first = conflicts[0];
  if (first) {
    throw new CollateralError(
      'collateral_already_pledged',
      `these goods are already pledged as lot ${first.lotId} (${first.reasons.join(', ')})`,
      {
        lotId: fields.lotId,
        conflictingLotId: first.lotId,
        reasons: first.reasons,
        sharedDeviceIds: first.sharedDeviceIds,
        sharedReceiptNumbers: first.sharedReceiptNumbers,
      },
    );
  }
  const { price, stale, ageMs } = selectPrice({
    records: parameters.priceRecords,
    commodity: fields.commodity,
    currency: fields.currency,
    atMs: fields.pledgedAtMs,
    priceMaxAgeMs: parameters.priceMaxAgeMs,
  });
  if (stale) {
    throw new CollateralError('collateral_price_stale', `the newest ${fields.commodity} price is ${ageMs} ms old`, {
      ageMs,
      priceMaxAgeMs: parameters.priceMaxAgeMs,
    });
  }
  const valuation = assessLoanToValue({
    loanOutstandingMinor: loanAmountMinor,
    currency: fields.currency,
    quantityGrams: fields.quantityGrams,
    price,
    haircutBasisPoints: fields.haircutBasisPoints,
    lines: fields.lines,
  });
  if (valuation.ltvBasisPoints === null || valuation.ltvBasisPoints > fields.lines.pledgeRatioBasisPoints) {
    throw new CollateralError(
      'collateral_value_insufficient',
      `loan-to-value ${valuation.ltvBasisPoints ?? '∞'} bp is above the pledge ratio ${fields.lines.pledgeRatioBasisPoints} bp`,
      { ltvBasisPoints: valuation.ltvBasisPoints, lendingValueMinor: valuation.lendingValueMinor.toString() },
    );
  }
  const lot: PledgedLot = { ...fields, status: 'pledged', pledgeDecisionId: parameters.decisionId };
  await store.putLot(lot);
  assert(lot.quantityGrams > 0n, 'a pledged lot holds a positive quantity');
  const decision: Decision = {
    decisionId: parameters.decisionId,
    type: 'pledge.created',
    organisationId: fields.pledgeeId,
    actorId: parameters.actorId,
    decidedAtMs: fields.pledgedAtMs,
    subjectId: fields.lotId,
    inputs: [...parameters.inputs],
    details: {
      loanId: fields.loanId,
      pledgorId: fields.pledgorId,
      commodity: fields.commodity,
      siteId: fields.siteId,
      quantityGrams: fields.quantityGrams.toString(),
      loanAmountMinor: loanAmountMinor.toString(),
      currency: fields.currency,
      priceMinorPerUnit: price.priceMinorPerUnit.toString(),
      priceUnitGrams: price.unitGrams.toString(),
      priceAsOfMs: price.asOfMs,
      priceSource: price.source,
      haircutBasisPoints: fields.haircutBasisPoints,
      marketValueMinor: valuation.marketValueMinor.toString(),
      lendingValueMinor: valuation.lendingValueMinor.toString(),
      ltvBasisPoints: valuation.ltvBasisPoints,
    },
  };
  return { lot, decision, ltvBasisPoints: valuation.ltvBasisPoints };
}
