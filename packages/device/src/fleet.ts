import { assert, type Signer } from '@fieldproof/protocol';
import { createDeviceClient, type DeviceClient } from './device-client.ts';
import type { FramePublisher } from './frame-publisher.ts';
import type { SeqStore } from './seq-store.ts';
import {
  createSimulator,
  type Simulator,
  type SimulatorKind,
  type SimulatorOptionsByKind,
} from './simulators/index.ts';

/** One simulated device of a fleet. */
export interface FleetDevice {
  /** The device's id, as registered with the edge or cloud. */
  deviceId: string;
  /** What the device simulates. */
  kind: SimulatorKind;
  /** The device's key. */
  signer: Signer;
  /** Seed of the device's simulator; the same seed and id give the same readings. */
  seed: number | string;
  /** Kind-specific simulator options (planted events, set points); the shared ones are set by the fleet. */
  simulatorOptions?: Partial<SimulatorOptionsByKind[SimulatorKind]>;
}

/** Counts of a fleet run; `sent` = `acknowledged` + `failed` once the run has returned. */
export interface RunFleetResult {
  /** Frames built, signed and handed to a publisher. */
  sent: number;
  /** Frames the receiver acknowledged (PUBACK, HTTP 2xx). */
  acknowledged: number;
  /** Frames rejected, or not acknowledged within drainTimeoutMs after the run stopped. */
  failed: number;
}

/** Progress of a running fleet. */
export interface FleetProgress extends RunFleetResult {
  /** Time since the run started, ms. */
  elapsedMs: number;
}

/** Parameters of runFleet. Give `publisher` or `createPublisher`, and at least one way to stop. */
export interface RunFleetParameters {
  /** The devices to simulate; ids must be distinct. */
  devices: readonly FleetDevice[];
  /** One publisher shared by all devices; the caller owns it and closes it. */
  publisher?: FramePublisher;
  /** Or a publisher per device (an MQTT connection each, as real devices have); runFleet closes them. */
  createPublisher?: (deviceId: string) => FramePublisher | Promise<FramePublisher>;
  /** Where each device's seq comes from. */
  seqStore: SeqStore;
  /** Frames per second per device. */
  ratePerDeviceHz: number;
  /** Stop after this long, ms. */
  durationMs?: number;
  /** Stop after this many frames in total across the fleet. */
  frameCountMax?: number;
  /** Stop when this signal aborts. */
  signal?: AbortSignal;
  /** Called every progressIntervalMs and once at the end. */
  onProgress?: (progress: FleetProgress) => void;
  /** Time between progress calls, ms [1000]. */
  progressIntervalMs?: number;
  /** Device time of each device's first sample, UTC ms [the clock at the start]. */
  startTimeMs?: number;
  /**
   * Simulated time between samples, ms [1000 / ratePerDeviceHz, i.e. real time]. A larger value
   * fast-forwards the simulation (a day of shifts in minutes); device times then run ahead of the clock.
   */
  simulatedPeriodMs?: number;
  /** How long to wait for acknowledgements after the run stops, ms [10 000]. */
  drainTimeoutMs?: number;
  /** The wall clock, ms [Date.now]. */
  clock?: () => number;
}

/** Most devices in one fleet run. */
export const fleetDevicesMax = 100_000;
/** Highest frame rate per device, Hz. */
export const ratePerDeviceHzMax = 1000;

/**
 * Drive simulated devices at an edge or cloud: each device builds, signs and publishes one frame
 * per 1 / ratePerDeviceHz seconds on its own timer (setTimeout at fixed instants, staggered across
 * the fleet, so timers do not bunch and lateness does not accumulate). Stops at the first of
 * durationMs, frameCountMax or signal, then waits up to drainTimeoutMs for acknowledgements and
 * closes publishers it created. Preconditions: publisher or createPublisher is given; at least one
 * of durationMs, frameCountMax, signal is given; ids are distinct; 0 < ratePerDeviceHz ≤
 * ratePerDeviceHzMax. A bad parameter throws a RangeError naming it.
 */
