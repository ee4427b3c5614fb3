import type { AlertCandidate } from './alert-types.ts';

/** A health event from the edge: a heartbeat, an offline notice (MQTT last will), a tamper switch. */
export interface DeviceHealthEvent {
  /** Id of the event. */
  eventId: string;
  /** The device. */
  deviceId: string;
  /** What happened. */
  kind: 'heartbeat' | 'offline' | 'tamper';
  /** When, UTC ms. */
  atMs: number;
  /** The frames it rests on (none for a broker's last-will notice). */
  frameIds: readonly string[];
}

/** What the rule remembers about one device. */
export interface DeviceHealthState {
  /** The device. */
  deviceId: string;
  /** Last heartbeat or frame, UTC ms. */
  lastSeenAtMs: number;
  /** Pledged lots it watches (a device watching none raises nothing here). */
  lotIds: readonly string[];
  /** The bank that holds those pledges. */
  organisationId: string;
}

/** The device's state, perhaps an event, and the clock. */
export interface CheckDeviceHealthParameters {
  /** The state before. */
  state: DeviceHealthState;
  /** A new health event, if one arrived. */
  event?: DeviceHealthEvent;
  /** Now, UTC ms. */
  nowMs: number;
  /** Silence longer than this makes a device offline, ms. */
  offlineAfterMs: number;
}

/** The state after and the alerts. */
export interface CheckDeviceHealthResult {
  /** The state after the event. */
  state: DeviceHealthState;
  /** Alerts raised. */
  alerts: AlertCandidate[];
}

/**
 * The device rule: a tamper event raises `device_tampered` (critical); an offline notice, or
 * silence longer than offlineAfterMs, raises `device_offline` (high). A heartbeat only moves the
 * last-seen time forward (never back, as events arrive out of order). Keyed by device.
 */
export function checkDeviceHealth(parameters: CheckDeviceHealthParameters): CheckDeviceHealthResult {
  const { event, nowMs } = parameters;
  let state = parameters.state;
  const alerts: AlertCandidate[] = [];
  if (event && event.deviceId === state.deviceId && event.kind !== 'offline' && event.atMs > state.lastSeenAtMs) {
    state = { ...state, lastSeenAtMs: event.atMs };
  }
  if (state.lotIds.length === 0) return { state, alerts };
  const lotIds = state.lotIds.join(' ');
  const evidence = event
    ? [{ kind: 'event' as const, id: event.eventId }, ...event.frameIds.map((id) => ({ kind: 'frame' as const, id }))]
    : [];
  if (event?.kind === 'tamper') {
    alerts.push({
      rule: 'device_tampered',
      dedupKey: `tamper.${state.deviceId}`,
      severity: 'critical',
      subjectId: state.deviceId,
      organisationId: state.organisationId,
      message: `Device ${state.deviceId}, watching ${lotIds}, reports tampering`,
      details: { deviceId: state.deviceId, lotIds, atMs: event.atMs },
      evidence,
      observedAtMs: event.atMs,
    });
  }
  const silentMs = nowMs - state.lastSeenAtMs;
  if (event?.kind === 'offline' || silentMs > parameters.offlineAfterMs) {
    alerts.push({
      rule: 'device_offline',
      dedupKey: `offline.${state.deviceId}`,
      severity: 'high',
      subjectId: state.deviceId,
      organisationId: state.organisationId,
      message: `Device ${state.deviceId}, watching ${lotIds}, has been silent for ${Math.floor(silentMs / 60_000)} min`,
      details: {
        deviceId: state.deviceId,
        lotIds,
        lastSeenAtMs: state.lastSeenAtMs,
        silentMs,
        reported: event?.kind === 'offline',
      },
      evidence: event?.kind === 'offline' ? evidence : [],
      observedAtMs: nowMs,
    });
  }
  return { state, alerts };
}
