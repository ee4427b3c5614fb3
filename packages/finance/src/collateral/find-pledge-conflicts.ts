import type { PledgedLot } from './collateral-types.ts';

/** The goods-identifying fields of a lot that is pledged or about to be. */
export type PledgeIdentity = Pick<
  PledgedLot,
  'lotId' | 'siteId' | 'goodsIdentity' | 'receiptNumbers' | 'monitoringDeviceIds'
>;

/** Why two lots are taken to be the same goods. */
export type PledgeConflictReason = 'same_goods_at_site' | 'shared_device' | 'shared_receipt';

/** Which lots a candidate pledge collides with. */
export interface FindPledgeConflictsParameters {
  /** The lot to be pledged (or re-checked). */
  candidate: PledgeIdentity;
  /** Active lots to compare it with; the candidate's own lotId is skipped. */
  existingLots: readonly PledgeIdentity[];
}

/** One collision of the candidate with an existing lot. */
export interface PledgeConflict {
  /** The existing lot. */
  lotId: string;
  /** Every reason that applies, in a fixed order. */
  reasons: PledgeConflictReason[];
  /** Devices both lots name. */
  sharedDeviceIds: string[];
  /** Receipt numbers both lots name. */
  sharedReceiptNumbers: string[];
}

/** Every collision, in the order of `existingLots`. */
export type FindPledgeConflictsResult = PledgeConflict[];

/**
 * The double-pledge test (the Qingdao 2014 pattern: one stock behind many receipts and many banks).
 * Two lots are the same goods when they are at the same site with the same goods identity, or
 * when they share a monitoring device (a load cell weighs one heap), or a receipt number
 * (receipt numbers are issuer-qualified, so a shared one is the same paper wherever it is filed).
 */
export function findPledgeConflicts(parameters: FindPledgeConflictsParameters): FindPledgeConflictsResult {
  const { candidate } = parameters;
  const devices = new Set(candidate.monitoringDeviceIds);
  const receipts = new Set(candidate.receiptNumbers);
  const conflicts: PledgeConflict[] = [];
  for (const lot of parameters.existingLots) {
    if (lot.lotId === candidate.lotId) continue;
    const reasons: PledgeConflictReason[] = [];
    if (lot.siteId === candidate.siteId && lot.goodsIdentity === candidate.goodsIdentity) {
      reasons.push('same_goods_at_site');
    }
    const sharedDeviceIds = lot.monitoringDeviceIds.filter((id) => devices.has(id));
    if (sharedDeviceIds.length > 0) reasons.push('shared_device');
    const sharedReceiptNumbers = lot.receiptNumbers.filter((id) => receipts.has(id));
    if (sharedReceiptNumbers.length > 0) reasons.push('shared_receipt');
    if (reasons.length > 0) conflicts.push({ lotId: lot.lotId, reasons, sharedDeviceIds, sharedReceiptNumbers });
  }
  return conflicts;
}
