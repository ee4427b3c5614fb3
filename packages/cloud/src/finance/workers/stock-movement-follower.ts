import {
  type CryptoSuiteName,
  type DerivedEvent,
  DerivedEventSchema,
  DeriveStockMovementsParametersSchema,
  defaultEventRegistry,
  deriveEvents,
  eventFunctionKey,
  SignedFrameSchema,
} from '@fieldproof/protocol';
import type { EventStore } from '../../events/kysely-event-store.ts';
import type { CloudStore } from '../../storage/cloud-store.ts';
import { applyDeviceHealthEvents } from '../apply-device-health-events.ts';
import { applyStockMovementEvents } from '../apply-stock-movement-events.ts';
import type { FinanceServices } from '../finance-services.ts';

/** Frames of one device read per pass (the window stock movements are derived over). */
export const followerFramesMax = 300;

/** The running follower. */
export interface StockMovementFollower {
  /** Follow every monitoring device now. */
  runOnce(): Promise<number>;
  /** Stop. */
  stop(): Promise<void>;
}

/**
 * Until the cloud's events pipeline delivers accepted derived events, the cloud derives them
 * itself: for each device that watches a pledged lot it reads the device's newest stored frames
 * (already verified and in the log), runs protocol's `derive-stock-movements` over them and
 * applies the events newer than the last one applied for that device. It also records when each
 * device was last heard from (device time), for the offline rule.
 */
export function startStockMovementFollower(
  services: FinanceServices,
  store: CloudStore,
  options: { intervalMs: number; suite: CryptoSuiteName; events?: EventStore },
): StockMovementFollower {
  const definition = defaultEventRegistry.get(eventFunctionKey('derive-stock-movements', 1));
  const healthDefinition = defaultEventRegistry.get(eventFunctionKey('detect-device-health', 1));
  if (!definition || !healthDefinition)
    throw new Error('derive-stock-movements@1 or detect-device-health@1 is not registered');
  const parameters = DeriveStockMovementsParametersSchema.parse({});
  const healthParameters = healthDefinition.parametersSchema.parse({}) as Record<string, unknown>;
  const healthAppliedUntilMs = new Map<string, number>();
  const appliedUntilMs = new Map<string, number>();
  let running: Promise<number> = Promise.resolve(0);
  let stopped = false;
  const followDevice = async (deviceId: string): Promise<number> => {
    const recent = await store.recentFrames(followerFramesMax, deviceId);
    if (recent.length === 0) return 0;
    const newest = Math.max(...recent.map((row) => row.device_time_ms));
    if (newest > (services.deviceLastSeenAtMs.get(deviceId) ?? 0)) services.deviceLastSeenAtMs.set(deviceId, newest);
    // Movements before the device's lots were pledged are not theirs.
    const lots = await services.collateral.findActiveLotsByDevice(deviceId);
    const pledgedAtMs = Math.min(...lots.map((lot) => lot.pledgedAtMs));
    // An edge that derives this device's movements sends them (POST /v1/events): apply those the
    // cloud's re-execution matched, and derive nothing here, so one movement is never applied twice.
    if (options.events) {
      const sent = await options.events.list({ deviceId, type: 'stock.movement', limit: 1 });
      if (sent.events.length > 0) {
        const matched = await options.events.list({
          deviceId,
          type: 'stock.movement',
          checkStatus: 'matched',
          limit: 100,
        });
        const accepted = matched.events
          .map((row) => DerivedEventSchema.parse(JSON.parse(row.body)))
          .filter((event) => event.endTimeMs > pledgedAtMs)
          .sort((a, b) => a.endTimeMs - b.endTimeMs);
        if (accepted.length > 0) await applyStockMovementEvents(services, { events: accepted });
        for (const type of ['device.tamper', 'device.offline']) {
          const page = await options.events.list({ deviceId, type, checkStatus: 'matched', limit: 100 });
          const healthEvents = page.events
            .map((row) => DerivedEventSchema.parse(JSON.parse(row.body)))
            .filter((event) => event.endTimeMs > pledgedAtMs);
          if (healthEvents.length > 0) await applyDeviceHealthEvents(services, { events: healthEvents });
        }
        return accepted.length;
      }
    }
    const frames = [];
    for (const row of recent) {
      const stored = await store.frame(row.id);
      if (!stored) continue;
      const signed = SignedFrameSchema.safeParse(JSON.parse(stored.body));
      if (signed.success) frames.push({ id: row.id, frame: signed.data.frame });
    }
    const { events } = deriveEvents({ definition, parameters, suite: options.suite, deviceId, frames });
    // Tamper switches and offline gaps of the same frames (detect-device-health).
    const health = deriveEvents({
      definition: healthDefinition,
      parameters: healthParameters,
      suite: options.suite,
      deviceId,
      frames,
    });
    const healthSince = Math.max(healthAppliedUntilMs.get(deviceId) ?? 0, pledgedAtMs);
    const freshHealth = health.events.filter((event) => event.endTimeMs > healthSince);
    if (freshHealth.length > 0) {
      await applyDeviceHealthEvents(services, { events: freshHealth });
      healthAppliedUntilMs.set(deviceId, Math.max(...freshHealth.map((event) => event.endTimeMs)));
    }
    const since = Math.max(appliedUntilMs.get(deviceId) ?? 0, pledgedAtMs);
    const fresh: DerivedEvent[] = events.filter((event) => event.endTimeMs > since);
    if (fresh.length === 0) return 0;
    await applyStockMovementEvents(services, { events: fresh });
    appliedUntilMs.set(deviceId, Math.max(...fresh.map((event) => event.endTimeMs)));
    return fresh.length;
  };
  const runOnce = (): Promise<number> => {
    running = running
      .catch(() => 0)
      .then(async () => {
        if (stopped) return 0;
        const devices = new Set<string>();
        for (const siteId of services.siteIds) {
          for (const lot of await services.collateral.findActiveLotsAtSite(siteId)) {
            for (const deviceId of lot.monitoringDeviceIds) devices.add(deviceId);
          }
        }
        let applied = 0;
        for (const deviceId of devices) applied += await followDevice(deviceId);
        return applied;
      });
    return running;
  };
  const timer = setInterval(() => {
    runOnce().catch((error: unknown) => services.log.error({ err: error }, 'stock-movement follower'));
  }, options.intervalMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running.catch(() => 0);
      stopped = true;
    },
  };
}
