import { hashLeaf } from '@fieldproof/ledger';
import {
  canonicalize,
  type DerivedEvent,
  defaultEventRegistry,
  deriveEvents,
  type EventFunctionDefinition,
  type EventSourceFrame,
  eventFunctionKey,
  type SignedFrame,
  toHex,
  utf8,
} from '@fieldproof/protocol';
import type { EdgeContext, EdgeExtension } from '../context.ts';
import type { DerivedEventInsert } from '../storage/edge-store.ts';

/** Accepted frames read from the store per step. */
const deriveChunkFramesMax = 2_000;

/** A device's latest frames, as the functions see them. */
interface DeviceWindow {
  frames: EventSourceFrame[];
  /** True once frames before the first one exist that the window no longer holds. */
  truncated: boolean;
}

/**
 * The derive extension: runs the configured event functions (protocol/src/events, the same code
 * the cloud and `fieldproof reexecute` run) over each device's accepted frames, in the order they
 * were accepted, and keeps the events in the edge store with the cursor of the last frame seen,
 * in one transaction. Each device has a window of its latest `derive.windowFramesMax` frames;
 * every function re-runs on the window after each step of new frames and at least every half
 * window, and events already kept (same id) are left alone, so an event is kept once, as soon as
 * its last source frame is in. An event spanning up to half a window is always seen whole. When
 * the window has dropped older frames, an event that begins at its very first frame may be cut
 * short there and is not kept (the whole one was seen while those frames were in the window).
 */
export function createDeriveExtension(context: EdgeContext): EdgeExtension & { drain(): number } {
  const { store, config, events, log } = context;
  const runs = config.derive.functions.map((entry) => {
    const definition = defaultEventRegistry.get(eventFunctionKey(entry.name, entry.version)) as EventFunctionDefinition;
    return {
      definition,
      // Config parsing already checked these parameters; parse again to get the defaults filled in.
      parameters: definition.parametersSchema.parse(entry.parameters),
      deviceIds: entry.deviceIds === undefined ? undefined : new Set(entry.deviceIds),
    };
  });
  const windows = new Map<string, DeviceWindow>();
  let cursor = 0;
  let scheduled = false;
  let stopped = true;

  function toSource(body: string): EventSourceFrame {
    // The stored body is the canonical signed frame, the batch leaf data: its leaf hash is the frame id.
    return { id: toHex(hashLeaf(config.suite, utf8(body))), frame: (JSON.parse(body) as SignedFrame).frame };
  }

  function windowOf(deviceId: string): DeviceWindow {
    let window = windows.get(deviceId);
    if (!window) {
      // After a restart, pick up the device's latest frames the functions already saw.
      const rows = store.deviceFramesUpTo(deviceId, cursor, config.derive.windowFramesMax);
      window = {
        frames: rows.map((row) => toSource(row.body)),
        truncated: rows.length === config.derive.windowFramesMax,
      };
      windows.set(deviceId, window);
    }
    return window;
  }

  function deriveFor(deviceId: string, window: DeviceWindow): DerivedEventInsert[] {
    const kept: DerivedEventInsert[] = [];
    const firstId = window.frames[0]?.id;
    for (const run of runs) {
      if (run.deviceIds && !run.deviceIds.has(deviceId)) continue;
      let derived: DerivedEvent[];
      try {
        derived = deriveEvents({
          definition: run.definition,
          parameters: run.parameters,
          suite: config.suite,
          deviceId,
          frames: window.frames,
        }).events;
      } catch (error) {
        // A function that throws on real frames is a bug in it; it must not stop the others or the pipeline.
        log.error({ err: error, deviceId, function: run.definition.name }, 'event function failed');
        continue;
      }
      for (const event of derived) {
        if (window.truncated && event.sourceFrameIds[0] === firstId) continue;
        kept.push({
          eventId: event.eventId,
          deviceId,
          functionName: event.function.name,
          functionVersion: event.function.version,
          type: event.type,
          startTimeMs: event.startTimeMs,
          endTimeMs: event.endTimeMs,
          body: canonicalize(event),
        });
      }
    }
    return kept;
  }

  /** Run the functions over every frame accepted since the cursor; returns how many events were new. */
  function drain(): number {
    if (runs.length === 0) return 0;
    let added = 0;
    for (;;) {
      const rows = store.framesAfter(cursor, deriveChunkFramesMax);
      const last = rows[rows.length - 1];
      if (!last) return added;
      // Run the functions at least every half window of new frames per device, so any event
      // spanning up to half a window is seen whole before its frames slide out.
      const runEvery = Math.max(1, Math.floor(config.derive.windowFramesMax / 2));
      const kept: DerivedEventInsert[] = [];
      const pending = new Map<string, number>();
      for (const row of rows) {
        const window = windowOf(row.device_id);
        window.frames.push(toSource(row.body));
        if (window.frames.length > config.derive.windowFramesMax) {
          window.frames.splice(0, window.frames.length - config.derive.windowFramesMax);
          window.truncated = true;
        }
        const count = (pending.get(row.device_id) ?? 0) + 1;
        if (count >= runEvery) {
          kept.push(...deriveFor(row.device_id, window));
          pending.set(row.device_id, 0);
        } else pending.set(row.device_id, count);
      }
      for (const [deviceId, count] of pending) if (count > 0) kept.push(...deriveFor(deviceId, windowOf(deviceId)));
      cursor = last.id;
      const fresh = store.commitDerived(kept, cursor, context.clock());
      if (fresh > 0) {
        log.debug({ events: fresh }, 'events derived');
        events.emit('derived', fresh);
      }
      added += fresh;
    }
  }

  const onAccepted = () => {
    if (scheduled || stopped) return;
    scheduled = true;
    // Derive after the verify step's synchronous work, once per burst of accepted chunks.
    setImmediate(() => {
      scheduled = false;
      if (stopped) return;
      try {
        drain();
      } catch (error) {
        log.error({ err: error }, 'deriving events failed');
      }
    });
  };

  return {
    name: 'derive',
    drain,
    async start() {
      stopped = false;
      cursor = store.deriveCursor();
      events.on('accepted', onAccepted);
      // Frames accepted while the edge was down (or before functions were configured) are derived now.
      drain();
    },
    async stop() {
      events.off('accepted', onAccepted);
      drain();
      stopped = true;
    },
  };
}
