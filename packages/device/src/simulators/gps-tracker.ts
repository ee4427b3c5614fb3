import { createSeededRandom } from './seeded-random.ts';
import { checkSimulatorOptions, roundTo, type Simulator, type SimulatorOptions } from './simulator.ts';

/** A point on a route, degrees (WGS-84). */
export interface Waypoint {
  /** Latitude in degrees, −90 to 90. */
  latitudeDeg: number;
  /** Longitude in degrees, −180 to 180. */
  longitudeDeg: number;
}

/**
 * The default route: from a bonded warehouse in Waigaoqiao, Shanghai, along the G2 towards a
 * distribution warehouse in Suzhou Industrial Park, about 90 km.
 */
export const defaultRoute: readonly Waypoint[] = [
  { latitudeDeg: 31.3496, longitudeDeg: 121.5943 },
  { latitudeDeg: 31.3237, longitudeDeg: 121.4632 },
  { latitudeDeg: 31.3045, longitudeDeg: 121.3192 },
  { latitudeDeg: 31.3371, longitudeDeg: 121.1453 },
  { latitudeDeg: 31.3853, longitudeDeg: 120.9802 },
  { latitudeDeg: 31.3432, longitudeDeg: 120.8121 },
  { latitudeDeg: 31.3158, longitudeDeg: 120.6924 },
];

/** Options of a GPS tracker on a truck. Defaults in brackets. */
export interface GpsTrackerOptions extends SimulatorOptions {
  /** The route, first waypoint at the origin warehouse, last at the destination [defaultRoute]. */
  route?: readonly Waypoint[];
  /** Cruising speed on the open road, km/h [70]. */
  cruiseSpeedKmh?: number;
  /** Time spent loading or unloading at each end before driving back, ms [20 minutes]. */
  dwellMs?: number;
  /** Mean unplanned stops (traffic, toll gates) per hour of driving [2]. */
  stopsPerHour?: number;
  /** Standard deviation of the position fix, metres [3]. */
  positionNoiseM?: number;
  /** If set, from the first sample at or after this device time the truck leaves the route at right angles. */
  detourAtMs?: number;
}

const earthRadiusM = 6_371_000;
const metresPerDegreeLatitude = (Math.PI * earthRadiusM) / 180;
/** Most waypoints on a route. */
export const routeWaypointsMax = 10_000;

/**
 * A GPS tracker on a truck shuttling between two warehouses along a route: it dwells at each end,
 * accelerates to cruising speed, slows for unplanned stops, and drives back. Reports `gps.lat` and
 * `gps.lon` (deg, 6 decimals, with fix noise), `speed` (km/h, 0 when stopped) and `heading`
 * (deg clockwise from north). Preconditions: the shared SimulatorOptions hold; the route has 2 to
 * routeWaypointsMax waypoints with valid coordinates; cruiseSpeedKmh is in (0, 200].
 */
