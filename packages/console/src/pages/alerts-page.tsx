// Alerts inbox: unresolved alerts worst first, each with its lifecycle actions (acknowledge,
// assign, note, resolve) and its evidence; Verify runs the ledger's proof verifier in this
// browser on every frame the alert cites and shows each check.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { Alert, Severity } from '../api/types.ts';
import { refetchIntervalMs, useApi } from '../api/use-api.ts';
import { queryState } from '../components/query-state.tsx';
import { formatTime } from '../format.ts';
import { type MessageKey, useI18n } from '../i18n.tsx';
import { isReadOnly, useSession } from '../session.tsx';
import { type Verification, VerificationView, verifyFrameInBrowser } from './frames-page.tsx';

/** Severities worst first. */
const severities: Severity[] = ['critical', 'high', 'medium', 'low'];
const severityRank: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** Most frames one Verify click checks (an alert may cite a long trail). */
const framesVerifiedMax = 10;

/** The label key of a severity. */
export const severityLabel: Record<Severity, MessageKey> = {
  critical: 'severityCritical',
  high: 'severityHigh',
  medium: 'severityMedium',
  low: 'severityLow',
};

type StateFilter = 'unresolved' | 'open' | 'acknowledged' | 'resolved';

function EvidenceView(props: { alert: Alert }) {
  const api = useApi();
  const { t } = useI18n();
  const frames = props.alert.evidence.filter((item) => item.kind === 'frame').slice(0, framesVerifiedMax);
  const [results, setResults] = useState<{ frameId: string; verification: Verification }[]>([]);
  const verify = async () => {
    setResults(frames.map((frame) => ({ frameId: frame.id, verification: { state: 'running' } })));
    const done = await Promise.all(
      frames.map(async (frame): Promise<{ frameId: string; verification: Verification }> => {
        try {
          return {
            frameId: frame.id,
            verification: { state: 'done', result: await verifyFrameInBrowser(api, frame.id) },
          };
        } catch (error) {
          return { frameId: frame.id, verification: { state: 'failed', message: (error as Error).message } };
        }
      }),
    );
    setResults(done);
  };
  return (
    <section aria-label={t('evidence')} className="evidence">
      <h4>{t('evidence')}</h4>
      <ul className="mono">
        {props.alert.evidence.map((item) => (
          <li key={`${item.kind}:${item.id}`}>
            {item.kind}: {item.id}
          </li>
        ))}
      </ul>
      {frames.length > 0 && (
        <button
          type="button"
          onClick={() => void verify()}
          aria-label={`${t('verifyEvidence')} ${props.alert.alertId}`}
          data-testid="verify-evidence"
        >
          {t('verifyEvidence')}
        </button>
      )}
      {results.map((result) => (
        <VerificationView key={result.frameId} frameId={result.frameId} verification={result.verification} />
      ))}
    </section>
  );
}

function AlertActions(props: { alert: Alert }) {
  const api = useApi();
  const { t } = useI18n();
  const { session } = useSession();
  const queryClient = useQueryClient();
  const [assignee, setAssignee] = useState('');
  const [text, setText] = useState('');
  const actorId = session?.user.id ?? 'console';
  const act = useMutation({
    mutationFn: (input: { action: 'acknowledge' | 'assign' | 'resolve' | 'notes'; body: Record<string, string> }) =>
      api.actOnAlert(props.alert.alertId, input.action, { actorId, ...input.body }),
    onSuccess: async () => {
      setText('');
      await queryClient.invalidateQueries({ queryKey: ['alerts'] });
    },
  });
  if (props.alert.state === 'resolved') return null;
  const id = props.alert.alertId;
  return (
    <div className="actions" data-testid="alert-actions">
      {props.alert.state === 'open' && (
        <button type="button" onClick={() => act.mutate({ action: 'acknowledge', body: {} })}>
          {t('acknowledge')}
        </button>
      )}
      <label className="field inline-field">
        {t('assignee')}
        <input value={assignee} onChange={(event) => setAssignee(event.target.value)} id={`assignee-${id}`} />
      </label>
      <button
        type="button"
        disabled={assignee.trim() === ''}
        onClick={() => act.mutate({ action: 'assign', body: { assigneeId: assignee.trim() } })}
      >
        {t('assign')}
      </button>
      <label className="field inline-field">
        {t('noteOrResolution')}
        <input value={text} onChange={(event) => setText(event.target.value)} id={`note-${id}`} />
      </label>
      <button
        type="button"
        disabled={text.trim() === ''}
        onClick={() => act.mutate({ action: 'notes', body: { text: text.trim() } })}
      >
        {t('addNote')}
      </button>
      <button
        type="button"
        disabled={text.trim() === ''}
        onClick={() => act.mutate({ action: 'resolve', body: { resolution: text.trim() } })}
      >
        {t('resolve')}
      </button>
      {act.isError && <p role="alert">{`${t('actionFailed')}: ${act.error.message}`}</p>}
    </div>
  );
}

