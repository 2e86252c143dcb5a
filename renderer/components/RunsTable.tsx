import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RunSummary } from '../../common/contract';
import { renderMessage } from '../../common/messages';
import { useFormat, useMessageLang } from '../lib/format';
import { presetOf } from '../lib/presets';
import { durationOf, isActive, progressOf, type LiveProgress } from '../lib/runs';
import { useActor } from '../state/actor';
import { useApi } from '../state/connection';
import { useToasts } from '../state/toasts';

const COLUMNS = ['name', 'loss', 'status', 'progress', 'bleu', 'exactMatch', 'asr', 'duration'] as const;
type Column = (typeof COLUMNS)[number];

interface RunsTableProps {
  runs: readonly RunSummary[];
  live: ReadonlyMap<number, LiveProgress>;
  compared: readonly number[];
  onToggleCompare: (runId: number) => void;
}

export function RunsTable({ runs, live, compared, onToggleCompare }: RunsTableProps) {
  const { t, i18n } = useTranslation();
  const format = useFormat();
  const lang = useMessageLang();
  const api = useApi();
  const { ensureActor } = useActor();
  const { showError } = useToasts();
  const [sort, setSort] = useState<{ column: Column; descending: boolean }>({ column: 'name', descending: false });
  const now = useNow(runs.some(isActive));

  const value = (run: RunSummary, column: Column): string | number | null => {
    switch (column) {
      case 'name':
        return run.name;
      case 'loss':
        return t(`loss.${run.loss}.short`);
      case 'status':
        return t(`runStatus.${run.status}`);
      case 'progress':
        return progressOf(run, live.get(run.id));
      case 'bleu':
        return run.latest?.bleu ?? null;
      case 'exactMatch':
        return run.latest?.exactMatch ?? null;
      case 'asr':
        return run.latest?.asr ?? null;
      case 'duration':
        return durationOf(run, now);
    }
  };

  const collator = new Intl.Collator(i18n.resolvedLanguage ?? i18n.language, { numeric: true, sensitivity: 'base' });
  const sorted = [...runs].sort((a, b) => {
    const x = value(a, sort.column);
    const y = value(b, sort.column);
    // Missing values go last whichever the direction.
    if (x === null || y === null) return x === y ? a.id - b.id : x === null ? 1 : -1;
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : collator.compare(String(x), String(y));
    return (sort.descending ? -order : order) || a.id - b.id;
  });

  const cancel = async (run: RunSummary) => {
    const actor = await ensureActor();
    if (actor === null) return;
    try {
      await api['runs.cancel']({ runId: run.id, actor });
    } catch (error) {
      showError(error);
    }
  };

  if (runs.length === 0) {
    return (
      <p className="empty" data-testid="runs-empty">
        {t('runs.empty')}
      </p>
    );
  }

  const metric = (n: number | null | undefined) => (n === null || n === undefined ? '—' : format.number(n, 1));

  return (
    <div className="table-wrap">
      <table className="table" data-testid="runs-table">
        <caption className="sr-only">{t('runs.caption')}</caption>
        <thead>
          <tr>
            <th scope="col" className="narrow">
              <span className="sr-only">{t('runs.compare')}</span>
            </th>
            {COLUMNS.map((column) => {
              const active = sort.column === column;
              return (
                <th
                  key={column}
                  scope="col"
                  aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : 'none'}
                  className={isNumeric(column) ? 'num' : ''}
                >
                  <button
                    type="button"
                    className="sort-button"
                    data-testid={`sort-${column}`}
                    onClick={() => {
                      setSort({ column, descending: active ? !sort.descending : false });
                    }}
                  >
                    {t(`runs.columns.${column}`)}
                    <span className="sort-indicator" aria-hidden="true">
                      {active ? (sort.descending ? '▼' : '▲') : '↕'}
                    </span>
                  </button>
                </th>
              );
            })}
            <th scope="col">
              <span className="sr-only">{t('runs.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((run) => {
            const fraction = progressOf(run, live.get(run.id));
            const duration = durationOf(run, now);
            const preset = presetOf(run.config);
            return (
              <tr key={run.id} data-testid="run-row" data-run-id={run.id} data-status={run.status} data-loss={run.loss}>
                <td className="narrow">
                  <input
                    type="checkbox"
                    checked={compared.includes(run.id)}
                    aria-label={t('runs.compareRun', { name: run.name })}
                    data-testid="run-compare"
                    onChange={() => {
                      onToggleCompare(run.id);
                    }}
                  />
                </td>
                <td>
                  <span className="run-name" data-testid="run-name">
                    {run.name}
                  </span>
                  <span className="run-sub muted">
                    #{run.id}
                    {preset !== null && ` · ${t(`launch.size.${preset}.label`)}`}
                    {` · ${t('runs.seed', { seed: run.config.seed })}`}
                  </span>
                </td>
                <td>
                  <span className={`loss-tag loss-${run.loss}`} title={t(`loss.${run.loss}.name`)}>
                    {t(`loss.${run.loss}.short`)}
                  </span>
                </td>
                <td>
                  <span className={`status status-${run.status}`} data-testid="run-status" title={run.error?.message}>
                    {t(`runStatus.${run.status}`)}
                  </span>
                </td>
                <td className="num">
                  <div className="mini-progress" aria-hidden="true">
                    <div className="progress-fill" style={{ width: `${(fraction * 100).toFixed(1)}%` }} />
                  </div>
                  <span data-testid="run-progress-text">
                    {t('runs.epochsDone', {
                      done: format.number(run.status === 'finished' ? run.config.training.epochs : run.lastCompletedEpoch),
                      total: format.number(run.config.training.epochs),
                    })}
                  </span>
                </td>
                <td className="num" data-testid="run-bleu">
                  {metric(run.latest?.bleu)}
                </td>
                <td className="num" data-testid="run-em">
                  {metric(run.latest?.exactMatch)}
                </td>
                <td className="num" data-testid="run-asr">
                  {run.latest ? format.percent(run.latest.asr) : '—'}
                </td>
                <td className="num">{duration === null ? '—' : format.duration(duration)}</td>
                <td>
                  {isActive(run) && (
                    <button
                      type="button"
                      className="button small"
                      data-testid="run-cancel"
                      onClick={() => {
                        void cancel(run);
                      }}
                    >
                      {t('runs.cancel')}
                    </button>
                  )}
                  {run.status === 'failed' && run.error && (
                    <span className="inline-error" title={run.error.message}>
                      {(run.error.i18n ? renderMessage(run.error.i18n, lang) : run.error.message).slice(0, 120)}
                    </span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function isNumeric(column: Column): boolean {
  return column !== 'name' && column !== 'loss' && column !== 'status';
}

/** The current time, ticking every second while something runs (for running durations). */
function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    const timer = window.setInterval(() => {
      setNow(Date.now());
    }, 1000);
    return () => {
      window.clearInterval(timer);
    };
  }, [ticking]);
  return ticking ? now : Date.now();
}
