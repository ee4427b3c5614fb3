import { describe, expect, it } from 'vitest';
import { testFrames } from '../../_test/event-frames.ts';
import {
  DetectGeofenceCrossingsParametersSchema,
  detectGeofenceCrossings,
  pointInPolygon,
} from './detect-geofence-crossings.ts';

const square = [
  { latitudeDeg: 0, longitudeDeg: 0 },
  { latitudeDeg: 0, longitudeDeg: 1 },
  { latitudeDeg: 1, longitudeDeg: 1 },
  { latitudeDeg: 1, longitudeDeg: 0 },
];
const fix = (latitudeDeg: number, longitudeDeg: number) => [
  { kind: 'gps.lat', value: latitudeDeg },
  { kind: 'gps.lon', value: longitudeDeg },
];

describe('pointInPolygon', () => {
  it('counts edges and vertices as inside, and the outside as outside', () => {
    expect(pointInPolygon(0.5, 0.5, square)).toBe(true);
    expect(pointInPolygon(0, 0.5, square)).toBe(true); // on an edge
    expect(pointInPolygon(1, 1, square)).toBe(true); // on a vertex
    expect(pointInPolygon(0, 0, square)).toBe(true); // on the first vertex
    expect(pointInPolygon(1.0000001, 0.5, square)).toBe(false);
    expect(pointInPolygon(0.5, -0.0000001, square)).toBe(false);
  });

  it('counts a ray through a vertex once (a concave polygon)', () => {
    // A chevron whose inner vertex (0.5, 0.5) lies on the ray of the point (0.5, 0.2).
    const chevron = [
      { latitudeDeg: 0, longitudeDeg: 0 },
      { latitudeDeg: 0.5, longitudeDeg: 0.5 },
      { latitudeDeg: 0, longitudeDeg: 1 },
      { latitudeDeg: 1, longitudeDeg: 1 },
      { latitudeDeg: 1, longitudeDeg: 0 },
    ];
    expect(pointInPolygon(0.5, 0.2, chevron)).toBe(true);
    expect(pointInPolygon(0.5, 0.8, chevron)).toBe(true);
    expect(pointInPolygon(0.2, 0.5, chevron)).toBe(false);
  });
});

describe('detectGeofenceCrossings', () => {
  const parameters = DetectGeofenceCrossingsParametersSchema.parse({ fences: [{ fenceId: 'yard', polygon: square }] });

  it('does not report the starting side, and debounces a single noisy fix across the line', () => {
    const { sources } = testFrames('truck', [
      fix(0.5, 0.5),
      fix(0.5, 0.5),
      fix(1.1, 0.5),
      fix(0.5, 0.5),
      fix(0.5, 0.5),
    ]);
    expect(detectGeofenceCrossings(sources, parameters).events).toEqual([]);
  });

  it('reports an exit with the first fix outside, its sources from the last confirmed inside fixes', () => {
    const { sources } = testFrames('truck', [
      fix(0.5, 0.5),
      fix(0.5, 0.5),
      fix(0.99, 0.5),
      fix(1.5, 0.5),
      fix(1.6, 0.5),
    ]);
    const { events } = detectGeofenceCrossings(sources, parameters);
    expect(events).toHaveLength(1);
    expect(events[0]?.payload).toEqual({ fenceId: 'yard', transition: 'exit', latitudeDeg: 1.5, longitudeDeg: 0.5 });
    expect(events[0]?.sourceFrameIds).toEqual(sources.slice(1).map((source) => source.id));
  });

  it('refuses a fence with fewer than three vertices', () => {
    expect(
      DetectGeofenceCrossingsParametersSchema.safeParse({ fences: [{ fenceId: 'x', polygon: square.slice(0, 2) }] })
        .success,
    ).toBe(false);
  });
});
