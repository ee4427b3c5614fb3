import * as z from 'zod';
import { confirmedTransitions } from './confirmed-transitions.ts';
import { draftOver, type EventDraft, type EventSourceFrame, numberReading } from './derived-event.ts';

/** A vertex of a fence, degrees (WGS-84). */
const VertexSchema = z
  .object({
    /** Latitude, −90 to 90. */
    latitudeDeg: z.number().min(-90).max(90),
    /** Longitude, −180 to 180. */
    longitudeDeg: z.number().min(-180).max(180),
  })
  .strict();

/** Parameters of detectGeofenceCrossings; recorded in every event it derives. */
export const DetectGeofenceCrossingsParametersSchema = z
  .object({
    /** The fences (电子围栏): simple polygons in latitude/longitude, not crossing the antimeridian. */
    fences: z
      .array(
        z
          .object({
            /** Name of the fence, e.g. the warehouse it surrounds. */
            fenceId: z.string().min(1).max(128),
            /** Vertices in order, 3 to 1000; the closing edge back to the first is implied. */
            polygon: z.array(VertexSchema).min(3).max(1000),
          })
          .strict(),
      )
      .min(1)
      .max(100),
    /** Consecutive fixes on one side that confirm it (debounces fix noise at the fence line). */
    confirmFrames: z.number().int().min(1).max(100).default(2),
  })
  .strict();
export type DetectGeofenceCrossingsParameters = z.infer<typeof DetectGeofenceCrossingsParametersSchema>;

/** Payload of `geofence.enter` and `geofence.exit` events. */
export interface GeofenceCrossingPayload extends Record<string, unknown> {
  /** The fence crossed. */
  fenceId: string;
  /** `enter` or `exit`. */
  transition: 'enter' | 'exit';
  /** Latitude of the first fix on the new side, degrees, as reported. */
  latitudeDeg: number;
  /** Longitude of the first fix on the new side, degrees, as reported. */
  longitudeDeg: number;
}

/** What detectGeofenceCrossings found. */
export interface DetectGeofenceCrossingsResult {
  /** Enter and exit events, fence by fence in parameter order, each fence's in time order. */
  events: EventDraft<GeofenceCrossingPayload>[];
}

/**
 * True if the point is inside the polygon or on its boundary (an edge or a vertex counts as
 * inside, so a truck parked on the fence line is not flickering out). Planar even-odd test in
 * degrees: fine for site-sized fences away from the poles and the antimeridian.
 */
export function pointInPolygon(
  latitudeDeg: number,
  longitudeDeg: number,
  polygon: readonly { latitudeDeg: number; longitudeDeg: number }[],
): boolean {
  let inside = false;
  for (let index = 0, previous = polygon.length - 1; index < polygon.length; previous = index++) {
    const a = polygon[previous] as { latitudeDeg: number; longitudeDeg: number };
    const b = polygon[index] as { latitudeDeg: number; longitudeDeg: number };
    // On the segment a–b: collinear (zero cross product) and within its bounding box.
    const cross =
      (b.longitudeDeg - a.longitudeDeg) * (latitudeDeg - a.latitudeDeg) -
      (b.latitudeDeg - a.latitudeDeg) * (longitudeDeg - a.longitudeDeg);
    if (
      cross === 0 &&
      longitudeDeg >= Math.min(a.longitudeDeg, b.longitudeDeg) &&
      longitudeDeg <= Math.max(a.longitudeDeg, b.longitudeDeg) &&
      latitudeDeg >= Math.min(a.latitudeDeg, b.latitudeDeg) &&
      latitudeDeg <= Math.max(a.latitudeDeg, b.latitudeDeg)
    ) {
      return true;
    }
    // Half-open rule on latitude, so a ray through a vertex is counted once.
    if (a.latitudeDeg > latitudeDeg !== b.latitudeDeg > latitudeDeg) {
      const crossingLongitude =
        a.longitudeDeg +
        ((latitudeDeg - a.latitudeDeg) * (b.longitudeDeg - a.longitudeDeg)) / (b.latitudeDeg - a.latitudeDeg);
      if (longitudeDeg < crossingLongitude) inside = !inside;
    }
  }
  return inside;
}

/**
 * Geofence enter and exit events from GPS fixes (`gps.lat`, `gps.lon`). Each fence's
 * inside/outside state is debounced over confirmFrames fixes (see confirmedTransitions); the
 * first confirmed side sets the start and is not an event. Frames without both coordinates are
 * skipped. Precondition: one device's frames in seq order.
 */
export function detectGeofenceCrossings(
  frames: readonly EventSourceFrame[],
  parameters: DetectGeofenceCrossingsParameters,
): DetectGeofenceCrossingsResult {
  const events: EventDraft<GeofenceCrossingPayload>[] = [];
  const fixes = frames.map((source) => {
    const latitudeDeg = numberReading(source.frame, 'gps.lat');
    const longitudeDeg = numberReading(source.frame, 'gps.lon');
    return latitudeDeg === undefined || longitudeDeg === undefined ? undefined : { latitudeDeg, longitudeDeg };
  });
  for (const fence of parameters.fences) {
    const states = fixes.map((fix) =>
      fix === undefined ? undefined : pointInPolygon(fix.latitudeDeg, fix.longitudeDeg, fence.polygon),
    );
    for (const transition of confirmedTransitions(states, parameters.confirmFrames)) {
      const fix = fixes[transition.firstNewIndex] as { latitudeDeg: number; longitudeDeg: number };
      const kind = transition.to ? 'enter' : 'exit';
      events.push(
        draftOver(`geofence.${kind}`, frames, transition.sourceIndexes, {
          fenceId: fence.fenceId,
          transition: kind,
          latitudeDeg: fix.latitudeDeg,
          longitudeDeg: fix.longitudeDeg,
        }),
      );
    }
  }
  return { events };
}
