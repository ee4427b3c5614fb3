import type { CollateralStore, PledgedLot, ReleaseOrder } from './collateral-types.ts';

/**
 * An in-memory CollateralStore for embedded use and tests. Records are copied on the way in and
 * out, so a caller that mutates a returned lot does not change the store behind its back.
 */
export function createMemoryCollateralStore(): CollateralStore {
  const lots = new Map<string, PledgedLot>();
  const orders = new Map<string, ReleaseOrder>();
  const appliedEvents = new Map<string, string>();
  const activeWhere = (test: (lot: PledgedLot) => boolean) =>
    [...lots.values()].filter((lot) => lot.status === 'pledged' && test(lot)).map((lot) => ({ ...lot }));
  return {
    async getLot(lotId) {
      const lot = lots.get(lotId);
      return lot && { ...lot };
    },
    async findActiveLotsAtSite(siteId) {
      return activeWhere((lot) => lot.siteId === siteId);
    },
    async findActiveLotsByDevice(deviceId) {
      return activeWhere((lot) => lot.monitoringDeviceIds.includes(deviceId));
    },
    async findActiveLotsByReceipt(receiptNumber) {
      return activeWhere((lot) => lot.receiptNumbers.includes(receiptNumber));
    },
    async putLot(lot) {
      lots.set(lot.lotId, { ...lot });
    },
    async getReleaseOrder(releaseOrderId) {
      const order = orders.get(releaseOrderId);
      return order && { ...order };
    },
    async findReleaseOrders(lotId) {
      return [...orders.values()].filter((order) => order.lotId === lotId).map((order) => ({ ...order }));
    },
    async putReleaseOrder(order) {
      orders.set(order.releaseOrderId, { ...order });
    },
    async hasAppliedEvent(eventId) {
      return appliedEvents.has(eventId);
    },
    async recordAppliedEvent(eventId, lotId) {
      appliedEvents.set(eventId, lotId);
    },
  };
}
