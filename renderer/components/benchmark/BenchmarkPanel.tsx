import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLoad } from '../../lib/use-load';
import { useApi } from '../../state/connection';
import { BenchmarkDetailView } from './BenchmarkDetail';
import { BenchmarkList } from './BenchmarkList';
import { ErrorBanner } from './fields';
import { MatrixForm } from './MatrixForm';
import { SearchPanel } from './SearchPanel';
import { useProjectReload } from './use-project-reload';
import './benchmark.css';

const TABS = ['matrix', 'search'] as const;
type Tab = (typeof TABS)[number];

/**
 * The Benchmark stage's own work: the scenario matrix (plan, run, results, early learning) and the DeCE
 * hyperparameter search, as two tabs. Training arms are ordinary runs of the stage, so they also appear
 * in the runs table below.
 */
export function BenchmarkPanel({ projectId, canStart }: { projectId: number; canStart: boolean }) {
  const { t } = useTranslation();
  const api = useApi();
  const [tab, setTab] = useState<Tab>('matrix');
  const datasets = useLoad(() => api['datasets.list']({ projectId }), [api, projectId]);
  const benchmarks = useLoad(() => api['benchmarks.list']({ projectId }), [api, projectId]);
  useProjectReload(projectId, benchmarks.reload);
  const [selected, setSelected] = useState<number | null>(null);
  const shown = selected ?? [...(benchmarks.data ?? [])].sort((a, b) => b.id - a.id)[0]?.id ?? null;

  return (
    <section className="benchmark-panel" aria-labelledby="benchmark-panel-title" data-testid="benchmark-panel">
      <div className="bench-tabs-head">
        <h3 id="benchmark-panel-title" className="sr-only">
          {t('benchmark.title')}
        </h3>
        <div className="segmented bench-tabs" role="tablist" aria-labelledby="benchmark-panel-title">
          {TABS.map((name) => (
            <button
              key={name}
              type="button"
              role="tab"
              id={`bench-tab-${name}`}
              aria-selected={tab === name}
              aria-controls={`bench-tabpanel-${name}`}
              className={tab === name ? 'selected' : undefined}
              data-testid={`benchmark-tab-${name}`}
              onClick={() => {
                setTab(name);
              }}
            >
              {t(`benchmark.tabs.${name}`)}
            </button>
          ))}
        </div>
      </div>

      {tab === 'matrix' ? (
        <div role="tabpanel" id="bench-tabpanel-matrix" aria-labelledby="bench-tab-matrix">
          <MatrixForm
            projectId={projectId}
            datasets={datasets.data}
            canStart={canStart}
            onStarted={(benchmark) => {
              setSelected(benchmark.id);
              benchmarks.reload();
            }}
          />
          <section className="card" aria-labelledby="benchmarks-title">
            <div className="card-head">
              <h3 id="benchmarks-title">{t('benchmark.list.title')}</h3>
            </div>
            <ErrorBanner error={benchmarks.error} testId="benchmarks-error" />
            {benchmarks.data !== null && <BenchmarkList benchmarks={benchmarks.data} selected={shown} onSelect={setSelected} />}
          </section>
          {shown !== null && <BenchmarkDetailView key={shown} projectId={projectId} benchmarkId={shown} datasets={datasets.data} onChanged={benchmarks.reload} />}
        </div>
      ) : (
        <div role="tabpanel" id="bench-tabpanel-search" aria-labelledby="bench-tab-search">
          <SearchPanel projectId={projectId} datasets={datasets.data} canStart={canStart} />
        </div>
      )}
    </section>
  );
}
