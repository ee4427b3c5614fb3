import type { CryptoSuiteName } from '../crypto/types.ts';
import { type DerivedEvent, type EventSourceFrame, eventIdOf } from './derived-event.ts';
import type { EventFunctionDefinition } from './event-registry.ts';

/** Parameters of deriveEvents. */
export interface DeriveEventsParameters {
  /** The function to run. */
  definition: EventFunctionDefinition;
  /** Its parameters, already parsed by definition.parametersSchema (defaults filled in). */
  parameters: Record<string, unknown>;
  /** Hash suite of the frame ids and event ids. */
  suite: CryptoSuiteName;
  /** The device whose frames these are. */
  deviceId: string;
  /** The device's frames with their ids, in any order; they are sorted by seq here. */
  frames: readonly EventSourceFrame[];
}

/** What deriveEvents returns. */
export interface DeriveEventsResult {
  /** Complete events with ids, in the order the function emitted them. */
  events: DerivedEvent[];
}

/**
 * Run one event function over one device's frames and complete its drafts into events with
 * their ids. Frames are sorted by seq first, so the order they came in does not matter.
 * Preconditions: every frame is the device's (asserted), seqs are distinct.
 */
export function deriveEvents(parameters: DeriveEventsParameters): DeriveEventsResult {
  const { definition, suite, deviceId } = parameters;
  for (const source of parameters.frames) {
    if (source.frame.deviceId !== deviceId) {
      throw new Error(`invariant violated: frame of ${source.frame.deviceId} given to derive events of ${deviceId}`);
    }
  }
  const frames = [...parameters.frames].sort((a, b) => a.frame.seq - b.frame.seq);
  const { events: drafts } = definition.derive(frames, parameters.parameters);
  const events = drafts.map((draft): DerivedEvent => {
    const content = {
      suite,
      function: { name: definition.name, version: definition.version },
      parameters: parameters.parameters,
      deviceId,
      sourceFrameIds: draft.sourceFrameIds,
      startTimeMs: draft.startTimeMs,
      endTimeMs: draft.endTimeMs,
      type: draft.type,
      payload: draft.payload,
    };
    return { eventId: eventIdOf(content), ...content };
  });
  return { events };
}
