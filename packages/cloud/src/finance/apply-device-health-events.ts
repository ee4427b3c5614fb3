import { type AlertCandidate, checkDeviceHealth } from '@fieldproof/finance';
import { type DerivedEvent, DerivedEventSchema } from '@fieldproof/protocol';
import type { FinanceServices } from './finance-services.ts';
import { raiseAndNotify } from './raise-and-notify.ts';

/** Accepted derived events of `detect-device-health`: `device.tamper` and `device.offline` count here. */
export interface ApplyDeviceHealthEventsParameters {
  /** The events (other types are skipped). */
  events: readonly DerivedEvent[];
}

/** What was raised. */
export interface ApplyDeviceHealthEventsResult {
  /** Ids of alerts raised for the first time. */
  alertIds: string[];
}

/**
 * The device rule on device-health events: a `device.tamper` event of a device watching a pledged
 * lot raises `device_tampered` (critical), a `device.offline` event `device_offline` (high), each
 * with the event and its frames as evidence (finance's checkDeviceHealth). Events of devices that
 * watch no pledged lot raise nothing.
 */
export async function applyDeviceHealthEvents(
  services: FinanceServices,
  parameters: ApplyDeviceHealthEventsParameters,
): Promise<ApplyDeviceHealthEventsResult> {
  const candidates: AlertCandidate[] = [];
  const nowMs = services.clock();
  for (const raw of parameters.events) {
    const event = DerivedEventSchema.parse(raw);
    const kind = event.type === 'device.tamper' ? 'tamper' : event.type === 'device.offline' ? 'offline' : undefined;
    if (!kind) continue;
    const lots = await services.collateral.findActiveLotsByDevice(event.deviceId);
    const first = lots[0];
    if (!first) continue;
    const { alerts } = checkDeviceHealth({
      state: {
        deviceId: event.deviceId,
        lastSeenAtMs: services.deviceLastSeenAtMs.get(event.deviceId) ?? event.endTimeMs,
        lotIds: lots.map((lot) => lot.lotId),
        organisationId: first.pledgeeId,
      },
      event: {
        eventId: event.eventId,
        deviceId: event.deviceId,
        kind,
        atMs: event.endTimeMs,
        frameIds: event.sourceFrameIds,
      },
      nowMs,
      offlineAfterMs: services.settings.offlineAfterMs,
    });
    // A past offline notice of a device heard from since is not a live problem.
    candidates.push(...alerts.filter((alert) => alert.rule !== 'device_offline' || kind === 'offline'));
  }
  const { raised } = await raiseAndNotify(services, { candidates });
  return { alertIds: raised.map((alert) => alert.alertId) };
}
