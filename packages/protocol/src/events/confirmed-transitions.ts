/** A debounced change of a two-valued state (inside/outside a fence, running/stopped). */
export interface ConfirmedTransition {
  /** The state confirmed before. */
  from: boolean;
  /** The state confirmed after. */
  to: boolean;
  /** Frame indexes: the last confirming window of `from`, the unsettled frames, the first confirming window of `to`. */
  sourceIndexes: number[];
  /** Index of the first frame of the run of `to` that confirmed it. */
  firstNewIndex: number;
}

/**
 * Debounce a two-valued state per frame: a state is confirmed by `confirmFrames` consecutive
 * frames in it; the first confirmed state sets the start (no transition), every later confirmed
 * change is a transition. Frames whose state is undefined (no reading) are skipped. Each
 * transition names only frames from the latest confirming window of the old state onwards, so
 * re-running on exactly its source indexes yields it again (the locality every event function
 * needs). Precondition: confirmFrames ≥ 1.
 */
export function confirmedTransitions(
  states: readonly (boolean | undefined)[],
  confirmFrames: number,
): ConfirmedTransition[] {
  const transitions: ConfirmedTransition[] = [];
  const positions: number[] = [];
  for (let index = 0; index < states.length; index++) if (states[index] !== undefined) positions.push(index);
  let confirmed: boolean | undefined;
  let window: { first: number; last: number } | undefined;
  let runState: boolean | undefined;
  let runLength = 0;
  for (let position = 0; position < positions.length; position++) {
    const state = states[positions[position] as number] as boolean;
    if (state === runState) runLength++;
    else {
      runState = state;
      runLength = 1;
    }
    if (runLength < confirmFrames) continue;
    const latest = { first: position - confirmFrames + 1, last: position };
    if (confirmed === undefined || state === confirmed) {
      confirmed = state;
      window = latest;
      continue;
    }
    const from = window as { first: number; last: number };
    const sourceIndexes: number[] = [];
    for (let source = from.first; source <= position; source++) sourceIndexes.push(positions[source] as number);
    transitions.push({ from: confirmed, to: state, sourceIndexes, firstNewIndex: positions[latest.first] as number });
    confirmed = state;
    window = latest;
  }
  return transitions;
}
