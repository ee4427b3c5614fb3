import { compareText, type Finding, type FindingEvidence, makeFinding, sortFindings } from './finding.ts';
import { checkUniqueIds } from './flow-error.ts';
import type { Geofence, GpsTrailPoint, Shipment } from './records.ts';

/** Mean Earth radius (IUGG), metres, for the haversine distance. */
export const earthRadiusMetres = 6_371_008.8;

/** Parameters of {@link matchShipmentsToGpsTrails}. */
export interface MatchShipmentsToGpsTrailsParameters {
  /** Shipments to check; each names its tracker, its geofences and its window. */
  shipments: readonly Shipment[];
  /** GPS fixes from signed tracker frames, any order, any devices. */
  gpsTrailPoints: readonly GpsTrailPoint[];
}

/** How one shipment fared against its tracker's trail. */
export interface ShipmentTrailMatch {
  /** The shipment. */
  shipmentId: string;
  /** Fixes of its tracker inside its window. */
  pointCount: number;
  /** The first fix inside the origin geofence, if any. */
  originFrameId: string | undefined;
  /** The first fix inside the destination geofence after `originFrameId`, if any. */
  destinationFrameId: string | undefined;
  /** `matched` origin then destination; otherwise the first thing missing. */
  state: 'matched' | 'no_trail' | 'origin_not_visited' | 'destination_not_reached';
}

/** Result of {@link matchShipmentsToGpsTrails}. */
export interface MatchShipmentsToGpsTrailsResult {
  /** One entry per shipment, sorted by shipment id. */
  matches: ShipmentTrailMatch[];
  /** Findings for every shipment not matched, sorted by id. */
  findings: Finding[];
}

/** Great-circle distance between two points in metres (haversine; geometry, not money, so floats are fine). */
export function distanceMetres(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const radians = Math.PI / 180;
  const deltaLat = (b.lat - a.lat) * radians;
  const deltaLon = (b.lon - a.lon) * radians;
  const h =
    Math.sin(deltaLat / 2) ** 2 + Math.cos(a.lat * radians) * Math.cos(b.lat * radians) * Math.sin(deltaLon / 2) ** 2;
  return 2 * earthRadiusMetres * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Whether a point lies in a geofence (on the boundary counts as inside). */
export function insideGeofence(point: { lat: number; lon: number }, fence: Geofence): boolean {
  return distanceMetres(point, fence) <= fence.radiusMetres;
}

/**
 * The IoT leg for transport: a shipment is matched when its tracker has a fix inside the origin
 * geofence and a later (or same-time) fix inside the destination geofence, both within
 * [windowStartMs, windowEndMs]. Fixes are taken in (atMs, frameId) order, so input order does not matter.
 */
export function matchShipmentsToGpsTrails(
  _deps: Record<string, never>,
  parameters: MatchShipmentsToGpsTrailsParameters,
): MatchShipmentsToGpsTrailsResult {
  checkUniqueIds('shipment', parameters.shipments, (shipment) => shipment.shipmentId);
  const pointsByDevice = new Map<string, GpsTrailPoint[]>();
  for (const point of parameters.gpsTrailPoints) {
    const list = pointsByDevice.get(point.deviceId) ?? [];
    list.push(point);
    pointsByDevice.set(point.deviceId, list);
  }
  for (const list of pointsByDevice.values()) list.sort((a, b) => a.atMs - b.atMs || compareText(a.frameId, b.frameId));

  const matches: ShipmentTrailMatch[] = [];
  const findings: Finding[] = [];
  const shipments = [...parameters.shipments].sort((a, b) => compareText(a.shipmentId, b.shipmentId));
  for (const shipment of shipments) {
    const trail = (pointsByDevice.get(shipment.trackerDeviceId) ?? []).filter(
      (point) => point.atMs >= shipment.windowStartMs && point.atMs <= shipment.windowEndMs,
    );
    const originIndex = trail.findIndex((point) => insideGeofence(point, shipment.origin));
    const destinationIndex =
      originIndex < 0
        ? -1
        : trail.findIndex((point, index) => index >= originIndex && insideGeofence(point, shipment.destination));
    const origin = originIndex < 0 ? undefined : trail[originIndex];
    const destination = destinationIndex < 0 ? undefined : trail[destinationIndex];
    const state =
      trail.length === 0
        ? 'no_trail'
        : !origin
          ? 'origin_not_visited'
          : !destination
            ? 'destination_not_reached'
            : 'matched';
    matches.push({
      shipmentId: shipment.shipmentId,
      pointCount: trail.length,
      originFrameId: origin?.frameId,
      destinationFrameId: destination?.frameId,
      state,
    });
    if (state === 'matched') continue;
    // The whole trail in the window is the evidence: it shows where the truck was instead.
    const evidence: FindingEvidence[] = [
      { kind: 'document', id: shipment.shipmentId },
      ...trail.map((point): FindingEvidence => ({ kind: 'frame', id: point.frameId })),
    ];
    const where = `tracker ${shipment.trackerDeviceId} between ${shipment.windowStartMs} and ${shipment.windowEndMs}`;
    const type =
      state === 'no_trail'
        ? 'flow.shipment_without_trail'
        : state === 'origin_not_visited'
          ? 'flow.shipment_origin_not_visited'
          : 'flow.shipment_destination_not_reached';
    const message =
      state === 'no_trail'
        ? `Shipment ${shipment.waybillNumber} has no GPS fix from ${where}.`
        : state === 'origin_not_visited'
          ? `Shipment ${shipment.waybillNumber}: ${where} never entered the origin geofence.`
          : `Shipment ${shipment.waybillNumber}: ${where} left the origin but never reached the destination geofence.`;
    findings.push(
      makeFinding({
        type,
        severity: 'high',
        subjectIds: [shipment.shipmentId],
        message,
        evidence,
        details: { trackerDeviceId: shipment.trackerDeviceId, pointCount: trail.length },
      }),
    );
  }
  return { matches, findings: sortFindings(findings) };
}
