import { useTranslation } from 'react-i18next';
import type { EpochMetrics } from '../../common/run-config';
import { type MessageId, message, renderMessage } from '../../common/messages';
import { useMessageLang } from '../lib/format';

export interface StoppedRun {
  id: number;
  label: string;
  epochs: Iterable<EpochMetrics>;
}

/** Under a per-epoch chart: after which epoch each run that stopped early stopped, and why. Nothing when none did. */
export function StopNotes({ runs, testId }: { runs: readonly StoppedRun[]; testId: string }) {
  const { t } = useTranslation();
  const lang = useMessageLang();
  const stops = runs.flatMap(({ id, label, epochs }) => {
    const last = [...epochs].sort((a, b) => a.epoch - b.epoch).at(-1);
    return last?.stop ? [{ id, label, epoch: last.epoch, reason: last.stop.reason }] : [];
  });
  if (stops.length === 0) return null;
  return (
    <ul className="chart-stops" data-testid={testId}>
      {stops.map(({ id, label, epoch, reason }) => (
        <li key={id} data-testid="run-stop" data-reason={reason}>
          {t('charts.stopped', { run: label, epoch, reason: renderMessage(message(`stopReason.${reason}` as MessageId), lang) })}
        </li>
      ))}
    </ul>
  );
}
