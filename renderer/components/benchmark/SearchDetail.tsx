import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Dataset } from '../../../common/contract';
import type { SearchDetail, SearchTrial } from '../../../common/contract-benchmark';
import { useFormat } from '../../lib/format';
import { useLoad } from '../../lib/use-load';
import { useApi } from '../../state/connection';
import { useToasts } from '../../state/toasts';
import { useAction } from '../production/use-action';
import { NotLoaded, useDatasetLabel, useScenarioLabels } from './fields';
import { niceTicks } from './model';
import { useProjectReload } from './use-project-reload';

type Formatters = ReturnType<typeof useFormat>;

/** The trial the search chose: the chosen point at its highest rung (the most epochs it was trained for). */
function chosenTrial(detail: SearchDetail): SearchTrial | null {
  const { chosen } = detail;
  if (chosen === null) return null;
  const matches = detail.trials.filter((trial) => trial.labelSmoothing === chosen.labelSmoothing && trial.alphaBase === chosen.alphaBase && trial.bleu !== null);
  return matches.sort((a, b) => b.rung - a.rung)[0] ?? null;
}

export function SearchDetailView({ projectId, searchId, datasets, onChanged }: { projectId: number; searchId: number; datasets: readonly Dataset[] | null; onChanged: () => void }) {
  const { t } = useTranslation();
  const api = useApi();
  const format = useFormat();
  const labels = useScenarioLabels();
  const datasetLabel = useDatasetLabel(datasets);
  const { notify } = useToasts();
  const detail = useLoad(() => api['searches.get']({ searchId }), [api, searchId]);
  useProjectReload(projectId, detail.reload);
  const { busy, act } = useAction(() => {
    detail.reload();
    onChanged();
  });

  if (detail.data === null) return <NotLoaded error={detail.error} />;
  const data = detail.data;
  const { search, reference } = data;
  const chosen = chosenTrial(data);
  const threshold = reference.bleu === null ? null : reference.bleu - search.spec.bleuTolerance;

  const cancel = async () => {
    const done = await act((actor) => api['searches.cancel']({ searchId, actor }));
    if (done !== null) notify('success', (tr) => tr('benchmark.search.cancelled'));
  };

  return (
    <section className="card" aria-labelledby="search-detail-title" data-testid="search-detail" data-status={search.status}>
      <div className="card-head">
        <h3 id="search-detail-title">
          {search.name} <span className={`status status-${search.status}`}>{t(`benchmark.searchStatus.${search.status}`)}</span>
        </h3>
        {search.status === 'running' && (
          <div className="card-tools">
            <button
              type="button"
              className="button danger"
              disabled={busy}
              data-testid="search-cancel"
              onClick={() => {
                void cancel();
              }}
            >
              {t('benchmark.search.cancel')}
            </button>
          </div>
        )}
      </div>
      <p className="muted small">
        {t('benchmark.search.summary', {
          dataset: datasetLabel(search.spec.dataset.kind === 'import' ? `import:${search.spec.dataset.datasetId}` : search.spec.dataset.kind),
          attack: labels.attack(search.spec.attack),
          rate: labels.rate(search.spec.rate),
          seed: search.spec.seed,
          method: t(`benchmark.search.methods.${search.spec.method}.name`),
        })}
      </p>
      <p className="objective">{t('benchmark.search.objective', { tolerance: format.number(search.spec.bleuTolerance, 1) })}</p>
      <p data-testid="search-reference">
        {reference.bleu === null
          ? t('benchmark.search.referencePending')
          : t('benchmark.search.reference', {
              bleu: format.number(reference.bleu, 1),
              asr: reference.asr === null ? '—' : format.percent(reference.asr),
              threshold: format.number(threshold ?? 0, 1),
            })}
      </p>
      <div className="chosen" data-testid="search-chosen" data-chosen={data.chosen !== null}>
        {data.chosen === null ? (
          <strong>{t('benchmark.search.noChoice')}</strong>
        ) : (
          <strong>
            {t('benchmark.search.chosen', {
              epsilon: format.number(data.chosen.labelSmoothing, 3),
              alpha: format.number(data.chosen.alphaBase, 3),
              bleu: chosen === null || chosen.bleu === null ? '—' : format.number(chosen.bleu, 1),
              asr: chosen === null || chosen.asr === null ? '—' : format.percent(chosen.asr),
            })}
          </strong>
        )}
        <p data-testid="search-explanation">{data.explanation}</p>
      </div>
      <SearchScatter trials={data.trials} chosen={chosen} referenceBleu={reference.bleu} referenceAsr={reference.asr} threshold={threshold} format={format} />
      <TrialsTable trials={data.trials} chosen={chosen} format={format} />
      <SensitivityTable rows={data.sensitivity} format={format} />
    </section>
  );
}

