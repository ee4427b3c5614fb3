// Frames: the newest frames, each with a Verify button that fetches its proof bundle and the trust
// file and runs the ledger's proof verifier in this browser, showing every check.
import { type VerifyFrameBundleResult, verifyFrameBundle } from '@fieldproof/ledger';
import { TrustFileSchema } from '@fieldproof/protocol';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { ApiClient } from '../api/client.ts';
import { refetchIntervalMs, useApi } from '../api/use-api.ts';
import { useI18n } from '../i18n.tsx';

/** How many frames the page lists. */
const framesShown = 20;

/** The state of one frame's verification. */
export type Verification =
  | { state: 'running' }
  | { state: 'done'; result: VerifyFrameBundleResult }
  | { state: 'failed'; message: string };

/**
 * Fetch a frame's proof bundle and the trust file, and verify the bundle here.
 * The trust file is parsed first: verifyFrameBundle's precondition.
 */
export async function verifyFrameInBrowser(api: ApiClient, frameId: string): Promise<VerifyFrameBundleResult> {
  const [bundle, trust] = await Promise.all([api.frameProof(frameId), api.trust()]);
  return verifyFrameBundle(bundle, TrustFileSchema.parse(trust));
}

/** One verification: running, failed to fetch, or every check with ✓ or ✗. */
export function VerificationView(props: { frameId: string; verification: Verification }) {
  const { t } = useI18n();
  const { verification } = props;
  if (verification.state === 'running') return <p aria-live="polite">{t('verifying')}</p>;
  if (verification.state === 'failed') return <p role="alert">{`${t('loadFailed')}: ${verification.message}`}</p>;
  const { result } = verification;
  return (
    <div className="verification" data-testid={`verification-${props.frameId}`} aria-live="polite">
      <p className={result.ok ? 'pass' : 'fail'} data-testid="verification-summary">
        {result.ok ? `✓ ${t('verified')}` : `✗ ${t('notVerified')}`}
      </p>
      <table>
        <caption>{t('verifyResult')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('result')}</th>
            <th scope="col">{t('step')}</th>
            <th scope="col">{t('code')}</th>
            <th scope="col">{t('message')}</th>
          </tr>
        </thead>
        <tbody>
          {result.steps.map((step) => (
            <tr key={step.step} data-testid="verification-step" data-ok={step.ok ? 'true' : 'false'}>
              <td className={step.ok ? 'pass' : 'fail'}>{step.ok ? '✓' : '✗'}</td>
              <td className="mono">{step.step}</td>
              <td className="mono">{step.code ?? t('none')}</td>
              <td>{step.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The Frames tab. */
export function FramesPage() {
  const api = useApi();
  const { t, language } = useI18n();
  const frames = useQuery({
    queryKey: ['frames', framesShown],
    queryFn: () => api.frames({ limit: framesShown }),
    refetchInterval: refetchIntervalMs,
  });
  const [selected, setSelected] = useState<{ frameId: string; verification: Verification } | undefined>();

  const verify = async (frameId: string) => {
    setSelected({ frameId, verification: { state: 'running' } });
    try {
      const result = await verifyFrameInBrowser(api, frameId);
      setSelected({ frameId, verification: { state: 'done', result } });
    } catch (error) {
      setSelected({ frameId, verification: { state: 'failed', message: (error as Error).message } });
    }
  };

  if (frames.isPending) return <p>{t('loading')}</p>;
  if (frames.isError) return <p role="alert">{`${t('loadFailed')}: ${frames.error.message}`}</p>;
  const format = new Intl.DateTimeFormat(language, { dateStyle: 'short', timeStyle: 'medium' });
  return (
    <div className="page">
      <h2>{t('framesHeading')}</h2>
      {selected && <VerificationView frameId={selected.frameId} verification={selected.verification} />}
      {frames.data.length === 0 ? (
        <p>{t('noFrames')}</p>
      ) : (
        <table data-testid="frames">
          <thead>
            <tr>
              <th scope="col">{t('device')}</th>
              <th scope="col">{t('attestation')}</th>
              <th scope="col">{t('seq')}</th>
              <th scope="col">{t('deviceTime')}</th>
              <th scope="col">{t('frameId')}</th>
              <th scope="col">{t('actions')}</th>
            </tr>
          </thead>
          <tbody>
            {frames.data.map((frame) => (
              <tr key={frame.id} data-testid="frame-row">
                <td>{frame.deviceId}</td>
                <td>
                  {frame.attestation === 'edge-attested' ? (
                    <span className="badge edge-attested" title={t('edgeAttestedHint')} data-testid="attestation">
                      {t('edgeAttested')}
                    </span>
                  ) : (
                    <span className="badge" data-testid="attestation">
                      {t('deviceSigned')}
                    </span>
                  )}
                </td>
                <td>{frame.seq}</td>
                <td>{format.format(frame.deviceTimeMs)}</td>
                <td className="mono" title={frame.id}>
                  {frame.id.slice(0, 12)}…
                </td>
                <td>
                  <button
                    type="button"
                    onClick={() => void verify(frame.id)}
                    aria-label={`${t('verifyFor')} ${frame.deviceId} #${frame.seq}`}
                  >
                    {t('verify')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
