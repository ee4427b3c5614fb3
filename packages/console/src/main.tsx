// Entry of the console: the query client, the API client, the language and the app.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApiClient } from './api/client.ts';
import { ApiContext } from './api/use-api.ts';
import { App } from './app.tsx';
import { I18nProvider } from './i18n.tsx';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
const queryClient = new QueryClient({ defaultOptions: { queries: { retry: 1 } } });

createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <ApiContext.Provider value={createApiClient()}>
        <I18nProvider>
          <App />
        </I18nProvider>
      </ApiContext.Provider>
    </QueryClientProvider>
  </StrictMode>,
);
