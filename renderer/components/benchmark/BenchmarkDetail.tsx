import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Dataset } from '../../../common/contract';
import { BENCHMARK_ARMS, type Benchmark, type BenchmarkCell } from '../../../common/contract-benchmark';
import { useFormat } from '../../lib/format';
import { useLoad } from '../../lib/use-load';
import { useApi } from '../../state/connection';
import { useToasts } from '../../state/toasts';
import { useAction } from '../production/use-action';
import { AsrHeatmap } from './AsrHeatmap';
import { BenchmarkStatus, ProgressText } from './BenchmarkList';
import { EarlyLearningView } from './EarlyLearningView';
import { ErrorBanner, Field, NotLoaded, useDatasetLabel, useListProblem, useScenarioLabels } from './fields';
import { groupKey, nextSeeds, parseNumberList, type ScenarioGroup } from './model';
import { ScenarioTable } from './ScenarioTable';
import { useProjectReload } from './use-project-reload';

interface BenchmarkDetailProps {
  projectId: number;
  benchmarkId: number;
  datasets: readonly Dataset[] | null;
  /** Called after pause / resume / extend, so the list shows the new status too. */
  onChanged: () => void;
}

/** One matrix: where it stands, what can be done with it, its cells and its results. */
export function BenchmarkDetailView({ projectId, benchmarkId, datasets, onChanged }: BenchmarkDetailProps) {
  const api = useApi();
  const detail = useLoad(() => api['benchmarks.get']({ benchmarkId }), [api, benchmarkId]);
  useProjectReload(projectId, detail.reload);

  if (detail.data === null || detail.data.benchmark.id !== benchmarkId) return <NotLoaded error={detail.error} />;
  const { benchmark, cells, scenarios, earlyLearning } = detail.data;
  const armOrder = BENCHMARK_ARMS.filter((arm) => benchmark.spec.arms.includes(arm));
  return (
    <div className="bench-detail" data-testid="benchmark-detail" data-benchmark-id={benchmark.id} data-status={benchmark.status}>
      <section className="card" aria-labelledby="bench-detail-title">
        <div className="card-head">
          <h3 id="bench-detail-title">
            {benchmark.name} <BenchmarkStatus benchmark={benchmark} />
          </h3>
          <BenchmarkActions
            benchmark={benchmark}
            onChanged={() => {
              detail.reload();
              onChanged();
            }}
          />
        </div>
        <ErrorBanner error={detail.error} />
        <ProgressText benchmark={benchmark} />
        <SpecSummary benchmark={benchmark} datasets={datasets} />
        <CellsGrid cells={cells} armOrder={armOrder} datasets={datasets} />
      </section>
      <ScenarioTable benchmarkId={benchmark.id} scenarios={scenarios} armOrder={armOrder} datasets={datasets} />
      <AsrHeatmap scenarios={scenarios} armOrder={armOrder} datasets={datasets} />
      <EarlyLearningView pairs={earlyLearning} datasets={datasets} />
    </div>
  );
}

