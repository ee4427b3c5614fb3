import { canonicalize } from '../canonical-json.ts';
import type { SignedFrame } from '../frame.ts';
import { deriveEvents } from './derive-events.ts';
import { type DerivedEvent, DerivedEventSchema, frameIdOf } from './derived-event.ts';
import { type EventRegistry, eventFunctionKey } from './event-registry.ts';

/** Why a re-execution did not confirm an event. */
export type ReexecuteEventCode = 'event_mismatch' | 'event_function_unknown' | 'event_frames_missing';

/** What reexecuteEvent concludes. */
export type ReexecuteEventResult =
  | {
      /** The function, re-run on the event's frames, derived this very event. */
      ok: true;
    }
  | {
      ok: false;
      /** Stable reason: a different result, an unknown function version, or named frames not given. */
      code: ReexecuteEventCode;
      /** A message a person can act on. */
      message: string;
      /** What re-execution derived that is closest to the claim (same type and sources), if anything. */
      expected: DerivedEvent | null;
      /** The event as claimed. */
      got: unknown;
    };

/**
 * Re-run the event's function and compare. `frames` may hold more frames (a whole batch, the
 * device's stored frames); the function runs on every given frame of the event's device whose
 * seq lies between the first and last named source, so give every frame you hold in that range:
 * then an event that leaves a frame out is caught too, not only one that misstates its sources.
 * Pure: the cloud's re-execution worker and `fieldproof reexecute` only fetch frames and call
 * this. Precondition: `frames` passed SignedFrameSchema (their signatures are checked elsewhere).
 */
export function reexecuteEvent(
  registry: EventRegistry,
  event: unknown,
  frames: readonly SignedFrame[],
): ReexecuteEventResult {
  const fail = (
    code: ReexecuteEventCode,
    message: string,
    expected: DerivedEvent | null = null,
  ): ReexecuteEventResult => ({
    ok: false,
    code,
    message,
    expected,
    got: event,
  });
  const parsed = DerivedEventSchema.safeParse(event);
  if (!parsed.success)
    return fail('event_mismatch', `the event does not match the event schema: ${parsed.error.issues[0]?.message}`);
  const claim = parsed.data;
  const definition = registry.get(eventFunctionKey(claim.function.name, claim.function.version));
  if (!definition) {
    return fail(
      'event_function_unknown',
      `no event function ${eventFunctionKey(claim.function.name, claim.function.version)} is registered here`,
    );
  }
  const byId = new Map(frames.map((signed) => [frameIdOf(claim.suite, signed), signed]));
  const missing = claim.sourceFrameIds.filter((id) => !byId.has(id));
  if (missing.length > 0)
    return fail('event_frames_missing', `${missing.length} source frames are not given, first ${missing[0]}`);
  const named = claim.sourceFrameIds.map((id) => ({ id, frame: (byId.get(id) as SignedFrame).frame }));
  if (new Set(claim.sourceFrameIds).size !== claim.sourceFrameIds.length)
    return fail('event_mismatch', 'a source frame is named twice');
  if (named.some((source) => source.frame.deviceId !== claim.deviceId)) {
    return fail('event_mismatch', `a source frame is not from device ${claim.deviceId}`);
  }
  // Run on every given frame of the device in the sources' seq range, named or not: an event that
  // leaves out a frame it should have read (a pass, a load) then differs from the re-run.
  let firstSeq = Number.POSITIVE_INFINITY;
  let lastSeq = Number.NEGATIVE_INFINITY;
  for (const source of named) {
    firstSeq = Math.min(firstSeq, source.frame.seq);
    lastSeq = Math.max(lastSeq, source.frame.seq);
  }
  const inRange = [...byId]
    .filter(
      ([, signed]) =>
        signed.frame.deviceId === claim.deviceId && signed.frame.seq >= firstSeq && signed.frame.seq <= lastSeq,
    )
    .map(([id, signed]) => ({ id, frame: signed.frame }));
  if (new Set(inRange.map((source) => source.frame.seq)).size !== inRange.length) {
    return fail('event_mismatch', `two different frames of ${claim.deviceId} share a seq in the event's range`);
  }
  const parameters = definition.parametersSchema.safeParse(claim.parameters);
  if (!parameters.success) return fail('event_mismatch', 'the recorded parameters are not valid for this function');
  if (canonicalize(parameters.data) !== canonicalize(claim.parameters)) {
    return fail('event_mismatch', 'the recorded parameters are not in their complete parsed form');
  }
  const { events } = deriveEvents({
    definition,
    parameters: parameters.data,
    suite: claim.suite,
    deviceId: claim.deviceId,
    frames: inRange,
  });
  const claimed = canonicalize(claim);
  if (events.some((candidate) => canonicalize(candidate) === claimed)) return { ok: true };
  const sources = claim.sourceFrameIds.join();
  const closest =
    events.find((candidate) => candidate.type === claim.type && candidate.sourceFrameIds.join() === sources) ??
    events.find((candidate) => candidate.sourceFrameIds.join() === sources) ??
    events[0] ??
    null;
  return fail(
    'event_mismatch',
    closest
      ? `re-running ${definition.name}@${definition.version} on the event's frames derived a different event`
      : `re-running ${definition.name}@${definition.version} on the event's frames derived no event`,
    closest,
  );
}
