import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { distanceMetres, matchShipmentsToGpsTrails } from './match-shipments-to-gps-trails.ts';
import type { GpsTrailPoint, Shipment } from './records.ts';

const hour = 3_600_000;
const t0 = 1_767_225_600_000;
// Origin near Ningbo port, destination in Hangzhou; fences of 1 km.
const origin = { lat: 29.87, lon: 121.55, radiusMetres: 1_000 };
const destination = { lat: 30.27, lon: 120.15, radiusMetres: 1_000 };
const shipment: Shipment = {
  shipmentId: 'sh-1',
  waybillNumber: 'WB-001',
  shipperOrganisationId: 'seller',
  consigneeOrganisationId: 'buyer',
  carrierOrganisationId: 'carrier',
  trackerDeviceId: 'gps-truck-7',
  origin,
  destination,
  windowStartMs: t0,
  windowEndMs: t0 + 12 * hour,
  lines: [{ lineNumber: 1, itemCode: 'STEEL-COIL', quantity: 20_000, unit: 'kg' }],
};
const point = (
  frameId: string,
  atMs: number,
  at: { lat: number; lon: number },
  deviceId = 'gps-truck-7',
): GpsTrailPoint => ({
  frameId,
  deviceId,
  atMs,
  lat: at.lat,
  lon: at.lon,
});
const midway = { lat: 30.05, lon: 120.9 };

describe('distanceMetres', () => {
  it('gives one degree of latitude as 2π × 6,371,008.8 / 360 = 111,195.08 m', () => {
    expect(distanceMetres({ lat: 0, lon: 0 }, { lat: 1, lon: 0 })).toBeCloseTo(111_195.08, 1);
  });
});

describe('matchShipmentsToGpsTrails', () => {
  it('matches a trail that leaves the origin fence and later enters the destination fence', () => {
    const result = matchShipmentsToGpsTrails(
      {},
      {
        shipments: [shipment],
        gpsTrailPoints: [
          point('f3', t0 + 5 * hour, { lat: 30.2705, lon: 120.1505 }), // ~70 m from the destination centre
          point('f1', t0 + hour, { lat: 29.8705, lon: 121.5505 }),
          point('f2', t0 + 3 * hour, midway),
          point('other', t0 + 2 * hour, destination, 'gps-truck-9'), // another truck
        ],
      },
    );
    expect(result.findings).toEqual([]);
    expect(result.matches).toEqual([
      { shipmentId: 'sh-1', pointCount: 3, originFrameId: 'f1', destinationFrameId: 'f3', state: 'matched' },
    ]);
  });

  it('flags a shipment with no fix in its window (a fix one ms after the window does not count)', () => {
    const result = matchShipmentsToGpsTrails(
      {},
      { shipments: [shipment], gpsTrailPoints: [point('late', t0 + 12 * hour + 1, destination)] },
    );
    expect(result.findings.map((finding) => finding.type)).toEqual(['flow.shipment_without_trail']);
    expect(result.findings[0]?.evidence).toEqual([{ kind: 'document', id: 'sh-1' }]);
  });

  it('flags a truck that never came to the origin, citing its whole trail', () => {
    const result = matchShipmentsToGpsTrails(
      {},
      {
        shipments: [shipment],
        gpsTrailPoints: [point('f1', t0 + hour, midway), point('f2', t0 + 2 * hour, destination)],
      },
    );
    expect(result.findings.map((finding) => finding.type)).toEqual(['flow.shipment_origin_not_visited']);
    expect(result.findings[0]?.evidence.map((item) => item.id)).toEqual(['sh-1', 'f1', 'f2']);
  });

  it('flags a truck that reached the destination only before it was at the origin', () => {
    const result = matchShipmentsToGpsTrails(
      {},
      {
        shipments: [shipment],
        gpsTrailPoints: [point('f1', t0 + hour, destination), point('f2', t0 + 2 * hour, origin)],
      },
    );
    expect(result.matches[0]?.state).toBe('destination_not_reached');
    expect(result.findings.map((finding) => finding.type)).toEqual(['flow.shipment_destination_not_reached']);
  });

  it('treats a fix 1,100 m from the centre of a 1 km fence as outside (0.01° of latitude ≈ 1,112 m)', () => {
    const result = matchShipmentsToGpsTrails(
      {},
      {
        shipments: [shipment],
        gpsTrailPoints: [point('f1', t0 + hour, { lat: 29.88, lon: 121.55 }), point('f2', t0 + 2 * hour, destination)],
      },
    );
    expect(result.matches[0]?.state).toBe('origin_not_visited');
  });

  it('does not depend on the order of shipments or fixes (property)', () => {
    const second: Shipment = {
      ...shipment,
      shipmentId: 'sh-2',
      waybillNumber: 'WB-002',
      trackerDeviceId: 'gps-truck-9',
    };
    const points = [
      point('f1', t0 + hour, origin),
      point('f2', t0 + 2 * hour, midway),
      point('f3', t0 + 3 * hour, destination),
      point('g1', t0 + hour, destination, 'gps-truck-9'),
      point('g2', t0 + hour, origin, 'gps-truck-9'), // same time as g1: frame id decides the order
    ];
    const baseline = matchShipmentsToGpsTrails({}, { shipments: [shipment, second], gpsTrailPoints: points });
    expect(baseline.matches.map((match) => match.state)).toEqual(['matched', 'destination_not_reached']);
    fc.assert(
      fc.property(
        fc.shuffledSubarray([shipment, second], { minLength: 2 }),
        fc.shuffledSubarray(points, { minLength: points.length }),
        (shipments, gpsTrailPoints) => {
          expect(matchShipmentsToGpsTrails({}, { shipments, gpsTrailPoints })).toEqual(baseline);
        },
      ),
    );
  });
});
