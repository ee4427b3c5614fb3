// Portfolio (bank): exposure by product and by borrower, the LTV distribution of pledged lots,
// unresolved alerts by severity, and the log's witness and anchor status.
import { useQuery } from '@tanstack/react-query';
import type { Severity } from '../api/types.ts';
import { refetchIntervalMs, useApi } from '../api/use-api.ts';
import { Chart } from '../components/chart.tsx';
import { queryState } from '../components/query-state.tsx';
import { formatBasisPoints, formatMinor, minorToMajorNumber } from '../format.ts';
import { type MessageKey, useI18n } from '../i18n.tsx';
import { severityLabel } from './alerts-page.tsx';

/** LTV buckets of the histogram, basis points: [lower, upper). */
const ltvBuckets = [0, 3_000, 5_000, 6_500, 7_000, 8_000, 9_000, 10_000] as const;

/** The label key of a loan product. */
export const productLabel: Record<string, MessageKey> = {
  inventory_pledge: 'productInventoryPledge',
  receivables: 'productReceivables',
  order: 'productOrder',
};

/** Which bucket an LTV falls in (the last one is open above). */
function bucketOf(ltvBasisPoints: number): number {
  for (let index = ltvBuckets.length - 1; index >= 0; index -= 1) {
    if (ltvBasisPoints >= (ltvBuckets[index] ?? 0)) return index;
  }
  return 0;
}

/** The Portfolio tab. */
export function PortfolioPage() {
  const api = useApi();
  const { t, language } = useI18n();
  const portfolio = useQuery({ queryKey: ['portfolio'], queryFn: api.portfolio, refetchInterval: refetchIntervalMs });
  const waiting = queryState(portfolio, t('loading'));
  if (waiting) return waiting;
  const data = portfolio.data;
  if (!data) return null;
  const total = [...data.exposureByProduct].reduce((sum, item) => sum + BigInt(item.amountMinor), 0n);
  const bucketLabels = ltvBuckets.map((lower, index) => {
    const upper = ltvBuckets[index + 1];
    return upper === undefined ? `≥ ${lower / 100}%` : `${lower / 100}–${upper / 100}%`;
  });
  const counts = ltvBuckets.map(() => 0);
  for (const lot of data.lots) {
    if (lot.ltvBasisPoints !== null)
      counts[bucketOf(lot.ltvBasisPoints)] = (counts[bucketOf(lot.ltvBasisPoints)] ?? 0) + 1;
  }
  const severities: Severity[] = ['critical', 'high', 'medium', 'low'];
  const cosignedEnough = data.log.witnesses.filter((witness) => witness.cosignedSize >= data.log.checkpointSize).length;
  return (
    <div className="page">
      <dl className="figures">
        <div>
          <dt>{t('totalExposure')}</dt>
          <dd data-testid="total-exposure">{formatMinor(total, data.currency, language)}</dd>
        </div>
        <div>
          <dt>{t('loanCount')}</dt>
          <dd>{data.loanCount}</dd>
        </div>
        <div>
          <dt>{t('openAlerts')}</dt>
          <dd>{severities.reduce((sum, severity) => sum + data.alertsBySeverity[severity], 0)}</dd>
        </div>
        <div>
          <dt>{t('witnessStatus')}</dt>
          <dd>
            {cosignedEnough} / {data.log.witnesses.length} ({t('witnessThreshold')} {data.log.witnessThreshold})
          </dd>
        </div>
        <div>
          <dt>{t('anchorStatus')}</dt>
          <dd data-testid="anchor-status">
            {data.anchor ? `${t('anchoredSize')} ${data.anchor.anchoredSize} / ${data.log.size}` : t('anchorNone')}
          </dd>
        </div>
      </dl>
      <div className="grid-2">
        <section aria-labelledby="by-product">
          <h2 id="by-product">{t('exposureByProduct')}</h2>
          <Chart
            label={t('exposureByProduct')}
            testId="chart-product"
            option={{
              tooltip: { trigger: 'item' },
              series: [
                {
                  type: 'pie',
                  radius: ['40%', '70%'],
                  data: data.exposureByProduct.map((item) => ({
                    name: t(productLabel[item.id] ?? 'none'),
                    value: minorToMajorNumber(item.amountMinor),
                  })),
                },
              ],
            }}
          />
          <table>
            <tbody>
              {data.exposureByProduct.map((item) => (
                <tr key={item.id}>
                  <th scope="row">{t(productLabel[item.id] ?? 'none')}</th>
                  <td>{formatMinor(item.amountMinor, data.currency, language)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section aria-labelledby="by-borrower">
          <h2 id="by-borrower">{t('exposureByBorrower')}</h2>
          <Chart
            label={t('exposureByBorrower')}
            testId="chart-borrower"
            option={{
              tooltip: { trigger: 'axis' },
              grid: { left: 140, right: 24, top: 16, bottom: 32 },
              xAxis: { type: 'value' },
              yAxis: { type: 'category', data: data.exposureByBorrower.map((item) => item.id) },
              series: [
                { type: 'bar', data: data.exposureByBorrower.map((item) => minorToMajorNumber(item.amountMinor)) },
              ],
            }}
          />
        </section>
        <section aria-labelledby="ltv-histogram">
          <h2 id="ltv-histogram">{t('ltvDistribution')}</h2>
          <Chart
            label={t('ltvDistribution')}
            testId="chart-ltv"
            option={{
              tooltip: { trigger: 'axis' },
              grid: { left: 48, right: 24, top: 16, bottom: 40 },
              xAxis: { type: 'category', data: bucketLabels },
              yAxis: { type: 'value', minInterval: 1 },
              series: [{ type: 'bar', name: t('lots'), data: counts }],
            }}
          />
          <table>
            <thead>
              <tr>
                <th scope="col">{t('lot')}</th>
                <th scope="col">{t('site')}</th>
                <th scope="col">{t('ltv')}</th>
              </tr>
            </thead>
            <tbody>
              {data.lots.map((lot) => (
                <tr key={lot.lotId}>
                  <th scope="row">{lot.lotId}</th>
                  <td>{lot.siteId}</td>
                  <td>
                    {formatBasisPoints(lot.ltvBasisPoints)} {lot.line && <span className="badge">{lot.line}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section aria-labelledby="alerts-by-severity">
          <h2 id="alerts-by-severity">{t('alertsBySeverity')}</h2>
          <Chart
            label={t('alertsBySeverity')}
            testId="chart-alerts"
            option={{
              tooltip: { trigger: 'axis' },
              grid: { left: 48, right: 24, top: 16, bottom: 40 },
              xAxis: { type: 'category', data: severities.map((severity) => t(severityLabel[severity])) },
              yAxis: { type: 'value', minInterval: 1 },
              series: [
                {
                  type: 'bar',
                  data: severities.map((severity, index) => ({
                    value: data.alertsBySeverity[severity],
                    itemStyle: { color: ['#b00020', '#8a5a00', '#0b4f8a', '#4a4a4a'][index] },
                  })),
                },
              ],
            }}
          />
        </section>
      </div>
    </div>
  );
}
