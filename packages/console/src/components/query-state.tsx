// How a page shows a read that is loading or failed. A bank read refused for want of the
// enterprise's consent (403 consent_missing) is a normal state, not a crash: it says so plainly.
import { ApiError } from '../api/client.ts';
import { useI18n } from '../i18n.tsx';

/** Whether an error is the cloud's "no consent" refusal. */
export function isConsentMissing(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'consent_missing';
}

/** A failed read: the no-consent notice, or the error's message. */
export function QueryError(props: { error: unknown }) {
  const { t } = useI18n();
  if (isConsentMissing(props.error)) {
    return (
      <div className="notice" role="alert" data-testid="consent-missing">
        <strong>{t('consentMissingTitle')}</strong>
        <p>{t('consentMissingBody')}</p>
      </div>
    );
  }
  const message = props.error instanceof Error ? props.error.message : String(props.error);
  return <p role="alert">{`${t('loadFailed')}: ${message}`}</p>;
}

/** A read's pending or failed state, or undefined when its data is there. */
export function queryState(query: { isPending: boolean; isError: boolean; error: unknown }, loading: string) {
  if (query.isPending) return <p aria-live="polite">{loading}</p>;
  if (query.isError) return <QueryError error={query.error} />;
  return undefined;
}
