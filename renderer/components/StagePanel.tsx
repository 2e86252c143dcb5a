import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChecklistItem, RunSummary, Stage } from '../../common/contract';
import { defaultComparison, type LiveProgress } from '../lib/runs';
import { useApi } from '../state/connection';
import { describeError } from '../state/toasts';
import { BenchmarkPanel } from './benchmark/BenchmarkPanel';
import { Checklist } from './Checklist';
import { CsvDownloadButton } from './CsvDownloadButton';
import { GatePanel } from './GatePanel';
import { LaunchDialog } from './LaunchDialog';
import { LiveRuns } from './LiveRuns';
import { ProductionPanel } from './production/ProductionPanel';
import { RunCharts } from './RunCharts';
import { RunsTable } from './RunsTable';

interface StagePanelProps {
  projectId: number;
  stage: Stage;
  previous: Stage | null;
  checklist: readonly ChecklistItem[];
  runs: readonly RunSummary[];
  runsError: unknown;
  live: ReadonlyMap<number, LiveProgress>;
  revision: number;
  onChanged: () => void;
}

export function StagePanel({ projectId, stage, previous, checklist, runs, runsError, live, revision, onChanged }: StagePanelProps) {
  const { t } = useTranslation();
  const [launching, setLaunching] = useState(false);
  /** null: compare the newest CE and DeCE runs automatically; a list once someone picks runs. */
  const [picked, setPicked] = useState<number[] | null>(null);
  const compared = picked ?? defaultComparison(runs);
  const active = stage.status === 'active';

  const toggleCompare = (runId: number) => {
    const base = picked ?? compared;
    setPicked(base.includes(runId) ? base.filter((id) => id !== runId) : [...base, runId]);
  };

  return (
    <section className="stage" aria-labelledby="stage-title" data-testid="stage-panel" data-stage={stage.stage} data-status={stage.status}>
      <div className="stage-head">
        <div>
          <h2 id="stage-title">
            {t(`stage.${stage.stage}.name`)}{' '}
            <span className={`badge badge-${stage.status}`} data-testid="stage-status">
              {t(`stageStatus.${stage.status}`)}
            </span>
          </h2>
          <p className="muted">{t(`stage.${stage.stage}.goal`)}</p>
        </div>
      </div>
      {stage.status === 'locked' && (
        <p className="banner info" data-testid="stage-locked">
          {t('stage.lockedExplain', { previous: previous ? t(`stage.${previous.stage}.name`) : '' })}
        </p>
      )}

      <div className="columns">
        <Checklist projectId={projectId} stage={stage} items={checklist} onChanged={onChanged} />
        <GatePanel projectId={projectId} stage={stage} revision={revision} onChanged={onChanged} />
      </div>

      {stage.stage === 'benchmark' && <BenchmarkPanel projectId={projectId} canStart={active} />}
      {stage.stage === 'production' && <ProductionPanel projectId={projectId} stage={stage} revision={revision} onChanged={onChanged} />}

      <section className="card" aria-labelledby="runs-title">
        <div className="card-head">
          <h3 id="runs-title">{t('runs.title')}</h3>
          <div className="card-tools">
            <ExportCsvButton projectId={projectId} />
            <button
              type="button"
              className="button primary"
              disabled={!active}
              title={active ? undefined : t('runs.onlyActive')}
              data-testid="launch-open"
              onClick={() => {
                setLaunching(true);
              }}
            >
              {t('runs.launch')}
            </button>
          </div>
        </div>
        {runsError !== null && (
          <p className="banner error" role="alert">
            {describeError(runsError, t)}
          </p>
        )}
        <LiveRuns runs={runs} live={live} />
        <RunsTable runs={runs} live={live} compared={compared} onToggleCompare={toggleCompare} />
      </section>

      <RunCharts runs={runs.filter((run) => compared.includes(run.id))} />

      {launching && (
        <LaunchDialog
          projectId={projectId}
          stage={stage.stage}
          onClose={() => {
            setLaunching(false);
          }}
          onLaunched={(ids) => {
            setLaunching(false);
            if (picked !== null) setPicked([...picked, ...ids]);
            onChanged();
          }}
        />
      )}
    </section>
  );
}

function ExportCsvButton({ projectId }: { projectId: number }) {
  const { t } = useTranslation();
  const api = useApi();
  return <CsvDownloadButton label={t('runs.exportCsv')} testId="export-csv" load={() => api['runs.exportCsv']({ projectId })} />;
}