export async function runFleet(parameters: RunFleetParameters): Promise<RunFleetResult> {
  const { devices, seqStore, ratePerDeviceHz, durationMs, frameCountMax, signal, onProgress } = parameters;
  const clock = parameters.clock ?? Date.now;
  const progressIntervalMs = parameters.progressIntervalMs ?? 1000;
  const drainTimeoutMs = parameters.drainTimeoutMs ?? 10_000;
  if (devices.length > fleetDevicesMax) throw new RangeError(`devices holds more than ${fleetDevicesMax} devices`);
  if (new Set(devices.map((device) => device.deviceId)).size !== devices.length) {
    throw new RangeError('devices must have distinct deviceIds');
  }
  if ((parameters.publisher === undefined) === (parameters.createPublisher === undefined)) {
    throw new RangeError('give exactly one of publisher and createPublisher');
  }
  if (!(ratePerDeviceHz > 0 && ratePerDeviceHz <= ratePerDeviceHzMax)) {
    throw new RangeError(`ratePerDeviceHz must be in (0, ${ratePerDeviceHzMax}]`);
  }
  if (durationMs === undefined && frameCountMax === undefined && signal === undefined) {
    throw new RangeError('give durationMs, frameCountMax or signal, or the fleet never stops');
  }
  if (durationMs !== undefined && !(durationMs >= 0)) throw new RangeError('durationMs must be ≥ 0');
  if (frameCountMax !== undefined && !(Number.isInteger(frameCountMax) && frameCountMax >= 0)) {
    throw new RangeError('frameCountMax must be a non-negative integer');
  }
  if (!(progressIntervalMs > 0)) throw new RangeError('progressIntervalMs must be > 0');

  const periodMs = 1000 / ratePerDeviceHz;
  const startedMs = clock();
  const startTimeMs = Math.round(parameters.startTimeMs ?? startedMs);
  const simulatedPeriodMs = parameters.simulatedPeriodMs ?? periodMs;
  const counts: RunFleetResult = { sent: 0, acknowledged: 0, failed: 0 };
  const pending = new Set<Promise<void>>();
  // After the drain deadline, late answers no longer change the counts already settled.
  let counting = true;
  const ownedPublishers: FramePublisher[] = [];

  // Build every simulator before connecting, so a bad option fails before any frame is sent.
  const runners: { client: DeviceClient; simulator: Simulator; publisher?: FramePublisher }[] = devices.map(
    (device) => ({
      client: createDeviceClient({ deviceId: device.deviceId, signer: device.signer, seqStore }),
      simulator: createSimulator(device.kind, {
        ...device.simulatorOptions,
        seed: device.seed,
        deviceId: device.deviceId,
        startTimeMs,
        periodMs: simulatedPeriodMs,
      } as SimulatorOptionsByKind[SimulatorKind]),
    }),
  );

  const report = (): void => onProgress?.({ ...counts, elapsedMs: clock() - startedMs });
  try {
    for (const runner of runners) {
      if (signal?.aborted) break;
      if (parameters.publisher !== undefined) {
        runner.publisher = parameters.publisher;
      } else if (parameters.createPublisher !== undefined) {
        runner.publisher = await parameters.createPublisher(runner.client.deviceId);
        ownedPublishers.push(runner.publisher);
      }
    }

    await new Promise<void>((resolve) => {
      const timers = new Set<NodeJS.Timeout>();
      let stopped = false;
      const runStartMs = clock();
      const stop = (): void => {
        if (stopped) return;
        stopped = true;
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        signal?.removeEventListener('abort', stop);
        resolve();
      };
      if (signal?.aborted) {
        stop();
        return;
      }
      signal?.addEventListener('abort', stop, { once: true });
      const schedule = (callback: () => void, atMs: number): void => {
        const timer = setTimeout(
          () => {
            timers.delete(timer);
            callback();
          },
          Math.max(0, atMs - clock()),
        );
        timers.add(timer);
      };
      if (durationMs !== undefined) schedule(stop, runStartMs + durationMs);
      if (frameCountMax === 0) {
        stop();
        return;
      }
      const progressTick = (tick: number): void => {
        report();
        schedule(() => progressTick(tick + 1), runStartMs + (tick + 1) * progressIntervalMs);
      };
      schedule(() => progressTick(1), runStartMs + progressIntervalMs);

      runners.forEach((runner, position) => {
        const offsetMs = (periodMs * position) / runners.length;
        const tick = (index: number): void => {
          if (stopped) return;
          const sample = runner.simulator.next();
          const signedFrame = runner.client.buildFrame(sample.readings, sample.deviceTimeMs);
          counts.sent++;
          const publisher = runner.publisher;
          assert(publisher !== undefined, 'every runner has a publisher before the run starts');
          const sending = publisher.publish(signedFrame).then(
            () => {
              if (counting) counts.acknowledged++;
            },
            () => {
              if (counting) counts.failed++;
            },
          );
          pending.add(sending);
          void sending.finally(() => pending.delete(sending));
          if (frameCountMax !== undefined && counts.sent >= frameCountMax) {
            stop();
            return;
          }
          schedule(() => tick(index + 1), runStartMs + offsetMs + (index + 1) * periodMs);
        };
        schedule(() => tick(0), runStartMs + offsetMs);
      });
    });

    // Wait for acknowledgements; what is still unacknowledged at the deadline counts as failed.
    let drainTimer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      Promise.allSettled([...pending]).then(() => true),
      new Promise<boolean>((resolve) => {
        drainTimer = setTimeout(() => resolve(false), drainTimeoutMs);
      }),
    ]);
    clearTimeout(drainTimer);
    counting = false;
    if (!drained) counts.failed = counts.sent - counts.acknowledged;
  } finally {
    await Promise.allSettled(ownedPublishers.map((publisher) => publisher.close()));
  }
  const result = { ...counts };
  assert(result.sent === result.acknowledged + result.failed, 'every frame sent is acknowledged or failed');
  report();
  return result;
}
