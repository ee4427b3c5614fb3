import type { AlertCandidate } from './alert-types.ts';
import { RiskError } from './risk-error.ts';

/** A circular geofence (电子围栏) around a site or a route point. */
export interface CircularGeofence {
  /** Id of the fence. */
  fenceId: string;
  /** Centre latitude, degrees (WGS 84). */
  centreLatitude: number;
  /** Centre longitude, degrees (WGS 84). */
  centreLongitude: number;
  /** Radius, metres, > 0. */
  radiusMetres: number;
}

/** A GPS/BeiDou position of a tracker on goods or a vehicle. */
export interface PositionFix {
  /** The derived event (or frame) id of the fix. */
  eventId: string;
  /** The tracker. */
  deviceId: string;
  /** Latitude, degrees. */
  latitude: number;
  /** Longitude, degrees. */
  longitude: number;
  /** When, UTC ms. */
  atMs: number;
  /** Frames it rests on. */
  frameIds: readonly string[];
}

/** The fence, the fix, and what the goods are. */
export interface CheckGeofenceParameters {
  /** The fence the goods must stay in. */
  fence: CircularGeofence;
  /** The fix. */
  position: PositionFix;
  /** The lot or shipment the tracker is on. */
  subjectId: string;
  /** The bank. */
  organisationId: string;
}

/** Mean Earth radius (IUGG), metres. */
const earthRadiusMetres = 6_371_008.8;

/** Great-circle distance by the haversine formula, metres (geometry, so a float is right here). */
export function haversineMetres(latitude1: number, longitude1: number, latitude2: number, longitude2: number): number {
  const radians = Math.PI / 180;
  const dLatitude = (latitude2 - latitude1) * radians;
  const dLongitude = (longitude2 - longitude1) * radians;
  const a =
    Math.sin(dLatitude / 2) ** 2 +
    Math.cos(latitude1 * radians) * Math.cos(latitude2 * radians) * Math.sin(dLongitude / 2) ** 2;
  return 2 * earthRadiusMetres * Math.asin(Math.min(1, Math.sqrt(a)));
}

/**
 * The geofence rule: a fix farther from the fence's centre than its radius raises
 * `geofence_exit` (high), keyed by device and fence, with the distance in whole metres.
 * Throws RiskError `risk_input_invalid` for a non-positive radius or an impossible coordinate.
 */
export function checkGeofence(parameters: CheckGeofenceParameters): AlertCandidate[] {
  const { fence, position } = parameters;
  const coordinates =
    [fence.centreLatitude, position.latitude].every((value) => Math.abs(value) <= 90) &&
    [fence.centreLongitude, position.longitude].every((value) => Math.abs(value) <= 180);
  if (!(fence.radiusMetres > 0) || !coordinates) {
    throw new RiskError('risk_input_invalid', 'a geofence needs a positive radius and real coordinates', {
      fenceId: fence.fenceId,
    });
  }
  const distance = haversineMetres(fence.centreLatitude, fence.centreLongitude, position.latitude, position.longitude);
  if (distance <= fence.radiusMetres) return [];
  const distanceMetres = Math.round(distance);
  return [
    {
      rule: 'geofence_exit',
      dedupKey: `geofence.${position.deviceId}.${fence.fenceId}`,
      severity: 'high',
      subjectId: parameters.subjectId,
      organisationId: parameters.organisationId,
      message: `Tracker ${position.deviceId} is ${distanceMetres} m from the centre of fence ${fence.fenceId} (radius ${fence.radiusMetres} m)`,
      details: {
        deviceId: position.deviceId,
        fenceId: fence.fenceId,
        distanceMetres,
        radiusMetres: fence.radiusMetres,
        latitude: String(position.latitude),
        longitude: String(position.longitude),
        atMs: position.atMs,
      },
      evidence: [
        { kind: 'event', id: position.eventId },
        ...position.frameIds.map((id) => ({ kind: 'frame' as const, id })),
      ],
      observedAtMs: position.atMs,
    },
  ];
}