const WIDTH = 560;
const HEIGHT = 320;
const MARGIN = { left: 52, right: 16, top: 14, bottom: 44 };

/** The scatter's legend of marks: each as drawn in the plot (in a square of `size` pixels), with its name's key. */
const LEGEND_MARKS = [
  { label: 'benchmark.search.feasible', size: 14, mark: <circle cx="7" cy="7" r="5" className="point-feasible" /> },
  { label: 'benchmark.search.infeasible', size: 14, mark: <path d="M 2.5 2.5 L 11.5 11.5 M 2.5 11.5 L 11.5 2.5" className="point-infeasible" /> },
  { label: 'benchmark.search.chosenLegend', size: 22, mark: <circle cx="11" cy="11" r="9" className="point-chosen" /> },
  { label: 'benchmark.search.referenceLegend', size: 14, mark: <path d="M 7 0 l 7 7 l -7 7 l -7 -7 z" className="reference-point" /> },
] as const;

interface ScatterProps {
  trials: readonly SearchTrial[];
  chosen: SearchTrial | null;
  referenceBleu: number | null;
  referenceAsr: number | null;
  threshold: number | null;
  format: Formatters;
}

/**
 * Every explored point at its validation BLEU (x) and ASR (y). Feasible points are filled circles,
 * infeasible ones crosses (shape, not only colour, tells them apart); the chosen point is ringed; the
 * dashed vertical line is CE's validation BLEU minus the tolerance: feasible points lie right of it.
 */
