import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { getConnection } from './api/client';
import { App } from './components/App';
import { applyLanguage, initI18n, initialLanguage, isLanguage } from './i18n/index';

async function start(): Promise<void> {
  const connection = getConnection();
  await initI18n(initialLanguage());
  const container = document.getElementById('root');
  if (!container) throw new Error('index.html has no #root');
  createRoot(container).render(
    <StrictMode>
      <App connection={connection} />
    </StrictMode>,
  );
  // The stored setting wins over this browser's fast-path copy (another window may have changed it).
  try {
    const { value } = await connection.api['settings.get']({ key: 'language' });
    if (isLanguage(value)) await applyLanguage(value);
  } catch {
    // Unreachable server: the App shows that on its first call; the local language stays.
  }
}

void start();
