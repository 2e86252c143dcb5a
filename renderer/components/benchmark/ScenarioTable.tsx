import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Dataset } from '../../../common/contract';
import type { ScenarioRow } from '../../../common/contract-benchmark';
import { useFormat } from '../../lib/format';
import { useApi } from '../../state/connection';
import { CsvDownloadButton } from '../CsvDownloadButton';
import { useDatasetLabel, useScenarioLabels } from './fields';
import { sortScenarios, type ScenarioSortKey } from './model';

type Spread = NonNullable<ScenarioRow['bleu']>;
type Diff = NonNullable<NonNullable<ScenarioRow['diffToCe']>['bleu']>;

const METRIC_COLUMNS = ['bleu', 'codeBleu', 'exactMatch', 'asr'] as const;
const ALL = '';
const SORT_ARROWS = { none: '↕', ascending: '▲', descending: '▼' } as const;

/** "12.3 ± 1.4" over the seeds, with the 95 % interval under it. All metrics are on a 0–100 scale. */
function SpreadCell({ spread, testId }: { spread: Spread | null; testId: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  if (spread === null) return <td className="num muted">—</td>;
  const mean = format.number(spread.mean, 1);
  const text = spread.sd === null ? mean : `${mean} ± ${format.number(spread.sd, 1)}`;
  return (
    <td className="num" data-testid={testId}>
      <span className="metric-mean">{text}</span>
      {spread.ciLow !== null && spread.ciHigh !== null && (
        <small className="metric-ci" title={t('benchmark.results.ciTitle', { n: spread.n })}>
          [{format.number(spread.ciLow, 1)}, {format.number(spread.ciHigh, 1)}]
        </small>
      )}
    </td>
  );
}

/** A seed-paired difference to CE: signed mean, interval; marked when the interval excludes 0. */
function DiffCell({ diff, betterWhen, testId }: { diff: Diff | null | undefined; betterWhen: 'higher' | 'lower'; testId: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  if (diff === null || diff === undefined) return <td className="num muted">—</td>;
  const signed = `${diff.mean > 0 ? '+' : ''}${format.number(diff.mean, 1)}`;
  const clear = diff.ciLow !== null && diff.ciHigh !== null && (diff.ciLow > 0 || diff.ciHigh < 0);
  const better = betterWhen === 'higher' ? diff.mean > 0 : diff.mean < 0;
  const verdict = clear ? (better ? 'better' : 'worse') : 'unclear';
  return (
    <td className={`num diff-${verdict}`} data-testid={testId} data-verdict={verdict} title={t(`benchmark.results.diffVerdict.${verdict}`, { pairs: diff.pairs })}>
      <span className="metric-mean">{signed}</span>
      {diff.ciLow !== null && diff.ciHigh !== null && (
        <small className="metric-ci">
          [{format.number(diff.ciLow, 1)}, {format.number(diff.ciHigh, 1)}]
        </small>
      )}
    </td>
  );
}

/** Seconds the arm adds to a CE run (a defense's own work, ABL's longer run); — where none is known. */
function ExtraSecondsCell({ seconds }: { seconds: number | null }) {
  const format = useFormat();
  if (seconds === null) return <td className="num muted">—</td>;
  return (
    <td className="num" data-testid="scenario-extra-seconds">
      {`${seconds >= 0 ? '+' : ''}${format.number(seconds, 1)} s`}
    </td>
  );
}

interface ScenarioTableProps {
  benchmarkId: number;
  scenarios: readonly ScenarioRow[];
  armOrder: readonly string[];
  datasets: readonly Dataset[] | null;
}

/** Mean ± sd and the 95 % interval per scenario over its seeds, the difference to CE, filters and CSV. */
export function ScenarioTable({ benchmarkId, scenarios, armOrder, datasets }: ScenarioTableProps) {
  const { t } = useTranslation();
  const api = useApi();
  const labels = useScenarioLabels();
  const datasetLabel = useDatasetLabel(datasets);
  const [filters, setFilters] = useState({ dataset: ALL, attack: ALL, arm: ALL });
  const [sort, setSort] = useState<{ key: ScenarioSortKey; descending: boolean }>({ key: 'scenario', descending: false });

  const distinct = (pick: (row: ScenarioRow) => string) => [...new Set(scenarios.map(pick))];
  const filterOptions = {
    dataset: distinct((row) => row.dataset).map((value) => ({ value, label: datasetLabel(value) })),
    attack: distinct((row) => row.attack).map((value) => ({ value, label: labels.attack(value) })),
    arm: armOrder.filter((arm) => scenarios.some((row) => row.arm === arm)).map((value) => ({ value, label: labels.arm(value) })),
  };
  const shown = sortScenarios(
    scenarios.filter((row) => (filters.dataset === ALL || row.dataset === filters.dataset) && (filters.attack === ALL || row.attack === filters.attack) && (filters.arm === ALL || row.arm === filters.arm)),
    sort.key,
    sort.descending,
    armOrder,
  );

  const header = (key: ScenarioSortKey, text: string, numeric: boolean) => {
    const direction = sort.key !== key ? 'none' : sort.descending ? 'descending' : 'ascending';
    const toggle = () => {
      setSort({ key, descending: direction === 'ascending' });
    };
    return (
      <th key={key} scope="col" className={numeric ? 'num' : ''} aria-sort={direction}>
        <button type="button" className="sort-button" data-testid={`scenario-sort-${key}`} onClick={toggle}>
          {text}
          <span className="sort-indicator" aria-hidden="true">
            {SORT_ARROWS[direction]}
          </span>
        </button>
      </th>
    );
  };

  return (
    <section className="card" aria-labelledby="scenario-title" data-testid="scenario-results">
      <div className="card-head">
        <h3 id="scenario-title">{t('benchmark.results.title')}</h3>
        <div className="card-tools">
          <CsvDownloadButton label={t('benchmark.results.exportCsv')} testId="benchmark-export-csv" load={() => api['benchmarks.exportCsv']({ benchmarkId })} />
        </div>
      </div>
      <p className="muted small">{t('benchmark.results.explain')}</p>
      <div className="filters" role="group" aria-label={t('benchmark.results.filters')}>
        {(['dataset', 'attack', 'arm'] as const).map((name) => (
          <label key={name} className="filter">
            <span>{t(`benchmark.results.filter.${name}`)}</span>
            <select
              value={filters[name]}
              data-testid={`scenario-filter-${name}`}
              onChange={(event) => {
                setFilters({ ...filters, [name]: event.target.value });
              }}
            >
              <option value={ALL}>{t('benchmark.results.filter.all')}</option>
              {filterOptions[name].map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
          </label>
        ))}
      </div>
      {scenarios.length === 0 ? (
        <p className="empty" data-testid="scenarios-empty">
          {t('benchmark.results.empty')}
        </p>
      ) : (
        <div className="table-wrap">
          <table className="table scenario-table" data-testid="scenario-table">
            <caption className="sr-only">{t('benchmark.results.caption')}</caption>
            <thead>
              <tr>
                {header('scenario', t('benchmark.results.scenario'), false)}
                <th scope="col" className="num">
                  {t('benchmark.results.seeds')}
                </th>
                {METRIC_COLUMNS.map((column) => header(column, t(`benchmark.results.columns.${column}`), true))}
                {header('diffBleu', t('benchmark.results.columns.diffBleu'), true)}
                {header('diffAsr', t('benchmark.results.columns.diffAsr'), true)}
                <th scope="col" className="num">
                  {t('benchmark.results.columns.extraSeconds')}
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((row) => (
                <tr key={`${row.dataset}|${row.attack}|${row.rate}|${row.arm}`} data-testid="scenario-row" data-arm={row.arm} data-attack={row.attack} data-dataset={row.dataset}>
                  <th scope="row">
                    <span className="scenario-arm">{labels.arm(row.arm)}</span>
                    <span className="run-sub muted">
                      {datasetLabel(row.dataset)} · {labels.attack(row.attack)} · {labels.rate(row.rate)}
                    </span>
                  </th>
                  <td className="num">{row.n}</td>
                  {METRIC_COLUMNS.map((column) => (
                    <SpreadCell key={column} spread={row[column]} testId={`scenario-${column}`} />
                  ))}
                  <DiffCell diff={row.diffToCe?.bleu} betterWhen="higher" testId="scenario-diff-bleu" />
                  <DiffCell diff={row.diffToCe?.asr} betterWhen="lower" testId="scenario-diff-asr" />
                  <ExtraSecondsCell seconds={row.extraSeconds ?? null} />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {shown.length === 0 && scenarios.length > 0 && <p className="empty">{t('benchmark.results.noneMatch')}</p>}
    </section>
  );
}