function SearchScatter({ trials, chosen, referenceBleu, referenceAsr, threshold, format }: ScatterProps) {
  const { t } = useTranslation();
  const measured = trials.filter((trial): trial is SearchTrial & { bleu: number; asr: number } => trial.bleu !== null && trial.asr !== null);
  // BLEU is never negative, but CE − tolerance can be: then the line is not drawn and its label says it lies left of the chart.
  const thresholdShown = threshold !== null && threshold >= 0;
  const xs = [...measured.map((trial) => trial.bleu), ...(referenceBleu === null ? [] : [referenceBleu]), ...(thresholdShown ? [threshold] : [])];
  const rawMin = xs.length === 0 ? 0 : Math.min(...xs);
  const rawMax = xs.length === 0 ? 100 : Math.max(...xs);
  const pad = Math.max(0.5, (rawMax - rawMin) * 0.08);
  const xMin = Math.max(0, rawMin - pad);
  const xMax = Math.min(100, rawMax + pad) > xMin ? Math.min(100, rawMax + pad) : xMin + 1;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (bleu: number) => MARGIN.left + ((bleu - xMin) / (xMax - xMin)) * plotWidth;
  const y = (asr: number) => MARGIN.top + (1 - Math.min(100, Math.max(0, asr)) / 100) * plotHeight;
  const pointLabel = (trial: SearchTrial & { bleu: number; asr: number }) =>
    t('benchmark.search.pointLabel', {
      epsilon: format.number(trial.labelSmoothing, 3),
      alpha: format.number(trial.alphaBase, 3),
      rung: trial.rung,
      epochs: trial.epochs,
      bleu: format.number(trial.bleu, 1),
      asr: format.percent(trial.asr),
      verdict: t(trial.feasible === true ? 'benchmark.search.feasible' : trial.feasible === false ? 'benchmark.search.infeasible' : 'benchmark.search.unknown'),
    });

  return (
    <figure className="chart scatter" data-testid="search-scatter">
      <figcaption className="chart-title">
        {t('benchmark.search.scatterTitle')}
        <span className="chart-description">{t('benchmark.search.scatterDescription')}</span>
      </figcaption>
      {measured.length === 0 && <p className="empty">{t('benchmark.search.noPoints')}</p>}
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={t('benchmark.search.scatterTitle')} className="scatter-svg">
        {niceTicks(xMin, xMax, 6).map((tick) => (
          <g key={`x${tick}`} className="axis-tick">
            <line x1={x(tick)} x2={x(tick)} y1={MARGIN.top} y2={MARGIN.top + plotHeight} className="grid-line" />
            <text x={x(tick)} y={HEIGHT - MARGIN.bottom + 16} textAnchor="middle">
              {format.number(tick, tick % 1 === 0 ? 0 : 1)}
            </text>
          </g>
        ))}
        {[0, 25, 50, 75, 100].map((tick) => (
          <g key={`y${tick}`} className="axis-tick">
            <line x1={MARGIN.left} x2={MARGIN.left + plotWidth} y1={y(tick)} y2={y(tick)} className="grid-line" />
            <text x={MARGIN.left - 6} y={y(tick) + 4} textAnchor="end">
              {format.percent(tick, 0)}
            </text>
          </g>
        ))}
        <rect x={MARGIN.left} y={MARGIN.top} width={plotWidth} height={plotHeight} className="plot-frame" />
        <text x={MARGIN.left + plotWidth / 2} y={HEIGHT - 6} textAnchor="middle" className="axis-label">
          {t('benchmark.search.xAxis')}
        </text>
        <text x={14} y={MARGIN.top + plotHeight / 2} textAnchor="middle" className="axis-label" transform={`rotate(-90 14 ${MARGIN.top + plotHeight / 2})`}>
          {t('benchmark.search.yAxis')}
        </text>
        {threshold !== null && (
          <g data-testid="scatter-threshold" data-visible={thresholdShown}>
            {thresholdShown && <line x1={x(threshold)} x2={x(threshold)} y1={MARGIN.top} y2={MARGIN.top + plotHeight} className="threshold-line" />}
            <text x={(thresholdShown ? x(threshold) : MARGIN.left) + 4} y={MARGIN.top + 12} className="threshold-label">
              {t(thresholdShown ? 'benchmark.search.thresholdLabel' : 'benchmark.search.thresholdLeft', { bleu: format.number(threshold, 1) })}
            </text>
          </g>
        )}
        {referenceBleu !== null && referenceAsr !== null && (
          <g data-testid="scatter-reference">
            <title>{t('benchmark.search.referencePoint', { bleu: format.number(referenceBleu, 1), asr: format.percent(referenceAsr) })}</title>
            <path d={`M ${x(referenceBleu)} ${y(referenceAsr) - 7} l 7 7 l -7 7 l -7 -7 z`} className="reference-point" />
          </g>
        )}
        {measured.map((trial, index) => {
          const cx = x(trial.bleu);
          const cy = y(trial.asr);
          const label = pointLabel(trial);
          return (
            <g key={`${trial.labelSmoothing}-${trial.alphaBase}-${trial.rung}-${index}`} data-testid="scatter-point" data-feasible={trial.feasible ?? 'unknown'} aria-label={label}>
              <title>{label}</title>
              {trial.feasible === true ? (
                <circle cx={cx} cy={cy} r={5} className="point-feasible" />
              ) : (
                <path d={`M ${cx - 4.5} ${cy - 4.5} L ${cx + 4.5} ${cy + 4.5} M ${cx - 4.5} ${cy + 4.5} L ${cx + 4.5} ${cy - 4.5}`} className={trial.feasible === false ? 'point-infeasible' : 'point-unknown'} />
              )}
            </g>
          );
        })}
        {chosen !== null && chosen.bleu !== null && chosen.asr !== null && (
          <circle cx={x(chosen.bleu)} cy={y(chosen.asr)} r={10} className="point-chosen" data-testid="scatter-chosen" />
        )}
      </svg>
      <ul className="chart-legend">
        {LEGEND_MARKS.map(({ label, size, mark }) => (
          <li key={label}>
            <svg width={size} height={size} aria-hidden="true">
              {mark}
            </svg>
            {t(label)}
          </li>
        ))}
        <li>
          <span className="swatch threshold-swatch" aria-hidden="true" />
          {t('benchmark.search.thresholdLegend')}
        </li>
      </ul>
    </figure>
  );
}

