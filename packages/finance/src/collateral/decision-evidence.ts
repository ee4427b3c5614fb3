import type { Decision } from '@fieldproof/protocol';

/** A fact a decision or alert rests on. */
export type Evidence = Decision['inputs'][number];

/** The evidence of a stock-movement event: its frames (the event itself is re-derivable from them). */
export function framesAsEvidence(frameIds: readonly string[]): Evidence[] {
  return frameIds.map((id) => ({ kind: 'frame', id }));
}