export function createGpsTrackerSimulator(options: GpsTrackerOptions): Simulator {
  const timeOfSample = checkSimulatorOptions(options);
  const route = options.route ?? defaultRoute;
  const cruiseSpeedKmh = options.cruiseSpeedKmh ?? 70;
  const dwellMs = options.dwellMs ?? 20 * 60_000;
  const stopsPerHour = options.stopsPerHour ?? 2;
  const positionNoiseM = options.positionNoiseM ?? 3;
  if (route.length < 2 || route.length > routeWaypointsMax) {
    throw new RangeError(`route must have 2 to ${routeWaypointsMax} waypoints`);
  }
  for (const point of route) {
    if (!(Math.abs(point.latitudeDeg) <= 90 && Math.abs(point.longitudeDeg) <= 180)) {
      throw new RangeError('route waypoints need latitudeDeg in [-90, 90] and longitudeDeg in [-180, 180]');
    }
  }
  if (!(cruiseSpeedKmh > 0 && cruiseSpeedKmh <= 200)) throw new RangeError('cruiseSpeedKmh must be in (0, 200]');

  const random = createSeededRandom(options.seed, options.deviceId);
  const segmentLengthsM = route.slice(1).map((point, segment) => distanceM(route[segment] as Waypoint, point));
  const routeLengthM = segmentLengthsM.reduce((sum, length) => sum + length, 0);
  const periodSeconds = options.periodMs / 1000;
  const periodHours = options.periodMs / 3_600_000;

  let index = 0;
  // Distance along the route from the origin; the truck drives forward, then back.
  let travelledM = 0;
  let forward = true;
  let speedKmh = 0;
  let dwellLeftMs = dwellMs * random.next();
  let stopLeftMs = 0;
  let detour: { from: Waypoint; bearingDeg: number; distanceM: number } | undefined;

  return {
    kind: 'gps-tracker',
    next() {
      const deviceTimeMs = timeOfSample(index);
      if (index > 0) {
        const detourDue = options.detourAtMs !== undefined && deviceTimeMs >= options.detourAtMs;
        if (detourDue && detour === undefined) {
          const here = pointAt(travelledM);
          detour = { from: here.point, bearingDeg: (here.bearingDeg + (forward ? 90 : 270)) % 360, distanceM: 0 };
          dwellLeftMs = 0;
          stopLeftMs = 0;
        }
        let targetKmh = cruiseSpeedKmh;
        if (dwellLeftMs > 0) {
          dwellLeftMs -= options.periodMs;
          targetKmh = 0;
        } else if (stopLeftMs > 0) {
          stopLeftMs -= options.periodMs;
          targetKmh = 0;
        } else if (detour === undefined && random.chance(stopsPerHour * periodHours)) {
          stopLeftMs = random.between(30_000, 5 * 60_000);
          targetKmh = 0;
        }
        // A loaded truck gains or sheds about a third of the gap to its target speed in ten seconds.
        const response = 1 - Math.exp(-periodSeconds / 25);
        speedKmh += (targetKmh - speedKmh) * response;
        if (targetKmh > 0) speedKmh = Math.min(cruiseSpeedKmh * 1.15, speedKmh + random.normal(0, 1.5));
        if (targetKmh === 0 && speedKmh < 2) speedKmh = 0;
        speedKmh = Math.max(0, speedKmh);
        const stepM = (speedKmh / 3.6) * periodSeconds;
        if (detour !== undefined) {
          detour.distanceM += stepM;
        } else {
          travelledM += forward ? stepM : -stepM;
          if ((forward && travelledM >= routeLengthM) || (!forward && travelledM <= 0)) {
            travelledM = Math.min(routeLengthM, Math.max(0, travelledM));
            forward = !forward;
            speedKmh = 0;
            dwellLeftMs = dwellMs;
          }
        }
      }
      let position: Waypoint;
      let headingDeg: number;
      if (detour !== undefined) {
        position = destination(detour.from, detour.bearingDeg, detour.distanceM);
        headingDeg = detour.bearingDeg;
      } else {
        const here = pointAt(travelledM);
        position = here.point;
        headingDeg = forward ? here.bearingDeg : (here.bearingDeg + 180) % 360;
      }
      const noisyLatitudeDeg = position.latitudeDeg + random.normal(0, positionNoiseM) / metresPerDegreeLatitude;
      const noisyLongitudeDeg =
        position.longitudeDeg +
        random.normal(0, positionNoiseM) / (metresPerDegreeLatitude * Math.cos((position.latitudeDeg * Math.PI) / 180));
      index++;
      return {
        deviceTimeMs,
        readings: [
          { kind: 'gps.lat', value: roundTo(noisyLatitudeDeg, 6), unit: 'deg' },
          { kind: 'gps.lon', value: roundTo(noisyLongitudeDeg, 6), unit: 'deg' },
          { kind: 'speed', value: roundTo(speedKmh, 1), unit: 'km/h' },
          { kind: 'heading', value: roundTo(headingDeg, 1), unit: 'deg' },
        ],
      };
    },
  };

  function pointAt(alongM: number): { point: Waypoint; bearingDeg: number } {
    let remainingM = alongM;
    for (let segment = 0; segment < segmentLengthsM.length; segment++) {
      const lengthM = segmentLengthsM[segment] as number;
      const from = route[segment] as Waypoint;
      const to = route[segment + 1] as Waypoint;
      if (remainingM <= lengthM || segment === segmentLengthsM.length - 1) {
        const fraction = lengthM === 0 ? 0 : Math.min(1, remainingM / lengthM);
        // Linear interpolation in degrees is accurate to centimetres over road segments of tens of km.
        return {
          point: {
            latitudeDeg: from.latitudeDeg + (to.latitudeDeg - from.latitudeDeg) * fraction,
            longitudeDeg: from.longitudeDeg + (to.longitudeDeg - from.longitudeDeg) * fraction,
          },
          bearingDeg: bearingDeg(from, to),
        };
      }
      remainingM -= lengthM;
    }
    return { point: route[0] as Waypoint, bearingDeg: 0 };
  }
}

const radians = (degrees: number): number => (degrees * Math.PI) / 180;
const degrees = (angle: number): number => (angle * 180) / Math.PI;

/** Great-circle distance (haversine), metres. */
export function distanceM(from: Waypoint, to: Waypoint): number {
  const deltaLatitude = radians(to.latitudeDeg - from.latitudeDeg);
  const deltaLongitude = radians(to.longitudeDeg - from.longitudeDeg);
  const a =
    Math.sin(deltaLatitude / 2) ** 2 +
    Math.cos(radians(from.latitudeDeg)) * Math.cos(radians(to.latitudeDeg)) * Math.sin(deltaLongitude / 2) ** 2;
  return 2 * earthRadiusM * Math.asin(Math.min(1, Math.sqrt(a)));
}

function bearingDeg(from: Waypoint, to: Waypoint): number {
  const y = Math.sin(radians(to.longitudeDeg - from.longitudeDeg)) * Math.cos(radians(to.latitudeDeg));
  const x =
    Math.cos(radians(from.latitudeDeg)) * Math.sin(radians(to.latitudeDeg)) -
    Math.sin(radians(from.latitudeDeg)) *
      Math.cos(radians(to.latitudeDeg)) *
      Math.cos(radians(to.longitudeDeg - from.longitudeDeg));
  return (degrees(Math.atan2(y, x)) + 360) % 360;
}

function destination(from: Waypoint, bearing: number, lengthM: number): Waypoint {
  const angular = lengthM / earthRadiusM;
  const latitude = radians(from.latitudeDeg);
  const course = radians(bearing);
  const toLatitude = Math.asin(
    Math.sin(latitude) * Math.cos(angular) + Math.cos(latitude) * Math.sin(angular) * Math.cos(course),
  );
  const toLongitude =
    radians(from.longitudeDeg) +
    Math.atan2(
      Math.sin(course) * Math.sin(angular) * Math.cos(latitude),
      Math.cos(angular) - Math.sin(latitude) * Math.sin(toLatitude),
    );
  return { latitudeDeg: degrees(toLatitude), longitudeDeg: ((degrees(toLongitude) + 540) % 360) - 180 };
}
