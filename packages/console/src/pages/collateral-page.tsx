// Collateral live: per site, the stock the load cells measure against the quantity pledged, the
// health of the monitoring devices, a site plan and the trucks' GPS trails, drawn in SVG from the
// readings alone (no map tiles: nothing leaves the cloud's origin).
import { useQuery } from '@tanstack/react-query';
import type { DeviceReading, LotValuationView } from '../api/types.ts';
import { refetchIntervalMs, useApi } from '../api/use-api.ts';
import { Chart } from '../components/chart.tsx';
import { queryState } from '../components/query-state.tsx';
import { formatBasisPoints, formatTime, formatTonnes } from '../format.ts';
import { useI18n } from '../i18n.tsx';
import { readingSeries, useDeviceReadings } from './borrowers-page.tsx';

/** A device is healthy if it sent a frame within this long, ms. */
const silentAfterMs = 60_000;

const lineColour: Record<string, string> = {
  normal: '#1b6e20',
  warning: '#8a5a00',
  top_up: '#b35900',
  forced_sale: '#b00020',
};

function SitePlan(props: { lots: LotValuationView[]; readings: Map<string, DeviceReading[]> | undefined }) {
  const { t, language } = useI18n();
  const width = 640;
  const bayWidth = width / Math.max(props.lots.length, 1);
  return (
    <svg
      viewBox={`0 0 ${width} 180`}
      role="img"
      aria-label={t('sitePlan')}
      className="site-plan"
      data-testid="site-plan"
    >
      <rect x={2} y={2} width={width - 4} height={176} fill="#f5f5f5" stroke="#4a4a4a" strokeWidth={2} />
      {props.lots.map((valued, index) => {
        const x = index * bayWidth + 12;
        const colour = lineColour[valued.valuation?.line ?? 'normal'] ?? '#4a4a4a';
        return (
          <g key={valued.lot.lotId}>
            <rect x={x} y={20} width={bayWidth - 24} height={140} fill="#ffffff" stroke={colour} strokeWidth={3} />
            <text x={x + 8} y={42} fill="#1a1a1a" fontSize={14}>
              {valued.lot.siteId} · {valued.lot.lotId}
            </text>
            <text x={x + 8} y={64} fill="#1a1a1a" fontSize={13}>
              {t('pledgedQuantity')}: {formatTonnes(valued.lot.quantityGrams, language)}
            </text>
            <text x={x + 8} y={86} fill={colour} fontSize={13}>
              {t('ltv')}: {formatBasisPoints(valued.valuation?.ltvBasisPoints ?? null)}
            </text>
            {valued.lot.monitoringDeviceIds.map((deviceId, deviceIndex) => {
              const last = props.readings?.get(deviceId)?.at(-1);
              const healthy = last !== undefined && Date.now() - last.deviceTimeMs < silentAfterMs;
              return (
                <g key={deviceId}>
                  <circle
                    cx={x + 20 + deviceIndex * 40}
                    cy={130}
                    r={10}
                    fill={healthy ? '#1b6e20' : '#b00020'}
                    stroke="#1a1a1a"
                  />
                  <text x={x + 36 + deviceIndex * 40} y={134} fontSize={12} fill="#1a1a1a">
                    {deviceId}
                  </text>
                </g>
              );
            })}
          </g>
        );
      })}
    </svg>
  );
}

