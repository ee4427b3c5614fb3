import * as z from 'zod';
import { canonicalizeSignedFrame } from '../canonical-frame.ts';
import { canonicalize } from '../canonical-json.ts';
import { suiteHash } from '../crypto/index.ts';
import type { CryptoSuiteName } from '../crypto/types.ts';
import { toHex, utf8 } from '../encoding.ts';
import { CryptoSuiteNameSchema, type Frame, HashHexSchema, IdSchema, type SignedFrame } from '../frame.ts';

/** Most source frames one event may name (an event is a local fact, not a day's history). */
export const eventSourceFramesMax = 10_000;

/** A name of an event function, kebab-case like its file (`derive-stock-movements`). */
export const EventFunctionNameSchema = z.string().regex(/^[a-z][a-z0-9-]{0,63}$/);

/**
 * A business event derived at the edge by a pure, versioned function over a device's frames.
 * Anyone holding the named frames can re-run `function` with `parameters` and must get this
 * event, byte for byte (see reexecuteEvent). The canonical JSON of this object is what the edge
 * stores and what it will send to the cloud's `POST /v1/events`.
 */
export const DerivedEventSchema = z
  .object({
    /** Hex hash (the suite's hash) of the canonical JSON of every other field: see eventIdOf. */
    eventId: HashHexSchema,
    /** Hash suite of `eventId` and of the source frame ids. */
    suite: CryptoSuiteNameSchema,
    /** The function that derived the event and its version. */
    function: z.object({ name: EventFunctionNameSchema, version: z.number().int().min(1) }).strict(),
    /** The function's parameters, defaults filled in, so re-execution is exact. */
    parameters: z.record(z.string(), z.unknown()),
    /** The device whose frames the event came from. */
    deviceId: IdSchema,
    /** Ids of the frames the event came from (hex RFC 9162 leaf hashes), in seq order. */
    sourceFrameIds: z.array(HashHexSchema).min(1).max(eventSourceFramesMax),
    /** Device time of the first source frame, UTC ms. */
    startTimeMs: z.number().int().min(0),
    /** Device time of the last source frame, UTC ms. */
    endTimeMs: z.number().int().min(0),
    /** What happened, e.g. `stock.movement`, `geofence.exit`, `device.offline`. */
    type: z.string().regex(/^[a-z][a-z0-9_.]{0,63}$/),
    /** The typed facts of the event; each function documents its payload type. */
    payload: z.record(z.string(), z.unknown()),
  })
  .strict();
export type DerivedEvent = z.infer<typeof DerivedEventSchema>;

/** A frame as event functions see it: the frame and its id. */
export interface EventSourceFrame {
  /** Frame id: hex RFC 9162 leaf hash of the canonical signed frame. */
  id: string;
  /** The frame the device signed. */
  frame: Frame;
}

/**
 * What an event function returns for one event; the runner (deriveEvents) adds the function,
 * parameters, device and ids. Precondition for every function: the event depends only on the
 * frames it names, so re-running on exactly those frames yields it again.
 */
export interface EventDraft<Payload extends Record<string, unknown> = Record<string, unknown>> {
  /** Event type, e.g. `stock.movement`. */
  type: string;
  /** Ids of the frames the event came from, in seq order. */
  sourceFrameIds: string[];
  /** Device time of the first source frame, UTC ms. */
  startTimeMs: number;
  /** Device time of the last source frame, UTC ms. */
  endTimeMs: number;
  /** The typed facts. */
  payload: Payload;
}

const leafPrefix = new Uint8Array([0]);

/**
 * Frame id as the edge batch and the cloud compute it: hex RFC 9162 leaf hash H(0x00 ‖ data) of
 * the RFC 8785 canonical signed frame `{alg, frame, sig}` (ledger's hashLeaf, spelled out here
 * because protocol imports nothing of ours). Precondition: `signed` passed SignedFrameSchema.
 */
export function frameIdOf(suite: CryptoSuiteName, signed: SignedFrame): string {
  return toHex(suiteHash(suite, leafPrefix, utf8(canonicalizeSignedFrame(signed).signed)));
}

/** Signed frames as event sources, with their ids. Precondition: each passed SignedFrameSchema. */
export function toEventSourceFrames(suite: CryptoSuiteName, frames: readonly SignedFrame[]): EventSourceFrame[] {
  return frames.map((signed) => ({ id: frameIdOf(suite, signed), frame: signed.frame }));
}

/**
 * Event id: hex hash of the canonical JSON of the event without `eventId`. Any change to any
 * other field changes it.
 */
export function eventIdOf(event: Omit<DerivedEvent, 'eventId'> | DerivedEvent): string {
  const { eventId: _ignored, ...content } = event as DerivedEvent;
  return toHex(suiteHash(event.suite, utf8(canonicalize(content))));
}

/**
 * Round to a fixed number of decimals, the one way every event function rounds: half away from
 * zero on the decimal scaled value (Math.round on |x|·10^d), so results are the same on every
 * machine and never depend on locale or time zone. −0 becomes 0 (canonical JSON prints both as 0).
 */
export function roundDecimals(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  const rounded = (Math.sign(value) * Math.round(Math.abs(value) * factor)) / factor;
  return rounded === 0 ? 0 : rounded;
}

/** The first reading of `kind` in a frame if it is a number, else undefined. */
export function numberReading(frame: Frame, kind: string): number | undefined {
  for (const reading of frame.readings)
    if (reading.kind === kind && typeof reading.value === 'number') return reading.value;
  return undefined;
}

/** The first reading of `kind` in a frame if it is a boolean, else undefined. */
export function booleanReading(frame: Frame, kind: string): boolean | undefined {
  for (const reading of frame.readings)
    if (reading.kind === kind && typeof reading.value === 'boolean') return reading.value;
  return undefined;
}

/** An event draft spanning `frames[first..last]` (inclusive) of a list of source frames. */
export function draftOver<Payload extends Record<string, unknown>>(
  type: string,
  frames: readonly EventSourceFrame[],
  indexes: readonly number[],
  payload: Payload,
): EventDraft<Payload> {
  const sources = indexes.map((index) => frames[index] as EventSourceFrame);
  const first = sources[0] as EventSourceFrame;
  const last = sources[sources.length - 1] as EventSourceFrame;
  return {
    type,
    sourceFrameIds: sources.map((source) => source.id),
    startTimeMs: first.frame.deviceTimeMs,
    endTimeMs: last.frame.deviceTimeMs,
    payload,
  };
}

/** The integers from `first` to `last` inclusive. */
export function indexRange(first: number, last: number): number[] {
  const indexes: number[] = [];
  for (let index = first; index <= last; index++) indexes.push(index);
  return indexes;
}
