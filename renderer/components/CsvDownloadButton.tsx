import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { downloadText } from '../lib/download';
import { describeError } from '../state/toasts';

/** A button that asks the main side for a CSV and saves it; a failure is shown next to it. */
export function CsvDownloadButton({ label, testId, load }: { label: string; testId: string; load: () => Promise<{ fileName: string; csv: string }> }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      const { fileName, csv } = await load();
      downloadText(fileName, csv, 'text/csv;charset=utf-8');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        className="button"
        disabled={busy}
        data-testid={testId}
        onClick={() => {
          void run();
        }}
      >
        {label}
      </button>
      {error !== null && (
        <span className="inline-error" role="alert">
          {describeError(error, t)}
        </span>
      )}
    </>
  );
}