/** Project GPS points to an SVG box, keeping the aspect of the trail's extent. */
export function projectTrail(points: readonly [number, number][], width: number, height: number): string {
  if (points.length === 0) return '';
  const latitudes = points.map((point) => point[0]);
  const longitudes = points.map((point) => point[1]);
  const [latMin, latMax] = [Math.min(...latitudes), Math.max(...latitudes)];
  const [lonMin, lonMax] = [Math.min(...longitudes), Math.max(...longitudes)];
  const span = Math.max(latMax - latMin, lonMax - lonMin, 1e-6);
  return points
    .map(([lat, lon]) => {
      const x = 16 + ((lon - lonMin) / span) * (width - 32);
      const y = height - 16 - ((lat - latMin) / span) * (height - 32);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
}

function TruckTrails(props: { readings: Map<string, DeviceReading[]> | undefined }) {
  const { t } = useI18n();
  const trails = [...(props.readings?.entries() ?? [])].map(([deviceId, readings]) => {
    const points: [number, number][] = [];
    for (const frame of readings) {
      const lat = frame.readings.find((reading) => reading.kind === 'gps.lat')?.value;
      const lon = frame.readings.find((reading) => reading.kind === 'gps.lon')?.value;
      if (typeof lat === 'number' && typeof lon === 'number') points.push([lat, lon]);
    }
    return { deviceId, points };
  });
  const colours = ['#0b4f8a', '#5b3c88', '#00696b', '#8a5a00'];
  return (
    <svg viewBox="0 0 640 300" role="img" aria-label={t('truckTrail')} className="trail" data-testid="truck-trail">
      <rect x={1} y={1} width={638} height={298} fill="#fbfbfb" stroke="#c8c8c8" />
      {trails.map((trail, index) => {
        const path = projectTrail(trail.points, 640, 300);
        const last = path.split(' ').at(-1)?.split(',');
        return (
          <g key={trail.deviceId}>
            <polyline points={path} fill="none" stroke={colours[index % colours.length]} strokeWidth={3} />
            {last && last.length === 2 && (
              <>
                <circle cx={Number(last[0])} cy={Number(last[1])} r={7} fill={colours[index % colours.length]} />
                <text x={Number(last[0]) + 10} y={Number(last[1]) - 8} fontSize={13} fill="#1a1a1a">
                  {trail.deviceId}
                </text>
              </>
            )}
          </g>
        );
      })}
    </svg>
  );
}

/** The Collateral tab. */
export function CollateralPage() {
  const api = useApi();
  const { t, language } = useI18n();
  const lots = useQuery({ queryKey: ['lots'], queryFn: api.lots, refetchInterval: refetchIntervalMs });
  const devices = useQuery({ queryKey: ['devices'], queryFn: api.devices, refetchInterval: refetchIntervalMs });
  const pledged = (lots.data ?? []).filter((valued) => valued.lot.status === 'pledged');
  const monitoring = [...new Set(pledged.flatMap((valued) => valued.lot.monitoringDeviceIds))];
  const trackers = (devices.data ?? []).map((device) => device.deviceId).filter((id) => id.startsWith('gps-tracker'));
  const stock = useDeviceReadings(monitoring);
  const trails = useDeviceReadings(trackers);
  const waiting = queryState(lots, t('loading'));
  if (waiting) return waiting;
  return (
    <div className="page">
      <h2>{t('collateralHeading')}</h2>
      <SitePlan lots={pledged} readings={stock.data} />
      <p className="legend">{t('sitePlanLegend')}</p>
      <div className="grid-2">
        {pledged.map((valued) => {
          const measured = valued.lot.monitoringDeviceIds.flatMap((deviceId) =>
            readingSeries(stock.data?.get(deviceId) ?? [], 'weight').map(
              ([timeMs, kilograms]) => [timeMs, kilograms / 1_000] as [number, number],
            ),
          );
          const pledgedTonnes = Number(BigInt(valued.lot.quantityGrams) / 1_000n) / 1_000;
          const first = measured[0]?.[0] ?? Date.now() - 60_000;
          const last = measured.at(-1)?.[0] ?? Date.now();
          return (
            <section key={valued.lot.lotId} aria-labelledby={`lot-${valued.lot.lotId}`}>
              <h3 id={`lot-${valued.lot.lotId}`}>
                {valued.lot.siteId} · {valued.lot.lotId}
              </h3>
              <Chart
                label={`${t('measuredVsPledged')} ${valued.lot.lotId}`}
                testId="chart-measured"
                option={{
                  tooltip: { trigger: 'axis' },
                  legend: { top: 0 },
                  grid: { left: 56, right: 24, top: 32, bottom: 40 },
                  xAxis: { type: 'time' },
                  yAxis: { type: 'value', name: 't', scale: true },
                  series: [
                    { name: t('measured'), type: 'line', showSymbol: false, data: measured },
                    {
                      name: t('pledged'),
                      type: 'line',
                      showSymbol: false,
                      lineStyle: { type: 'dashed' },
                      data: [
                        [first, pledgedTonnes],
                        [last, pledgedTonnes],
                      ],
                    },
                  ],
                }}
              />
            </section>
          );
        })}
      </div>
      <section aria-labelledby="device-health">
        <h3 id="device-health">{t('deviceHealth')}</h3>
        <table data-testid="device-health">
          <thead>
            <tr>
              <th scope="col">{t('device')}</th>
              <th scope="col">{t('lastSeen')}</th>
              <th scope="col">{t('tamper')}</th>
              <th scope="col">{t('health')}</th>
            </tr>
          </thead>
          <tbody>
            {monitoring.map((deviceId) => {
              const last = stock.data?.get(deviceId)?.at(-1);
              const tamper = last?.readings.find((reading) => reading.kind === 'tamper')?.value === true;
              const healthy = last !== undefined && Date.now() - last.deviceTimeMs < silentAfterMs && !tamper;
              return (
                <tr key={deviceId}>
                  <th scope="row">{deviceId}</th>
                  <td>{last ? formatTime(last.deviceTimeMs, language) : t('none')}</td>
                  <td>{tamper ? t('yes') : t('no')}</td>
                  <td className={healthy ? 'pass' : 'fail'}>{healthy ? `✓ ${t('healthy')}` : `✗ ${t('unhealthy')}`}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="trail-heading">
        <h3 id="trail-heading">{t('truckTrail')}</h3>
        <TruckTrails readings={trails.data} />
      </section>
    </div>
  );
}
