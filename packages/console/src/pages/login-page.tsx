// Sign in: with e-mail and password (POST /v1/sessions), or with an access token (an API key or
// the bootstrap admin token, checked with GET /v1/me). The session lasts until the tab closes.
import { type FormEvent, useState } from 'react';
import { ApiError } from '../api/client.ts';
import { useApi } from '../api/use-api.ts';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';

/** The login page. */
export function LoginPage() {
  const api = useApi();
  const { t } = useI18n();
  const { signIn, expired } = useSession();
  const [method, setMethod] = useState<'password' | 'token'>('password');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    try {
      if (method === 'password') {
        const created = await api.signIn(email.trim(), password);
        signIn({ token: created.token, user: created.user, via: 'password' });
      } else {
        const given = token.trim();
        const user = await api.whoAmI(given);
        signIn({ token: given, user, via: 'token' });
      }
    } catch (error) {
      const unauthorised = error instanceof ApiError && (error.status === 401 || error.status === 403);
      setProblem(unauthorised ? t('signInRefused') : `${t('signInFailed')}: ${(error as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="login">
      <h2 id="login-heading">{t('signInHeading')}</h2>
      {expired && (
        <p role="status" className="notice">
          {t('sessionExpired')}
        </p>
      )}
      <form onSubmit={(event) => void submit(event)} aria-labelledby="login-heading" data-testid="login-form">
        <fieldset>
          <legend>{t('signInMethod')}</legend>
          <label className="inline">
            <input
              type="radio"
              name="method"
              value="password"
              checked={method === 'password'}
              onChange={() => setMethod('password')}
            />
            {t('signInWithPassword')}
          </label>
          <label className="inline">
            <input
              type="radio"
              name="method"
              value="token"
              checked={method === 'token'}
              onChange={() => setMethod('token')}
            />
            {t('signInWithToken')}
          </label>
        </fieldset>
        {method === 'password' ? (
          <>
            <label className="field">
              {t('email')}
              <input
                type="email"
                autoComplete="username"
                required
                value={email}
                onChange={(event) => setEmail(event.target.value)}
              />
            </label>
            <label className="field">
              {t('password')}
              <input
                type="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(event) => setPassword(event.target.value)}
              />
            </label>
          </>
        ) : (
          <label className="field">
            {t('accessToken')}
            <input
              type="password"
              autoComplete="off"
              required
              value={token}
              onChange={(event) => setToken(event.target.value)}
              data-testid="token-input"
            />
          </label>
        )}
        <button type="submit" disabled={busy}>
          {busy ? t('signingIn') : t('signIn')}
        </button>
        {problem && (
          <p role="alert" className="fail">
            {problem}
          </p>
        )}
      </form>
    </div>
  );
}