function SpecSummary({ benchmark, datasets }: { benchmark: Benchmark; datasets: readonly Dataset[] | null }) {
  const { t } = useTranslation();
  const format = useFormat();
  const labels = useScenarioLabels();
  const datasetLabel = useDatasetLabel(datasets);
  const { spec } = benchmark;
  const facts: [string, string][] = [
    [t('launch.sizeLabel'), t(`launch.size.${spec.size}.label`)],
    [t('benchmark.form.datasets'), spec.datasets.map((d) => datasetLabel(d.kind === 'import' ? `import:${d.datasetId}` : d.kind)).join(', ')],
    [t('benchmark.form.attacks'), spec.attacks.map(labels.attack).join(', ')],
    [t('benchmark.form.rates'), spec.rates.map(labels.rate).join(', ')],
    [t('benchmark.form.arms'), spec.arms.map(labels.arm).join(', ')],
    [t('benchmark.form.seeds'), spec.seeds.join(', ')],
    [t('benchmark.detail.dece'), `ε = ${format.number(spec.dece.labelSmoothing, 3)}, α_base = ${format.number(spec.dece.alphaBase, 3)}`],
  ];
  return (
    <dl className="spec-facts" data-testid="benchmark-spec">
      {facts.map(([name, value]) => (
        <div key={name}>
          <dt>{name}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function BenchmarkActions({ benchmark, onChanged }: { benchmark: Benchmark; onChanged: () => void }) {
  const { t } = useTranslation();
  const api = useApi();
  const { notify } = useToasts();
  const { busy, act: change } = useAction(onChanged);
  const listProblem = useListProblem();
  const [seedsText, setSeedsText] = useState(() => nextSeeds(benchmark.spec.seeds, 1).join(', '));
  const parsedSeeds = parseNumberList(seedsText, { min: 0, max: 2 ** 31 - 1, integer: true, maxCount: 20 });
  const duplicate = parsedSeeds.ok ? parsedSeeds.values.find((seed) => benchmark.spec.seeds.includes(seed)) : undefined;
  const seedsError = listProblem(parsedSeeds, `0–${2 ** 31 - 1}`) ?? (duplicate === undefined ? null : t('benchmark.problems.seedExists', { seed: duplicate }));
  const unfinished = benchmark.counts.finished < benchmark.counts.total;

  const act = async (action: 'pause' | 'resume' | 'extend') => {
    const benchmarkId = benchmark.id;
    const updated = await change((actor) => {
      if (action === 'pause') return api['benchmarks.pause']({ benchmarkId, actor });
      if (action === 'resume') return api['benchmarks.resume']({ benchmarkId, actor });
      return api['benchmarks.extend']({ benchmarkId, seeds: parsedSeeds.ok ? parsedSeeds.values : [], actor });
    });
    if (updated === null) return;
    if (action === 'extend') setSeedsText(nextSeeds(updated.spec.seeds, 1).join(', '));
    notify('success', (tr) => tr(`benchmark.detail.done.${action}`));
  };

  return (
    <div className="card-tools bench-actions">
      {benchmark.status === 'running' && (
        <button
          type="button"
          className="button"
          disabled={busy}
          data-testid="benchmark-pause"
          onClick={() => {
            void act('pause');
          }}
        >
          {t('benchmark.detail.pause')}
        </button>
      )}
      {benchmark.status !== 'running' && unfinished && (
        <button
          type="button"
          className="button primary"
          disabled={busy}
          data-testid="benchmark-resume"
          onClick={() => {
            void act('resume');
          }}
        >
          {t('benchmark.detail.resume')}
        </button>
      )}
      <form
        className="inline-form extend-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (seedsError === null) void act('extend');
        }}
      >
        <Field label={t('benchmark.detail.extendSeeds')} error={seedsError} testId="benchmark-extend-field">
          {(aria) => (
            <input
              {...aria}
              value={seedsText}
              size={10}
              data-testid="benchmark-extend-seeds"
              onChange={(event) => {
                setSeedsText(event.target.value);
              }}
            />
          )}
        </Field>
        <button type="submit" className="button" disabled={busy || seedsError !== null} data-testid="benchmark-extend">
          {t('benchmark.detail.extend')}
        </button>
      </form>
    </div>
  );
}

/**
 * Every cell's status: one row per (dataset, attack, rate), one column per arm, one chip per seed. The
 * clean reference has rate 0 and so gets a row of its own per (dataset, attack).
 */
function CellsGrid({ cells, armOrder, datasets }: { cells: readonly BenchmarkCell[]; armOrder: readonly string[]; datasets: readonly Dataset[] | null }) {
  const { t } = useTranslation();
  const labels = useScenarioLabels();
  const datasetLabel = useDatasetLabel(datasets);
  const groups = new Map<string, ScenarioGroup>();
  for (const cell of cells) groups.set(groupKey(cell), { dataset: cell.dataset, attack: cell.attack, rate: cell.rate });
  const rows = [...groups.values()].sort((a, b) => a.dataset.localeCompare(b.dataset) || a.attack.localeCompare(b.attack) || a.rate - b.rate);
  const arms = armOrder.filter((arm) => cells.some((cell) => cell.arm === arm));
  if (cells.length === 0) return <p className="empty">{t('benchmark.detail.noCells')}</p>;
  return (
    <details className="cells-details" open>
      <summary>{t('benchmark.detail.cellsTitle')}</summary>
      <div className="table-wrap">
        <table className="table cells-grid" data-testid="cells-grid">
          <caption className="sr-only">{t('benchmark.detail.cellsCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('benchmark.results.scenario')}</th>
              {arms.map((arm) => (
                <th key={arm} scope="col" title={labels.armName(arm)}>
                  {labels.arm(arm)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((group) => (
              <tr key={groupKey(group)}>
                <th scope="row">
                  {datasetLabel(group.dataset)} · {labels.attack(group.attack)} · {labels.rate(group.rate)}
                </th>
                {arms.map((arm) => (
                  <td key={arm}>
                    <span className="cell-chips">
                      {cells
                        .filter((cell) => cell.arm === arm && groupKey(cell) === groupKey(group))
                        .sort((a, b) => a.seed - b.seed)
                        .map((cell) => (
                          <CellChip key={cell.key} cell={cell} />
                        ))}
                    </span>
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted small">{t('benchmark.detail.cellsLegend')}</p>
    </details>
  );
}

function CellChip({ cell }: { cell: BenchmarkCell }) {
  const { t } = useTranslation();
  const labels = useScenarioLabels();
  const status = t(`benchmark.cellStatus.${cell.status}`);
  const description = [
    t('benchmark.detail.cellLabel', { arm: labels.arm(cell.arm), seed: cell.seed, status }),
    cell.reused ? t('benchmark.detail.reused') : null,
    cell.runId === null ? null : t('benchmark.detail.run', { id: cell.runId }),
    cell.detail,
    cell.error,
  ]
    .filter((part) => part !== null && part !== '')
    .join(' · ');
  return (
    <span
      className={`cell-chip cell-${cell.status}`}
      title={description}
      aria-label={description}
      role="img"
      data-testid="bench-cell"
      data-status={cell.status}
      data-reused={cell.reused}
      data-arm={cell.arm}
    >
      {cell.seed}
      {cell.reused && (
        <span className="reused-badge" aria-hidden="true">
          {t('benchmark.detail.reusedShort')}
        </span>
      )}
    </span>
  );
}
