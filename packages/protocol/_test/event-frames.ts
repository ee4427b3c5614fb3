import { readFileSync } from 'node:fs';
import { deriveEvents } from '../src/events/derive-events.ts';
import { type DerivedEvent, type EventSourceFrame, toEventSourceFrames } from '../src/events/derived-event.ts';
import { defaultEventRegistry, eventFunctionKey } from '../src/events/event-registry.ts';
import type { Reading, SignedFrame } from '../src/frame.ts';

/** A recorded trace as packages/device/_test/record-traces.ts writes it. */
export interface RecordedTrace {
  name: string;
  kind: string;
  options: Record<string, unknown>;
  faults: string[];
  alg: string;
  publicKey: string;
  frames: SignedFrame[];
}

/** Read a recorded trace from _test/traces/. */
export function readTrace(name: string): RecordedTrace {
  return JSON.parse(readFileSync(new URL(`./traces/${name}.json`, import.meta.url), 'utf8')) as RecordedTrace;
}

/** A trace's frames with their ids (suite intl). */
export function traceSources(name: string): EventSourceFrame[] {
  return toEventSourceFrames('intl', readTrace(name).frames);
}

/**
 * Unsigned test frames for focused unit tests: one per entry, seq from 0, one minute apart from
 * t0 unless a time is given. The signature is a fixed dummy (event functions never look at it,
 * the frame id still covers it), so ids are real leaf hashes of these exact frames.
 */
export function testFrames(
  deviceId: string,
  samples: readonly (Reading[] | { readings: Reading[]; seq?: number; deviceTimeMs?: number })[],
  t0 = 1_795_392_000_000,
): { signed: SignedFrame[]; sources: EventSourceFrame[] } {
  const signed = samples.map((sample, index): SignedFrame => {
    const { readings, seq, deviceTimeMs } = Array.isArray(sample) ? { readings: sample } : sample;
    return {
      frame: { deviceId, seq: seq ?? index, deviceTimeMs: deviceTimeMs ?? t0 + index * 60_000, readings },
      alg: 'ed25519',
      sig: 'AA==',
    };
  });
  return { signed, sources: toEventSourceFrames('intl', signed) };
}

/** Readings of one numeric kind. */
export const numbers = (kind: string, values: readonly number[], unit?: string): Reading[][] =>
  values.map((value) => [unit === undefined ? { kind, value } : { kind, value, unit }]);

/** Fences of 0.01° (about 1.1 km north–south) square around the ends of the simulator's default route. */
export const traceFences = [
  {
    fenceId: 'origin',
    polygon: [
      { latitudeDeg: 31.3446, longitudeDeg: 121.5893 },
      { latitudeDeg: 31.3446, longitudeDeg: 121.5993 },
      { latitudeDeg: 31.3546, longitudeDeg: 121.5993 },
      { latitudeDeg: 31.3546, longitudeDeg: 121.5893 },
    ],
  },
  {
    fenceId: 'destination',
    polygon: [
      { latitudeDeg: 31.3108, longitudeDeg: 120.6874 },
      { latitudeDeg: 31.3108, longitudeDeg: 120.6974 },
      { latitudeDeg: 31.3208, longitudeDeg: 120.6974 },
      { latitudeDeg: 31.3208, longitudeDeg: 120.6874 },
    ],
  },
];

/** The function, trace and parameters each trace is derived with (parameters before defaults). */
export const traceCases: { trace: string; name: string; parameters: Record<string, unknown> }[] = [
  { trace: 'load-cell', name: 'derive-stock-movements', parameters: {} },
  { trace: 'rfid-gate', name: 'count-rfid-passes', parameters: {} },
  { trace: 'gps-tracker', name: 'detect-geofence-crossings', parameters: { fences: traceFences } },
  { trace: 'power-meter', name: 'detect-production-runs', parameters: {} },
  { trace: 'cold-chain', name: 'detect-cold-chain-excursions', parameters: {} },
  { trace: 'device-health', name: 'detect-device-health', parameters: {} },
];

/** Derive a trace's events with its case's function; also return seq by frame id for readable checks. */
export function deriveTrace(trace: string): { events: DerivedEvent[]; sources: EventSourceFrame[] } {
  const found = traceCases.find((entry) => entry.trace === trace);
  if (!found) throw new Error(`no case for ${trace}`);
  const definition = defaultEventRegistry.get(eventFunctionKey(found.name, 1));
  if (!definition) throw new Error(`no function ${found.name}`);
  const sources = traceSources(trace);
  const { events } = deriveEvents({
    definition,
    parameters: definition.parametersSchema.parse(found.parameters),
    suite: 'intl',
    deviceId: (sources[0] as EventSourceFrame).frame.deviceId,
    frames: sources,
  });
  return { events, sources };
}
