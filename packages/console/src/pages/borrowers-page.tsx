// Borrowers and the borrower 360: credit dimensions with the reasons behind every point, the four
// flows (commercial, logistics, capital, information) on one timeline, the IoT operating charts
// (stock on the load cells under its lots, power drawn), its lots, loans, findings and alerts.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { BorrowerView, DeviceReading } from '../api/types.ts';
import { refetchIntervalMs, useApi } from '../api/use-api.ts';
import { Chart } from '../components/chart.tsx';
import { QueryError, queryState } from '../components/query-state.tsx';
import { formatBasisPoints, formatMinor, formatTonnes } from '../format.ts';
import { type MessageKey, useI18n } from '../i18n.tsx';
import { isReadOnly, useSession } from '../session.tsx';
import { AlertCard } from './alerts-page.tsx';
import { productLabel } from './portfolio-page.tsx';

const flows = ['commercial', 'logistics', 'capital', 'information'] as const;
const flowLabel: Record<(typeof flows)[number], MessageKey> = {
  commercial: 'flowCommercial',
  logistics: 'flowLogistics',
  capital: 'flowCapital',
  information: 'flowInformation',
};
const dimensionLabel: Record<'entity' | 'asset' | 'transaction', MessageKey> = {
  entity: 'dimensionEntity',
  asset: 'dimensionAsset',
  transaction: 'dimensionTransaction',
};

/** Readings per device the operating charts draw. */
const readingsShown = 300;

/** A numeric reading series `[timeMs, value]` of one kind from a device's frames. */
export function readingSeries(readings: readonly DeviceReading[], kind: string): [number, number][] {
  const points: [number, number][] = [];
  for (const frame of readings) {
    const reading = frame.readings.find((each) => each.kind === kind);
    if (typeof reading?.value === 'number') points.push([frame.deviceTimeMs, reading.value]);
  }
  return points;
}

/** Readings of several devices at once, keyed by device id. */
export function useDeviceReadings(deviceIds: readonly string[]) {
  const api = useApi();
  return useQuery({
    queryKey: ['readings', ...deviceIds],
    queryFn: async () =>
      new Map(
        await Promise.all(
          deviceIds.map(async (deviceId) => [deviceId, await api.deviceReadings(deviceId, readingsShown)] as const),
        ),
      ),
    refetchInterval: refetchIntervalMs,
    enabled: deviceIds.length > 0,
  });
}

function OperatingCharts(props: { stockDeviceIds: string[]; powerDeviceIds: string[] }) {
  const { t } = useI18n();
  const stock = useDeviceReadings(props.stockDeviceIds);
  const power = useDeviceReadings(props.powerDeviceIds);
  const line = (data: Map<string, DeviceReading[]> | undefined, kind: string, unit: string) => ({
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 64, right: 24, top: 32, bottom: 40 },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', name: unit, scale: true },
    series: [...(data?.entries() ?? [])].map(([deviceId, readings]) => ({
      name: deviceId,
      type: 'line',
      showSymbol: false,
      data: readingSeries(readings, kind),
    })),
  });
  // The device data behind the charts is the enterprise's: without its consent the bank is refused.
  const refused = stock.isError ? stock.error : power.isError ? power.error : undefined;
  if (refused !== undefined) return <QueryError error={refused} />;
  return (
    <div className="grid-2">
      <section aria-labelledby="stock-chart">
        <h3 id="stock-chart">{t('stockChart')}</h3>
        <Chart label={t('stockChart')} option={line(stock.data, 'weight', 'kg')} testId="chart-stock" />
      </section>
      <section aria-labelledby="power-chart">
        <h3 id="power-chart">{t('powerChart')}</h3>
        <Chart label={t('powerChart')} option={line(power.data, 'power', 'kW')} testId="chart-power" />
      </section>
    </div>
  );
}

