// Devices and edges: the registry, each device's last frame and lifecycle actions (activate,
// suspend, resume, revoke, retire, each with a reason), and each edge's heartbeat and queue depths.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { DeviceLifecycleAction } from '../api/types.ts';
import { refetchIntervalMs, useApi } from '../api/use-api.ts';
import { queryState } from '../components/query-state.tsx';
import { formatTime } from '../format.ts';
import { type MessageKey, useI18n } from '../i18n.tsx';
import { isReadOnly, useSession } from '../session.tsx';

/** Frames the page scans to find each device's last one. */
const recentFramesScanned = 500;

const lifecycleActions: { action: DeviceLifecycleAction; label: MessageKey }[] = [
  { action: 'activate', label: 'lifecycleActivate' },
  { action: 'suspend', label: 'lifecycleSuspend' },
  { action: 'resume', label: 'lifecycleResume' },
  { action: 'revoke', label: 'lifecycleRevoke' },
  { action: 'retire', label: 'lifecycleRetire' },
];

function LifecycleControls(props: { deviceId: string }) {
  const api = useApi();
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const [action, setAction] = useState<DeviceLifecycleAction>('suspend');
  const act = useMutation({
    mutationFn: () => api.deviceAction(props.deviceId, action, reason.trim()),
    onSuccess: async () => {
      setReason('');
      await queryClient.invalidateQueries({ queryKey: ['devices'] });
    },
  });
  return (
    <div className="actions">
      <label className="field inline-field">
        {`${t('lifecycleAction')} ${props.deviceId}`}
        <select value={action} onChange={(event) => setAction(event.target.value as DeviceLifecycleAction)}>
          {lifecycleActions.map((item) => (
            <option key={item.action} value={item.action}>
              {t(item.label)}
            </option>
          ))}
        </select>
      </label>
      <label className="field inline-field">
        {`${t('reason')} ${props.deviceId}`}
        <input value={reason} onChange={(event) => setReason(event.target.value)} />
      </label>
      <button type="button" disabled={reason.trim() === '' || act.isPending} onClick={() => act.mutate()}>
        {t('apply')}
      </button>
      {act.isError && <span role="alert">{`${t('actionFailed')}: ${act.error.message}`}</span>}
      {act.isSuccess && <span role="status">✓</span>}
    </div>
  );
}

/** The Devices tab. */
export function DevicesPage() {
  const api = useApi();
  const { t, language } = useI18n();
  const { session } = useSession();
  const readOnly = session ? isReadOnly(session.user.role) : true;
  const devices = useQuery({ queryKey: ['devices'], queryFn: api.devices, refetchInterval: refetchIntervalMs });
  const edges = useQuery({ queryKey: ['edges'], queryFn: api.edges, refetchInterval: refetchIntervalMs });
  const frames = useQuery({
    queryKey: ['frames', recentFramesScanned],
    queryFn: () => api.frames({ limit: recentFramesScanned }),
    refetchInterval: refetchIntervalMs,
  });
  const edgeIds = (edges.data ?? []).map((edge) => edge.edgeId);
  const health = useQuery({
    queryKey: ['edge-health', ...edgeIds],
    queryFn: async () =>
      new Map(
        await Promise.all(
          edgeIds.map(async (edgeId) => [edgeId, await api.edgeHealth(edgeId).catch(() => undefined)] as const),
        ),
      ),
    enabled: edgeIds.length > 0,
    refetchInterval: refetchIntervalMs,
  });
  const waiting = queryState(devices, t('loading')) ?? queryState(edges, t('loading'));
  if (waiting) return waiting;
  const lastSeen = new Map<string, number>();
  for (const frame of frames.data ?? []) {
    if (!lastSeen.has(frame.deviceId)) lastSeen.set(frame.deviceId, frame.receivedAtMs);
  }
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
              <th scope="col">{t('lastSeen')}</th>
              {!readOnly && <th scope="col">{t('actions')}</th>}
            </tr>
          </thead>
          <tbody>
            {(devices.data ?? []).map((device) => {
              const seen = lastSeen.get(device.deviceId);
              return (
                <tr key={device.deviceId}>
                  <th scope="row">{device.deviceId}</th>
                  <td className="mono">{device.alg}</td>
                  <td>{device.edgeId}</td>
                  <td>{device.lastSeq ?? t('none')}</td>
                  <td>{seen === undefined ? t('none') : formatTime(seen, language)}</td>
                  {!readOnly && (
                    <td>
                      <LifecycleControls deviceId={device.deviceId} />
                    </td>
                  )}
                </tr>
              );
            })}
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
              <th scope="col">{t('edgeOnline')}</th>
              <th scope="col">{t('lastHeartbeat')}</th>
              <th scope="col">{t('queueFrames')}</th>
              <th scope="col">{t('queueBatches')}</th>
            </tr>
          </thead>
          <tbody>
            {(edges.data ?? []).map((edge) => {
              const item = health.data?.get(edge.edgeId);
              return (
                <tr key={edge.edgeId}>
                  <th scope="row">{edge.edgeId}</th>
                  <td className="mono">{edge.alg}</td>
                  <td>{edge.lastBatchSeq ?? t('none')}</td>
                  <td className={item?.online ? 'pass' : 'fail'}>
                    {item === undefined ? t('none') : item.online ? `✓ ${t('yes')}` : `✗ ${t('no')}`}
                  </td>
                  <td>{item?.lastHeartbeatAtMs ? formatTime(item.lastHeartbeatAtMs, language) : t('none')}</td>
                  <td>{item?.heartbeat?.queueFrames ?? t('none')}</td>
                  <td>{item?.heartbeat?.queueBatches ?? t('none')}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
    </div>
  );
}
