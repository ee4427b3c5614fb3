// Devices: the registered devices and edges.
import { useQuery } from '@tanstack/react-query';
import { refetchIntervalMs, useApi } from '../api/use-api.ts';
import { useI18n } from '../i18n.tsx';

/** The Devices tab. */
export function DevicesPage() {
  const api = useApi();
  const { t } = useI18n();
  const devices = useQuery({ queryKey: ['devices'], queryFn: api.devices, refetchInterval: refetchIntervalMs });
  const edges = useQuery({ queryKey: ['edges'], queryFn: api.edges, refetchInterval: refetchIntervalMs });
  if (devices.isPending || edges.isPending) return <p>{t('loading')}</p>;
  if (devices.isError) return <p role="alert">{`${t('loadFailed')}: ${devices.error.message}`}</p>;
  if (edges.isError) return <p role="alert">{`${t('loadFailed')}: ${edges.error.message}`}</p>;
  return (
    <div className="page">
      <section aria-labelledby="devices-heading">
        <h2 id="devices-heading">{t('devicesHeading')}</h2>
        <table data-testid="devices">
          <thead>
            <tr>
              <th scope="col">{t('device')}</th>
              <th scope="col">{t('algorithm')}</th>
              <th scope="col">{t('edge')}</th>
              <th scope="col">{t('lastSeq')}</th>
            </tr>
          </thead>
          <tbody>
            {devices.data.map((device) => (
              <tr key={device.deviceId}>
                <th scope="row">{device.deviceId}</th>
                <td className="mono">{device.alg}</td>
                <td>{device.edgeId}</td>
                <td>{device.lastSeq ?? t('none')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="edges-heading">
        <h2 id="edges-heading">{t('edgesHeading')}</h2>
        <table data-testid="edges">
          <thead>
            <tr>
              <th scope="col">{t('edge')}</th>
              <th scope="col">{t('algorithm')}</th>
              <th scope="col">{t('lastBatchSeq')}</th>
            </tr>
          </thead>
          <tbody>
            {edges.data.map((edge) => (
              <tr key={edge.edgeId}>
                <th scope="row">{edge.edgeId}</th>
                <td className="mono">{edge.alg}</td>
                <td>{edge.lastBatchSeq ?? t('none')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
