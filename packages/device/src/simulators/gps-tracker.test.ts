import { describe, expect, it } from 'vitest';
import {
  createGpsTrackerSimulator,
  defaultRoute,
  distanceM,
  type GpsTrackerOptions,
  type Waypoint,
} from './gps-tracker.ts';

const startTimeMs = Date.UTC(2024, 2, 4, 0, 0);
const periodMs = 10_000;

function run(options: Partial<GpsTrackerOptions>, hours = 8) {
  const simulator = createGpsTrackerSimulator({ seed: 21, deviceId: 'truck-1', startTimeMs, periodMs, ...options });
  return Array.from({ length: (hours * 3_600_000) / periodMs }, () => {
    const { readings } = simulator.next();
    expect(readings.map((reading) => [reading.kind, reading.unit])).toEqual([
      ['gps.lat', 'deg'],
      ['gps.lon', 'deg'],
      ['speed', 'km/h'],
      ['heading', 'deg'],
    ]);
    return {
      point: { latitudeDeg: readings[0]?.value as number, longitudeDeg: readings[1]?.value as number },
      speedKmh: readings[2]?.value as number,
      headingDeg: readings[3]?.value as number,
    };
  });
}

/** Distance from a point to the route polyline, metres (flat projection; fine at tens of km). */
function distanceToRouteM(point: Waypoint): number {
  const metresPerDegree = 111_195;
  const scale = Math.cos((point.latitudeDeg * Math.PI) / 180);
  const project = (p: Waypoint) => ({
    x: p.longitudeDeg * metresPerDegree * scale,
    y: p.latitudeDeg * metresPerDegree,
  });
  const here = project(point);
  let best = Number.POSITIVE_INFINITY;
  for (let segment = 0; segment + 1 < defaultRoute.length; segment++) {
    const a = project(defaultRoute[segment] as Waypoint);
    const b = project(defaultRoute[segment + 1] as Waypoint);
    const lengthSquared = (b.x - a.x) ** 2 + (b.y - a.y) ** 2;
    const t = Math.max(0, Math.min(1, ((here.x - a.x) * (b.x - a.x) + (here.y - a.y) * (b.y - a.y)) / lengthSquared));
    best = Math.min(best, Math.hypot(here.x - (a.x + t * (b.x - a.x)), here.y - (a.y + t * (b.y - a.y))));
  }
  return best;
}

describe('GPS tracker simulator', () => {
  it('stays on the route, drives from one warehouse to the other and back', () => {
    const samples = run({});
    for (const sample of samples) expect(distanceToRouteM(sample.point)).toBeLessThan(30);
    const origin = defaultRoute[0] as Waypoint;
    const destination = defaultRoute.at(-1) as Waypoint;
    expect(distanceM(samples[0]?.point as Waypoint, origin)).toBeLessThan(30);
    const arrival = samples.findIndex((sample) => distanceM(sample.point, destination) < 50);
    expect(arrival).toBeGreaterThan(0);
    const back = samples.slice(arrival).findIndex((sample) => distanceM(sample.point, origin) < 50);
    expect(back).toBeGreaterThan(0);
  });

  it('has realistic speeds, with stops, and moves as far as its speed says', () => {
    const samples = run({});
    const speeds = samples.map((sample) => sample.speedKmh);
    expect(Math.max(...speeds)).toBeGreaterThan(60);
    expect(Math.max(...speeds)).toBeLessThan(81);
    expect(Math.min(...speeds)).toBe(0);
    expect(speeds.filter((speed) => speed === 0).length).toBeGreaterThan(100);
    for (let index = 1; index < samples.length; index++) {
      const current = samples[index] as (typeof samples)[number];
      const movedM = distanceM((samples[index - 1] as (typeof samples)[number]).point, current.point);
      // At most the distance at the reported speed over one period, plus fix noise.
      expect(movedM).toBeLessThan((81 / 3.6) * (periodMs / 1000) + 30);
      expect(current.headingDeg).toBeGreaterThanOrEqual(0);
      expect(current.headingDeg).toBeLessThan(360);
    }
  });

  it('plants a detour: the truck leaves the route at the given time', () => {
    const detourHour = 1;
    const samples = run({ detourAtMs: startTimeMs + detourHour * 3_600_000, dwellMs: 0 }, 2);
    const before = samples.slice(0, (detourHour * 3_600_000) / periodMs);
    for (const sample of before) expect(distanceToRouteM(sample.point)).toBeLessThan(30);
    expect(distanceToRouteM((samples.at(-1) as (typeof samples)[number]).point)).toBeGreaterThan(5000);
  });
});
