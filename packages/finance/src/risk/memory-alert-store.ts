import type { Alert, AlertStore } from './alert-types.ts';

/** An in-memory AlertStore for embedded use and tests (records are copied in and out). */
export function createMemoryAlertStore(): AlertStore & { all(): Alert[] } {
  const alerts = new Map<string, Alert>();
  const unresolvedByKey = new Map<string, string>();
  const copy = (alert: Alert): Alert => structuredClone(alert);
  return {
    async get(alertId) {
      const alert = alerts.get(alertId);
      return alert && copy(alert);
    },
    async findUnresolvedByDedupKey(dedupKey) {
      const alertId = unresolvedByKey.get(dedupKey);
      const alert = alertId === undefined ? undefined : alerts.get(alertId);
      return alert && copy(alert);
    },
    async put(alert) {
      alerts.set(alert.alertId, copy(alert));
      if (alert.state === 'resolved') {
        if (unresolvedByKey.get(alert.dedupKey) === alert.alertId) unresolvedByKey.delete(alert.dedupKey);
      } else {
        unresolvedByKey.set(alert.dedupKey, alert.alertId);
      }
    },
    all() {
      return [...alerts.values()].map(copy);
    },
  };
}
