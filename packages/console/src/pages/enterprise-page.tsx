// Enterprise: its sites, devices and edges, the consents it gave banks (grant, revoke) and the
// access log of who read its data. Consents and the access log are the auth API's (issue 5).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { AccessLogEntry, Consent } from '../api/types.ts';
import { refetchIntervalMs, useApi } from '../api/use-api.ts';
import { QueryError, queryState } from '../components/query-state.tsx';
import { formatTime } from '../format.ts';
import { useI18n } from '../i18n.tsx';
import { isReadOnly, useSession } from '../session.tsx';

const day = 86_400_000;

/** A consent's id, whichever field the API names it by. */
export function consentIdOf(consent: Consent): string {
  return consent.consentId ?? consent.id ?? '';
}

function whenOf(entry: AccessLogEntry): number | undefined {
  const value = entry.atMs ?? entry.readAtMs;
  return typeof value === 'number' ? value : undefined;
}

function GrantForm() {
  const api = useApi();
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [bankId, setBankId] = useState('demo-bank');
  const [siteIds, setSiteIds] = useState('');
  const [days, setDays] = useState('90');
  const grant = useMutation({
    mutationFn: () => {
      const nowMs = Date.now();
      const sites = siteIds
        .split(',')
        .map((site) => site.trim())
        .filter((site) => site !== '');
      return api.grantConsent({
        bankId: bankId.trim(),
        ...(sites.length > 0 ? { siteIds: sites } : {}),
        fromMs: nowMs - 365 * day,
        toMs: nowMs + Number.parseInt(days, 10) * day,
      });
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['consents'] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    grant.mutate();
  };
  return (
    <form onSubmit={submit} className="form-grid" aria-labelledby="grant-heading">
      <h3 id="grant-heading">{t('grantConsent')}</h3>
      <label className="field">
        {t('bank')}
        <input required value={bankId} onChange={(event) => setBankId(event.target.value)} />
      </label>
      <label className="field">
        {t('sitesCommaSeparated')}
        <input value={siteIds} onChange={(event) => setSiteIds(event.target.value)} />
      </label>
      <label className="field">
        {t('validForDays')}
        <input
          type="number"
          min={1}
          max={3650}
          required
          value={days}
          onChange={(event) => setDays(event.target.value)}
        />
      </label>
      <button type="submit" disabled={grant.isPending}>
        {t('grant')}
      </button>
      {grant.isError && <p role="alert">{`${t('actionFailed')}: ${grant.error.message}`}</p>}
    </form>
  );
}

/** The Enterprise tab. */
export function EnterprisePage() {
  const api = useApi();
  const { t, language } = useI18n();
  const { session } = useSession();
  const queryClient = useQueryClient();
  const readOnly = session ? isReadOnly(session.user.role) || session.user.role === 'enterprise_operator' : true;
  const organisationId = session?.user.organisationId;
  const lots = useQuery({ queryKey: ['lots'], queryFn: api.lots, refetchInterval: refetchIntervalMs });
  const devices = useQuery({ queryKey: ['devices'], queryFn: api.devices, refetchInterval: refetchIntervalMs });
  const edges = useQuery({ queryKey: ['edges'], queryFn: api.edges, refetchInterval: refetchIntervalMs });
  const consents = useQuery({ queryKey: ['consents'], queryFn: api.consents, refetchInterval: refetchIntervalMs });
  const accessLog = useQuery({ queryKey: ['access-log'], queryFn: api.accessLog, refetchInterval: refetchIntervalMs });
  const revoke = useMutation({
    mutationFn: (consentId: string) => api.revokeConsent(consentId),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['consents'] });
    },
  });
  const ownLots = (lots.data ?? []).filter(
    (valued) =>
      organisationId === undefined ||
      session?.user.role === 'platform_admin' ||
      valued.lot.pledgorId === organisationId,
  );
  const sites = [...new Set(ownLots.map((valued) => valued.lot.siteId))].sort();
  return (
    <div className="page">
      <h2>
        {t('enterpriseHeading')} {session?.user.organisationName ?? organisationId ?? ''}
      </h2>
      <div className="grid-2">
        <section aria-labelledby="sites-heading">
          <h3 id="sites-heading">{t('sites')}</h3>
          {queryState(lots, t('loading')) ?? (
            <ul data-testid="sites">
              {sites.map((site) => (
                <li key={site}>
                  {site}:{' '}
                  {ownLots
                    .filter((valued) => valued.lot.siteId === site)
                    .flatMap((valued) => valued.lot.monitoringDeviceIds)
                    .join(', ')}
                </li>
              ))}
            </ul>
          )}
        </section>
        <section aria-labelledby="enterprise-devices">
          <h3 id="enterprise-devices">{t('devicesAndEdges')}</h3>
          {queryState(devices, t('loading')) ?? (
            <p>
              {t('devicesHeading')}: {(devices.data ?? []).length} · {t('edgesHeading')}: {(edges.data ?? []).length}
            </p>
          )}
          <ul>
            {(edges.data ?? []).map((edge) => (
              <li key={edge.edgeId}>
                {edge.edgeId}:{' '}
                {(devices.data ?? [])
                  .filter((device) => device.edgeId === edge.edgeId)
                  .map((device) => device.deviceId)
                  .join(', ')}
              </li>
            ))}
          </ul>
        </section>
      </div>
      <section aria-labelledby="consents-heading">
        <h3 id="consents-heading">{t('consents')}</h3>
        {consents.isError ? (
          <QueryError error={consents.error} />
        ) : (
          <table data-testid="consents">
            <thead>
              <tr>
                <th scope="col">{t('bank')}</th>
                <th scope="col">{t('sites')}</th>
                <th scope="col">{t('validUntil')}</th>
                <th scope="col">{t('consentState')}</th>
                {!readOnly && <th scope="col">{t('actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {(consents.data ?? []).map((consent) => {
                const id = consentIdOf(consent);
                const revoked = Boolean(consent.revokedAtMs) || consent.state === 'revoked';
                return (
                  <tr key={id} data-testid="consent-row">
                    <th scope="row">{consent.bankId}</th>
                    <td>{consent.siteIds?.join(', ') || t('allSites')}</td>
                    <td>{formatTime(consent.toMs, language)}</td>
                    <td>{revoked ? t('consentRevoked') : t('consentActive')}</td>
                    {!readOnly && (
                      <td>
                        {!revoked && (
                          <button
                            type="button"
                            onClick={() => revoke.mutate(id)}
                            aria-label={`${t('revoke')} ${consent.bankId} ${id}`}
                          >
                            {t('revoke')}
                          </button>
                        )}
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        {revoke.isError && <p role="alert">{`${t('actionFailed')}: ${revoke.error.message}`}</p>}
        {!readOnly && <GrantForm />}
      </section>
      <section aria-labelledby="access-log-heading">
        <h3 id="access-log-heading">{t('accessLog')}</h3>
        {accessLog.isError ? (
          <QueryError error={accessLog.error} />
        ) : (
          <table data-testid="access-log">
            <thead>
              <tr>
                <th scope="col">{t('time')}</th>
                <th scope="col">{t('reader')}</th>
                <th scope="col">{t('resource')}</th>
              </tr>
            </thead>
            <tbody>
              {(accessLog.data ?? []).slice(0, 200).map((entry, index) => {
                const at = whenOf(entry);
                return (
                  <tr key={`${entry.id ?? index}`}>
                    <td>{at === undefined ? t('none') : formatTime(at, language)}</td>
                    <td>
                      {String(
                        entry.readerOrganisationId ?? entry.organisationId ?? entry.subject ?? entry.actorId ?? '',
                      )}
                    </td>
                    <td className="mono">{String(entry.resource ?? entry.route ?? entry.path ?? '')}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
