// Supply-chain graph: parties and their relationships as an ECharts graph. Control ties (owns
// shares of, directs, shares an address, guarantees) are drawn as related-party links; the rings
// of a circular trade the platform found are drawn in red, node to node in the ring's order.
import { useQuery } from '@tanstack/react-query';
import { useApi } from '../api/use-api.ts';
import { Chart } from '../components/chart.tsx';
import { queryState } from '../components/query-state.tsx';
import { useI18n } from '../i18n.tsx';

/** Relationship types that make two parties related (control, not trade). */
const relatedTypes = new Set(['owns_shares_of', 'directs', 'shares_address_with', 'guarantees', 'holds_account']);

const categoryColours = ['#0b4f8a', '#5b3c88', '#00696b', '#4a4a4a', '#b00020'];

/** The Graph tab. */
export function GraphPage() {
  const api = useApi();
  const { t } = useI18n();
  const graph = useQuery({ queryKey: ['parties'], queryFn: api.parties });
  const findings = useQuery({ queryKey: ['findings'], queryFn: () => api.findings() });
  const waiting = queryState(graph, t('loading'));
  if (waiting) return waiting;
  if (!graph.data) return null;
  const rings = (findings.data?.circularTrades ?? []).map((finding) => finding.subjectIds);
  const inRing = new Set(rings.flat());
  const related = graph.data.relationships.filter((relationship) => relatedTypes.has(relationship.type));
  const relatedIds = new Set(related.flatMap((relationship) => [relationship.fromPartyId, relationship.toPartyId]));
  const categories = [
    { name: t('partyOrganisation') },
    { name: t('partyPerson') },
    { name: t('partyAddress') },
    { name: t('partyAccount') },
    { name: t('circularTrade') },
  ];
  const kindIndex: Record<string, number> = { organisation: 0, person: 1, address: 2, account: 3 };
  const nodes = graph.data.parties.map((party) => ({
    id: party.partyId,
    name: party.name ?? party.text ?? party.partyId,
    category: inRing.has(party.partyId) ? 4 : (kindIndex[party.kind] ?? 0),
    symbolSize: party.kind === 'organisation' ? 36 : 20,
    itemStyle: relatedIds.has(party.partyId) ? { borderColor: '#8a5a00', borderWidth: 3 } : undefined,
  }));
  const links = [
    ...graph.data.relationships.map((relationship) => ({
      source: relationship.fromPartyId,
      target: relationship.toPartyId,
      value: relationship.type,
      lineStyle: relatedTypes.has(relationship.type)
        ? { color: '#8a5a00', width: 2, type: 'dashed' as const }
        : { color: '#6b6b6b', width: 1 },
    })),
    ...rings.flatMap((ring) =>
      ring.map((from, index) => ({
        source: from,
        target: ring[(index + 1) % ring.length] ?? from,
        value: t('circularTrade'),
        lineStyle: { color: '#b00020', width: 3, curveness: 0.2 },
      })),
    ),
  ];
  return (
    <div className="page">
      <h2>{t('graphHeading')}</h2>
      <Chart
        label={t('graphHeading')}
        testId="chart-graph"
        height={560}
        option={{
          tooltip: {},
          legend: { top: 0, data: categories.map((category) => category.name) },
          series: [
            {
              type: 'graph',
              layout: 'force',
              roam: true,
              draggable: true,
              force: { repulsion: 260, edgeLength: 110 },
              label: { show: true, position: 'right', color: '#1a1a1a' },
              edgeSymbol: ['none', 'arrow'],
              edgeLabel: { show: false },
              categories: categories.map((category, index) => ({
                ...category,
                itemStyle: { color: categoryColours[index] },
              })),
              data: nodes,
              links,
            },
          ],
        }}
      />
      <div className="grid-2">
        <section aria-labelledby="rings">
          <h3 id="rings">{t('circularTrades')}</h3>
          {rings.length === 0 ? (
            <p>{t('noFindings')}</p>
          ) : (
            <ul data-testid="circular-trades">
              {rings.map((ring) => (
                <li key={ring.join('>')} className="fail">
                  {[...ring, ring[0]].join(' → ')}
                </li>
              ))}
            </ul>
          )}
        </section>
        <section aria-labelledby="related">
          <h3 id="related">{t('relatedParties')}</h3>
          <ul data-testid="related-parties">
            {related.map((relationship) => (
              <li key={relationship.relationshipId}>
                {relationship.fromPartyId} — <span className="mono">{relationship.type}</span> →{' '}
                {relationship.toPartyId}
              </li>
            ))}
          </ul>
        </section>
      </div>
    </div>
  );
}
