import { type AlertCandidate, type RaiseAlertsResult, raiseAlerts } from '@fieldproof/finance';
import type { FinanceServices } from './finance-services.ts';
import { enqueueWebhookEvent } from './webhooks/enqueue-webhook-event.ts';

/** A JSON view of an alert's facts (bigint-free already: alert details are strings and numbers). */
export type RaiseAndNotifyResult = RaiseAlertsResult;

/**
 * Store what the rules found (raiseAlerts: one alert per dedup key) and queue an `alert.raised`
 * webhook for each alert raised for the first time (repeats are not re-sent).
 */
export async function raiseAndNotify(
  services: FinanceServices,
  parameters: { candidates: readonly AlertCandidate[] },
): Promise<RaiseAndNotifyResult> {
  if (parameters.candidates.length === 0) return { raised: [], repeated: [] };
  const result = await raiseAlerts(
    { store: services.alerts, newAlertId: () => services.newId('alert') },
    { candidates: parameters.candidates },
  );
  for (const alert of result.raised) {
    await enqueueWebhookEvent(
      { webhooks: services.webhooks, clock: services.clock },
      { eventType: 'alert.raised', eventId: alert.alertId, data: alert, organisationId: alert.organisationId },
    );
    services.log.info({ alertId: alert.alertId, rule: alert.rule, subjectId: alert.subjectId }, 'alert raised');
  }
  return result;
}