function TrialsTable({ trials, chosen, format }: { trials: readonly SearchTrial[]; chosen: SearchTrial | null; format: Formatters }) {
  const { t } = useTranslation();
  const sorted = [...trials].sort((a, b) => a.rung - b.rung || a.labelSmoothing - b.labelSmoothing || a.alphaBase - b.alphaBase);
  const columns = (['epsilon', 'alpha', 'rung', 'epochs', 'status', 'bleu', 'asr', 'feasible'] as const).map((column) => ({
    label: t(`benchmark.search.columns.${column}`),
    numeric: column !== 'status' && column !== 'feasible',
  }));
  return (
    <CaptionedTable caption={t('benchmark.search.trialsTitle')} testId="search-trials" columns={columns}>
      <tbody>
        {sorted.map((trial, index) => (
          <tr key={`${trial.labelSmoothing}-${trial.alphaBase}-${trial.rung}-${index}`} data-testid="search-trial" data-chosen={trial === chosen} className={trial === chosen ? 'row-selected' : undefined}>
            <td className="num">{format.number(trial.labelSmoothing, 3)}</td>
            <td className="num">{format.number(trial.alphaBase, 3)}</td>
            <td className="num">{trial.rung}</td>
            <td className="num">{trial.epochs}</td>
            <td>
              <span className={`status status-${trial.status}`}>{t(`benchmark.cellStatus.${trial.status}`)}</span>
            </td>
            <td className="num">{trial.bleu === null ? '—' : format.number(trial.bleu, 1)}</td>
            <td className="num">{trial.asr === null ? '—' : format.percent(trial.asr)}</td>
            <td>
              {trial.feasible === null ? '—' : t(trial.feasible ? 'benchmark.search.feasible' : 'benchmark.search.infeasible')}
              {trial === chosen && <strong> · {t('benchmark.search.chosenLegend')}</strong>}
            </td>
          </tr>
        ))}
      </tbody>
    </CaptionedTable>
  );
}

function SensitivityTable({ rows, format }: { rows: SearchDetail['sensitivity']; format: Formatters }) {
  const { t } = useTranslation();
  const signed = (value: number, digits: number) => `${value > 0 ? '+' : ''}${format.number(value, digits)}`;
  const columns = (['parameter', 'value', 'bleu', 'asr', 'deltaBleu', 'deltaAsr'] as const).map((column) => ({
    label: t(`benchmark.search.sensitivity.${column}`),
    numeric: column !== 'parameter',
  }));
  return (
    <CaptionedTable caption={t('benchmark.search.sensitivityTitle')} testId="search-sensitivity" columns={columns}>
      <tbody>
        {rows.length === 0 ? (
          <tr>
            <td colSpan={6} className="empty">
              {t('benchmark.search.sensitivity.empty')}
            </td>
          </tr>
        ) : (
          rows.map((row) => (
            <tr key={`${row.parameter}-${row.value}`} data-testid="sensitivity-row">
              <td>{row.parameter === 'labelSmoothing' ? t('launch.parameters.labelSmoothing') : t('launch.parameters.alphaBase')}</td>
              <td className="num">{format.number(row.value, 3)}</td>
              <td className="num">{format.number(row.bleu, 1)}</td>
              <td className="num">{format.percent(row.asr)}</td>
              <td className="num">{signed(row.deltaBleu, 1)}</td>
              <td className="num">{signed(row.deltaAsr, 1)}</td>
            </tr>
          ))
        )}
      </tbody>
    </CaptionedTable>
  );
}

/** A table with a visible caption and plain column headers; the body is the caller's. */
function CaptionedTable({ caption, testId, columns, children }: { caption: string; testId: string; columns: readonly { label: string; numeric: boolean }[]; children: ReactNode }) {
  return (
    <div className="table-wrap">
      <table className="table" data-testid={testId}>
        <caption className="table-caption">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column.label} scope="col" className={column.numeric ? 'num' : ''}>
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        {children}
      </table>
    </div>
  );
}
