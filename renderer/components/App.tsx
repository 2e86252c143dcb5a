import { useTranslation } from 'react-i18next';
import type { Connection } from '../api/types';
import { useRoute } from '../lib/router';
import { ActorProvider } from '../state/actor';
import { ConnectionProvider } from '../state/connection';
import { ToastProvider } from '../state/toasts';
import { Header } from './Header';
import { ProjectList } from './ProjectList';
import { HistoryPage } from './HistoryPage';
import { ProjectPage } from './ProjectPage';
import { SettingsPage } from './SettingsPage';

export function App({ connection }: { connection: Connection }) {
  return (
    <ConnectionProvider connection={connection}>
      <ToastProvider>
        <ActorProvider>
          <Shell />
        </ActorProvider>
      </ToastProvider>
    </ConnectionProvider>
  );
}

function Shell() {
  const { t } = useTranslation();
  const route = useRoute();
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        {t('header.skipToContent')}
      </a>
      <Header />
      <main id="main" className="main">
        {route.page === 'projects' ? (
          <ProjectList />
        ) : route.page === 'settings' ? (
          <SettingsPage />
        ) : route.page === 'history' ? (
          <HistoryPage key={route.projectId} projectId={route.projectId} />
        ) : (
          <ProjectPage key={route.projectId} projectId={route.projectId} stage={route.stage} />
        )}
      </main>
    </div>
  );
}
