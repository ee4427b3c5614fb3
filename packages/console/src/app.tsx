// The console's shell: a title, the language switch and the tabs (WAI-ARIA tabs: arrow keys,
// Home and End move between tabs; Tab moves into the panel).
import { type KeyboardEvent, useRef, useState } from 'react';
import { type Language, type MessageKey, useI18n } from './i18n.tsx';
import { DevicesPage } from './pages/devices-page.tsx';
import { FramesPage } from './pages/frames-page.tsx';
import { LedgerPage } from './pages/ledger-page.tsx';

const tabs = [
  { id: 'ledger', label: 'tabLedger', Page: LedgerPage },
  { id: 'frames', label: 'tabFrames', Page: FramesPage },
  { id: 'devices', label: 'tabDevices', Page: DevicesPage },
] as const satisfies readonly { id: string; label: MessageKey; Page: () => unknown }[];

type TabId = (typeof tabs)[number]['id'];

const languageNames: Record<Language, string> = { en: 'English', 'zh-CN': '中文' };

/** The console application. */
export function App() {
  const { t, language, setLanguage } = useI18n();
  const [active, setActive] = useState<TabId>('ledger');
  const tabButtons = useRef(new Map<TabId, HTMLButtonElement>());

  const select = (index: number) => {
    const tab = tabs[(index + tabs.length) % tabs.length];
    if (!tab) return;
    setActive(tab.id);
    tabButtons.current.get(tab.id)?.focus();
  };
  const onTabKey = (event: KeyboardEvent<HTMLButtonElement>, index: number) => {
    const moves: Record<string, number> = {
      ArrowRight: index + 1,
      ArrowLeft: index - 1,
      Home: 0,
      End: tabs.length - 1,
    };
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    select(target);
  };
  const current = tabs.find((tab) => tab.id === active) ?? tabs[0];

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
      <nav>
        <div role="tablist" aria-label={t('sections')}>
          {tabs.map((tab, index) => (
            <button
              key={tab.id}
              type="button"
              role="tab"
              id={`tab-${tab.id}`}
              aria-selected={tab.id === active}
              aria-controls={`panel-${tab.id}`}
              tabIndex={tab.id === active ? 0 : -1}
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
      <main role="tabpanel" id={`panel-${current.id}`} aria-labelledby={`tab-${current.id}`}>
        <current.Page />
      </main>
    </div>
  );
}
