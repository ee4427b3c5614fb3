// The console's shell: a title, the language switch, who is signed in with their role and a sign-out
// button, the live indicator, and the tabs the role may see (WAI-ARIA tabs: arrow keys, Home and
// End move between tabs; Tab moves into the panel). Without a session, the login page.
import { type KeyboardEvent, useEffect, useRef, useState } from 'react';
import type { Role } from './api/types.ts';
import { type LiveState, useLiveUpdates } from './components/live-updates.tsx';
import { type Language, type MessageKey, useI18n } from './i18n.tsx';
import { AlertsPage } from './pages/alerts-page.tsx';
import { BorrowersPage } from './pages/borrowers-page.tsx';
import { CollateralPage } from './pages/collateral-page.tsx';
import { DevicesPage } from './pages/devices-page.tsx';
import { EnterprisePage } from './pages/enterprise-page.tsx';
import { FramesPage } from './pages/frames-page.tsx';
import { GraphPage } from './pages/graph-page.tsx';
import { LedgerPage } from './pages/ledger-page.tsx';
import { LoansPage } from './pages/loans-page.tsx';
import { LoginPage } from './pages/login-page.tsx';
import { PortfolioPage } from './pages/portfolio-page.tsx';
import { useSession } from './session.tsx';

/** Every page, in tab order. */
export const tabs = [
  { id: 'portfolio', label: 'tabPortfolio', Page: PortfolioPage },
  { id: 'borrowers', label: 'tabBorrowers', Page: BorrowersPage },
  { id: 'alerts', label: 'tabAlerts', Page: AlertsPage },
  { id: 'loans', label: 'tabLoans', Page: LoansPage },
  { id: 'graph', label: 'tabGraph', Page: GraphPage },
  { id: 'collateral', label: 'tabCollateral', Page: CollateralPage },
  { id: 'enterprise', label: 'tabEnterprise', Page: EnterprisePage },
  { id: 'devices', label: 'tabDevices', Page: DevicesPage },
  { id: 'ledger', label: 'tabLedger', Page: LedgerPage },
  { id: 'frames', label: 'tabFrames', Page: FramesPage },
] as const satisfies readonly { id: string; label: MessageKey; Page: () => unknown }[];

/** A page's id. */
export type TabId = (typeof tabs)[number]['id'];

const bankPages: TabId[] = ['portfolio', 'borrowers', 'alerts', 'loans', 'graph', 'collateral', 'ledger', 'frames'];
const enterprisePages: TabId[] = ['enterprise', 'devices', 'ledger', 'frames'];

/** The pages each role sees; an auditor sees the bank's pages read-only. */
export const pagesByRole: Record<Role, readonly TabId[]> = {
  platform_admin: tabs.map((tab) => tab.id),
  bank_officer: bankPages,
  bank_auditor: bankPages,
  enterprise_admin: enterprisePages,
  enterprise_operator: enterprisePages,
  witness_operator: ['ledger', 'frames'],
};

const roleLabel: Record<Role, MessageKey> = {
  platform_admin: 'rolePlatformAdmin',
  bank_officer: 'roleBankOfficer',
  bank_auditor: 'roleBankAuditor',
  enterprise_admin: 'roleEnterpriseAdmin',
  enterprise_operator: 'roleEnterpriseOperator',
  witness_operator: 'roleWitnessOperator',
};

const languageNames: Record<Language, string> = { en: 'English', 'zh-CN': '中文' };

function LiveIndicator(props: { live: LiveState }) {
  const { t } = useI18n();
  const { live } = props;
  return (
    <div className="live" data-testid="live">
      <span className={live.connected ? 'pass' : 'fail'}>
        {live.connected ? `● ${t('live')}` : `○ ${t('offline')}`}
      </span>
      {live.logSize !== undefined && (
        <span>
          {' '}
          · {t('logSize')} <span data-testid="live-log-size">{live.logSize}</span>
        </span>
      )}
      <div aria-live="polite" className="visually-hidden-when-empty">
        {live.lastAlert && (
          <span className="badge" data-testid="live-alert">
            {t('newAlert')}: {live.lastAlert.rule} · {live.lastAlert.subjectId}
          </span>
        )}
      </div>
    </div>
  );
}

function Workspace() {
  const { t } = useI18n();
  const { session, signOut } = useSession();
  const live = useLiveUpdates(session !== undefined);
  const role = session?.user.role ?? 'witness_operator';
  const visible = tabs.filter((tab) => pagesByRole[role].includes(tab.id));
  const [active, setActive] = useState<TabId>(visible[0]?.id ?? 'ledger');
  const tabButtons = useRef(new Map<TabId, HTMLButtonElement>());
  useEffect(() => {
    if (!visible.some((tab) => tab.id === active)) setActive(visible[0]?.id ?? 'ledger');
  }, [visible, active]);

  const select = (index: number) => {
    const tab = visible[(index + visible.length) % visible.length];
    if (!tab) return;
    setActive(tab.id);
    tabButtons.current.get(tab.id)?.focus();
  };
  const onTabKey = (event: KeyboardEvent<HTMLButtonElement>, index: number) => {
    const moves: Record<string, number> = {
      ArrowRight: index + 1,
      ArrowLeft: index - 1,
      Home: 0,
      End: visible.length - 1,
    };
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    select(target);
  };
  const current = visible.find((tab) => tab.id === active) ?? visible[0];
  if (!session || !current) return null;
  return (
    <>
      <div className="session-bar">
        <span data-testid="signed-in-as">
          {session.user.name ?? session.user.email ?? session.user.id}
          {session.user.organisationName ? ` · ${session.user.organisationName}` : ''}
        </span>
        <span className="badge" data-testid="role">
          {t(roleLabel[session.user.role] ?? 'rolePlatformAdmin')}
        </span>
        <LiveIndicator live={live} />
        <button type="button" onClick={signOut}>
          {t('signOut')}
        </button>
      </div>
      <nav>
        <div role="tablist" aria-label={t('sections')}>
          {visible.map((tab, index) => (
            <button
              key={tab.id}
              type="button"
              role="tab"
              id={`tab-${tab.id}`}
              aria-selected={tab.id === current.id}
              aria-controls={`panel-${tab.id}`}
              tabIndex={tab.id === current.id ? 0 : -1}
              ref={(element) => {
                if (element) tabButtons.current.set(tab.id, element);
                else tabButtons.current.delete(tab.id);
              }}
              onClick={() => setActive(tab.id)}
              onKeyDown={(event) => onTabKey(event, index)}
            >
              {t(tab.label)}
            </button>
          ))}
        </div>
      </nav>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: the WAI-ARIA tabs pattern makes the tab panel focusable, so a page without controls is reached by Tab too */}
      <main role="tabpanel" id={`panel-${current.id}`} aria-labelledby={`tab-${current.id}`} tabIndex={0}>
        <current.Page />
      </main>
    </>
  );
}

/** The console application. */
export function App() {
  const { t, language, setLanguage } = useI18n();
  const { session } = useSession();
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  return (
    <div className="app" lang={language}>
      <header>
        <h1>{t('appTitle')}</h1>
        <label className="language">
          {t('language')}
          <select
            value={language}
            onChange={(event) => setLanguage(event.target.value as Language)}
            data-testid="language"
          >
            {Object.entries(languageNames).map(([code, name]) => (
              <option key={code} value={code} lang={code}>
                {name}
              </option>
            ))}
          </select>
        </label>
      </header>
      {session ? <Workspace /> : <LoginPage />}
    </div>
  );
}