/** One alert, expandable to its details, evidence and actions. */
export function AlertCard(props: { alert: Alert; readOnly: boolean }) {
  const { t, language } = useI18n();
  const { alert } = props;
  return (
    <li className={`alert-card severity-${alert.severity}`} data-testid="alert" data-rule={alert.rule}>
      <details>
        <summary>
          <span className={`badge severity-${alert.severity}`}>{t(severityLabel[alert.severity])}</span>{' '}
          <span className="mono">{alert.rule}</span> · {alert.subjectId} · {t(`state_${alert.state}`)} — {alert.message}
        </summary>
        <dl className="pairs">
          <dt>{t('raisedAt')}</dt>
          <dd>{formatTime(alert.raisedAtMs, language)}</dd>
          <dt>{t('occurrences')}</dt>
          <dd>{alert.occurrences}</dd>
          <dt>{t('assignee')}</dt>
          <dd>{alert.assigneeId ?? t('none')}</dd>
          {Object.entries(alert.details).map(([key, value]) => [
            <dt key={`k-${key}`} className="mono">
              {key}
            </dt>,
            <dd key={`v-${key}`}>{String(value)}</dd>,
          ])}
        </dl>
        {alert.notes.length > 0 && (
          <ul>
            {alert.notes.map((note) => (
              <li key={`${note.atMs}-${note.actorId}`}>
                {note.actorId} ({formatTime(note.atMs, language)}): {note.text}
              </li>
            ))}
          </ul>
        )}
        {alert.resolution && (
          <p>
            {t('resolution')}: {alert.resolution}
          </p>
        )}
        <EvidenceView alert={alert} />
        {!props.readOnly && <AlertActions alert={alert} />}
      </details>
    </li>
  );
}

/** The Alerts tab. */
export function AlertsPage() {
  const api = useApi();
  const { t } = useI18n();
  const { session } = useSession();
  const [filter, setFilter] = useState<StateFilter>('unresolved');
  const alerts = useQuery({
    queryKey: ['alerts', filter],
    queryFn: async () => {
      if (filter !== 'unresolved') return (await api.alerts({ state: filter })).items;
      const [open, acknowledged] = await Promise.all([
        api.alerts({ state: 'open' }),
        api.alerts({ state: 'acknowledged' }),
      ]);
      return [...open.items, ...acknowledged.items];
    },
    refetchInterval: refetchIntervalMs,
  });
  const waiting = queryState(alerts, t('loading'));
  const sorted = [...(alerts.data ?? [])].sort(
    (a, b) => severityRank[a.severity] - severityRank[b.severity] || b.raisedAtMs - a.raisedAtMs,
  );
  const readOnly = session ? isReadOnly(session.user.role) : true;
  return (
    <div className="page">
      <h2>{t('alertsHeading')}</h2>
      <label className="field inline-field">
        {t('alertState')}
        <select value={filter} onChange={(event) => setFilter(event.target.value as StateFilter)}>
          <option value="unresolved">{t('state_unresolved')}</option>
          <option value="open">{t('state_open')}</option>
          <option value="acknowledged">{t('state_acknowledged')}</option>
          <option value="resolved">{t('state_resolved')}</option>
        </select>
      </label>
      {waiting ??
        (sorted.length === 0 ? (
          <p>{t('noAlerts')}</p>
        ) : (
          severities.map((severity) => {
            const group = sorted.filter((alert) => alert.severity === severity);
            if (group.length === 0) return null;
            return (
              <section key={severity} aria-labelledby={`alerts-${severity}`}>
                <h3 id={`alerts-${severity}`}>
                  {t(severityLabel[severity])} ({group.length})
                </h3>
                <ul className="alert-list" data-testid={`alerts-${severity}`}>
                  {group.map((alert) => (
                    <AlertCard key={alert.alertId} alert={alert} readOnly={readOnly} />
                  ))}
                </ul>
              </section>
            );
          })
        ))}
    </div>
  );
}