function Borrower360(props: { view: BorrowerView }) {
  const { t, language } = useI18n();
  const { session } = useSession();
  const api = useApi();
  const devices = useQuery({ queryKey: ['devices'], queryFn: api.devices });
  const { view } = props;
  // The demo links power meters to no lot; every registered meter is the site's operating signal.
  const powerDeviceIds = (devices.data ?? [])
    .map((device) => device.deviceId)
    .filter((id) => id.startsWith('power-meter'));
  const dimensions = (['entity', 'asset', 'transaction'] as const).map((dimension) => ({
    dimension,
    ...view.credit.dimensions[dimension],
  }));
  return (
    <div data-testid="borrower-360">
      <h2>
        {view.party.name ?? view.party.partyId} <span className="mono">({view.party.partyId})</span>
      </h2>
      <dl className="figures">
        <div>
          <dt>{t('creditScore')}</dt>
          <dd data-testid="credit-score">{view.credit.score}</dd>
        </div>
        <div>
          <dt>{t('creditGrade')}</dt>
          <dd>{view.credit.grade}</dd>
        </div>
        <div>
          <dt>{t('probabilityOfDefault')}</dt>
          <dd>{formatBasisPoints(view.credit.probabilityOfDefaultBasisPoints)}</dd>
        </div>
        <div>
          <dt>{t('openAlerts')}</dt>
          <dd>{view.alerts.filter((alert) => alert.state !== 'resolved').length}</dd>
        </div>
      </dl>
      <div className="grid-2">
        <section aria-labelledby="dimensions">
          <h3 id="dimensions">{t('creditDimensions')}</h3>
          <Chart
            label={t('creditDimensions')}
            testId="chart-dimensions"
            option={{
              tooltip: { trigger: 'axis' },
              legend: { top: 0 },
              grid: { left: 100, right: 24, top: 32, bottom: 32 },
              xAxis: { type: 'value' },
              yAxis: { type: 'category', data: dimensions.map((item) => t(dimensionLabel[item.dimension])) },
              series: [
                { name: t('points'), type: 'bar', data: dimensions.map((item) => item.points) },
                { name: t('maxPoints'), type: 'bar', data: dimensions.map((item) => item.maxPoints) },
              ],
            }}
          />
        </section>
        <section aria-labelledby="reasons">
          <h3 id="reasons">{t('creditReasons')}</h3>
          <table data-testid="credit-reasons">
            <thead>
              <tr>
                <th scope="col">{t('dimension')}</th>
                <th scope="col">{t('reason')}</th>
                <th scope="col">{t('points')}</th>
              </tr>
            </thead>
            <tbody>
              {view.credit.contributions.map((item) => (
                <tr key={item.feature}>
                  <td>{t(dimensionLabel[item.dimension])}</td>
                  <td>
                    <span className="mono">{item.reasonCode}</span> {item.reasonText}
                  </td>
                  <td>
                    {item.points} / {item.maxPoints}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
      <section aria-labelledby="timeline">
        <h3 id="timeline">{t('fourFlows')}</h3>
        <Chart
          label={t('fourFlows')}
          testId="chart-timeline"
          height={240}
          option={{
            tooltip: { trigger: 'item', formatter: '{c}' },
            grid: { left: 120, right: 24, top: 16, bottom: 40 },
            xAxis: { type: 'time' },
            yAxis: { type: 'category', data: flows.map((flow) => t(flowLabel[flow])) },
            series: flows.map((flow) => ({
              name: t(flowLabel[flow]),
              type: 'scatter',
              symbolSize: 10,
              data: view.timeline
                .filter((item) => item.flow === flow)
                .map((item) => ({ value: [item.atMs, t(flowLabel[flow]), item.recordId] })),
            })),
          }}
        />
        <p>
          {flows
            .map((flow) => `${t(flowLabel[flow])}: ${view.timeline.filter((item) => item.flow === flow).length}`)
            .join(' · ')}
        </p>
      </section>
      <OperatingCharts stockDeviceIds={view.deviceIds} powerDeviceIds={powerDeviceIds} />
      <section aria-labelledby="borrower-lots">
        <h3 id="borrower-lots">{t('lotsAndLoans')}</h3>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('loan')}</th>
              <th scope="col">{t('product')}</th>
              <th scope="col">{t('principal')}</th>
              <th scope="col">{t('loanState')}</th>
            </tr>
          </thead>
          <tbody>
            {view.loans.map((loan) => (
              <tr key={loan.loanId}>
                <th scope="row">{loan.loanId}</th>
                <td>{t(productLabel[loan.product] ?? 'none')}</td>
                <td>{formatMinor(loan.principalMinor, loan.currency, language)}</td>
                <td>{loan.state}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('lot')}</th>
              <th scope="col">{t('site')}</th>
              <th scope="col">{t('pledgedQuantity')}</th>
              <th scope="col">{t('ltv')}</th>
            </tr>
          </thead>
          <tbody>
            {view.lots.map((valued) => (
              <tr key={valued.lot.lotId}>
                <th scope="row">{valued.lot.lotId}</th>
                <td>{valued.lot.siteId}</td>
                <td>{formatTonnes(valued.lot.quantityGrams, language)}</td>
                <td>{formatBasisPoints(valued.valuation?.ltvBasisPoints ?? null)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="findings">
        <h3 id="findings">{t('findings')}</h3>
        <ul data-testid="findings">
          {[...view.findings.reconciliation, ...view.findings.circularTrades].map((finding) => (
            <li key={finding.findingId}>
              <span className="mono">{finding.type}</span> {finding.message}
            </li>
          ))}
          {view.findings.relatedParties.map((related) => (
            <li key={`related-${related.partyId}`}>
              {t('relatedParty')}: {related.partyId} ({t('depth')} {related.depth})
            </li>
          ))}
        </ul>
        {view.findings.reconciliation.length +
          view.findings.circularTrades.length +
          view.findings.relatedParties.length ===
          0 && <p>{t('noFindings')}</p>}
      </section>
      <section aria-labelledby="borrower-alerts">
        <h3 id="borrower-alerts">{t('alertsHeading')}</h3>
        {view.alerts.length === 0 ? (
          <p>{t('noAlerts')}</p>
        ) : (
          <ul className="alert-list">
            {view.alerts.map((alert) => (
              <AlertCard key={alert.alertId} alert={alert} readOnly={session ? isReadOnly(session.user.role) : true} />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

/** The Borrowers tab: pick a borrower, see its 360. */
export function BorrowersPage() {
  const api = useApi();
  const { t } = useI18n();
  const loans = useQuery({ queryKey: ['loans'], queryFn: api.loans, refetchInterval: refetchIntervalMs });
  const [selected, setSelected] = useState<string | undefined>();
  const borrowerIds = [...new Set((loans.data ?? []).map((loan) => loan.borrowerId))].sort();
  const current = selected ?? borrowerIds[0];
  const view = useQuery({
    queryKey: ['borrower', current],
    queryFn: () => api.borrower(current ?? ''),
    enabled: current !== undefined,
    refetchInterval: refetchIntervalMs,
  });
  const waiting = queryState(loans, t('loading'));
  if (waiting) return waiting;
  return (
    <div className="page split">
      <nav aria-label={t('borrowers')} className="side-list">
        <h2>{t('borrowers')}</h2>
        <ul>
          {borrowerIds.map((id) => (
            <li key={id}>
              <button
                type="button"
                className={id === current ? 'link selected' : 'link'}
                aria-current={id === current ? 'true' : undefined}
                onClick={() => setSelected(id)}
                data-testid="borrower-link"
              >
                {id}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <div>
        {current === undefined ? (
          <p>{t('noBorrowers')}</p>
        ) : (
          (queryState(view, t('loading')) ?? (view.data && <Borrower360 view={view.data} />))
        )}
      </div>
    </div>
  );
}
