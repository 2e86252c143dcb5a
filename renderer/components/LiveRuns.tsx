import { useTranslation } from 'react-i18next';
import type { RunSummary } from '../../common/contract';
import { useFormat } from '../lib/format';
import { isActive, progressOf, type LiveProgress } from '../lib/runs';

/** One progress bar per queued or running run, driven by 'run.progress' events. */
export function LiveRuns({ runs, live }: { runs: readonly RunSummary[]; live: ReadonlyMap<number, LiveProgress> }) {
  const { t } = useTranslation();
  const format = useFormat();
  const active = runs.filter(isActive).sort((a, b) => a.id - b.id);
  if (active.length === 0) return null;
  return (
    <div className="live-runs" aria-label={t('live.title')} data-testid="live-runs">
      {active.map((run) => {
        const progress = live.get(run.id);
        const fraction = progressOf(run, progress);
        const step = progress?.step;
        let text: string;
        if (run.status === 'queued') text = t('live.queued');
        else if (step && step.phase === progress.phase && (step.phase === 'train' || step.phase === 'pretrain')) {
          text = t(step.phase === 'pretrain' ? 'live.pretrainStep' : 'live.trainStep', {
            epoch: format.number(step.epoch),
            epochs: format.number(step.epochs),
            step: format.number(step.step),
            steps: format.number(step.stepsPerEpoch),
          });
        } else text = t(`live.phase.${progress?.phase ?? 'prepare'}`);
        return (
          <div key={run.id} className="live-run" data-testid="live-run" data-run-id={run.id}>
            <div className="live-run-head">
              <span className={`loss-tag loss-${run.loss}`}>{t(`loss.${run.loss}.short`)}</span>
              <span className="live-run-name">{run.name}</span>
              <span className="muted" data-testid="live-run-text">
                {text}
              </span>
              {step && step.etaSeconds > 0 && run.status === 'running' && (
                <span className="muted" data-testid="live-run-eta">
                  {t('live.eta', { time: format.duration(step.etaSeconds) })}
                </span>
              )}
            </div>
            <div
              className="progress"
              role="progressbar"
              aria-label={t('live.progressOf', { name: run.name })}
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.round(fraction * 100)}
              data-testid={`run-progress-${run.id}`}
            >
              <div className="progress-fill" style={{ width: `${(fraction * 100).toFixed(1)}%` }} />
            </div>
          </div>
        );
      })}
    </div>
  );
}
