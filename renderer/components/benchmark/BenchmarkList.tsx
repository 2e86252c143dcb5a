import { useTranslation } from 'react-i18next';
import type { Benchmark } from '../../../common/contract-benchmark';
import { useFormat } from '../../lib/format';

/** The project's matrices, newest first; a row opens its detail below. */
export function BenchmarkList({ benchmarks, selected, onSelect }: { benchmarks: readonly Benchmark[]; selected: number | null; onSelect: (id: number) => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  if (benchmarks.length === 0) {
    return (
      <p className="empty" data-testid="benchmarks-empty">
        {t('benchmark.list.empty')}
      </p>
    );
  }
  return (
    <div className="table-wrap">
      <table className="table" data-testid="benchmarks-table">
        <caption className="sr-only">{t('benchmark.list.caption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('benchmark.list.name')}</th>
            <th scope="col">{t('benchmark.list.status')}</th>
            <th scope="col" className="num">
              {t('benchmark.list.progress')}
            </th>
            <th scope="col">{t('benchmark.list.created')}</th>
          </tr>
        </thead>
        <tbody>
          {[...benchmarks]
            .sort((a, b) => b.id - a.id)
            .map((benchmark) => (
              <tr
                key={benchmark.id}
                className={benchmark.id === selected ? 'row-selected' : undefined}
                data-testid="benchmark-row"
                data-benchmark-id={benchmark.id}
                data-status={benchmark.status}
                aria-selected={benchmark.id === selected}
              >
                <td>
                  <button
                    type="button"
                    className="link-button"
                    data-testid="benchmark-open"
                    onClick={() => {
                      onSelect(benchmark.id);
                    }}
                  >
                    {benchmark.name}
                  </button>
                </td>
                <td>
                  <BenchmarkStatus benchmark={benchmark} />
                </td>
                <td className="num">
                  <ProgressText benchmark={benchmark} />
                </td>
                <td>{format.dateTime(benchmark.createdAt)}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </div>
  );
}

export function BenchmarkStatus({ benchmark }: { benchmark: Benchmark }) {
  const { t } = useTranslation();
  return (
    <span className={`status status-bench-${benchmark.status}`} data-testid="benchmark-status">
      {t(`benchmark.status.${benchmark.status}`)}
    </span>
  );
}

/** "3 of 8 finished · 2 running · 1 failed", with a bar. */
export function ProgressText({ benchmark }: { benchmark: Benchmark }) {
  const { t } = useTranslation();
  const format = useFormat();
  const { total, finished, running, failed } = benchmark.counts;
  const share = total === 0 ? 0 : finished / total;
  return (
    <span className="bench-progress" data-testid="benchmark-progress" data-finished={finished} data-total={total}>
      <span className="mini-progress" aria-hidden="true">
        <span className="progress-fill" style={{ width: `${(share * 100).toFixed(1)}%` }} />
      </span>
      <span>
        {t('benchmark.list.finishedOf', { finished: format.number(finished), total: format.number(total) })}
        {running > 0 && ` · ${t('benchmark.list.running', { n: format.number(running) })}`}
        {failed > 0 && ` · ${t('benchmark.list.failed', { n: format.number(failed) })}`}
      </span>
    </span>
  );
}
