import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RunSummary } from '../../common/contract';
import type { EpochMetrics } from '../../common/run-config';
import { useFormat } from '../lib/format';
import { DASHES, LOSS_COLORS } from '../lib/runs';
import { useApi, useAppEvents } from '../state/connection';
import { useToasts } from '../state/toasts';
import { LineChart, type ChartSeries } from './LineChart';
import { StopNotes } from './StopNotes';

/** What the charts know of one run: stored history plus what events added since. */
interface Trace {
  /** Training-phase step losses keyed by epoch·1e6 + step, so a reload and live events merge without doubles. */
  steps: Map<number, { epoch: number; step: number; loss: number }>;
  stepsPerEpoch: number | null;
  epochs: Map<number, EpochMetrics>;
}

const stepKey = (epoch: number, step: number) => epoch * 1_000_000 + step;

function emptyTrace(): Trace {
  return { steps: new Map(), stepsPerEpoch: null, epochs: new Map() };
}

/** Loads the compared runs' history once, then follows them through 'run.progress' events. */
function useTraces(runIds: readonly number[]): ReadonlyMap<number, Trace> {
  const api = useApi();
  const { showError } = useToasts();
  const [traces, setTraces] = useState<ReadonlyMap<number, Trace>>(new Map());
  const requested = useRef(new Set<number>());

  const fetchRun = (runId: number) => {
    requested.current.add(runId);
    api['runs.get']({ runId }).then(
      (detail) => {
        setTraces((map) => {
          const next = new Map(map);
          const before = map.get(runId) ?? emptyTrace();
          const trace: Trace = { steps: new Map(before.steps), stepsPerEpoch: before.stepsPerEpoch, epochs: new Map(before.epochs) };
          for (const point of detail.steps) trace.steps.set(stepKey(point.epoch, point.step), point);
          for (const metrics of detail.epochs) trace.epochs.set(metrics.epoch, metrics);
          next.set(runId, trace);
          return next;
        });
      },
      (error: unknown) => {
        requested.current.delete(runId);
        showError(error);
      },
    );
  };

  const key = runIds.join(',');
  useEffect(() => {
    // Runs no longer compared stop being followed; picking one again loads it afresh.
    for (const id of [...requested.current]) if (!runIds.includes(id)) requested.current.delete(id);
    setTraces((map) => {
      const kept = [...map].filter(([id]) => runIds.includes(id));
      return kept.length === map.size ? map : new Map(kept);
    });
    for (const id of runIds) if (!requested.current.has(id)) fetchRun(id);
    // Only the id list matters; fetchRun reads refs and state setters.
  }, [key]);

  useAppEvents((event) => {
    if (event.type === 'project.changed' || !runIds.includes(event.runId)) return;
    if (event.type === 'run.status') {
      // The stored history is complete once a run ends; live step events were thinned.
      if (event.status === 'finished' || event.status === 'failed' || event.status === 'cancelled') fetchRun(event.runId);
      return;
    }
    const training = event.event;
    if (training.type === 'phase') return;
    if (training.type === 'step' && training.phase !== 'train') return;
    setTraces((map) => {
      const next = new Map(map);
      const before = map.get(event.runId) ?? emptyTrace();
      const trace: Trace = { ...before };
      if (training.type === 'step') {
        trace.steps = new Map(before.steps).set(stepKey(training.epoch, training.step), { epoch: training.epoch, step: training.step, loss: training.loss });
        trace.stepsPerEpoch = training.stepsPerEpoch;
      } else {
        trace.epochs = new Map(before.epochs).set(training.metrics.epoch, training.metrics);
      }
      next.set(event.runId, trace);
      return next;
    });
  });

  return traces;
}

/** The run's name, with its loss in front unless the name already says it (the default names do). */
function labelFor(run: RunSummary, lossShort: string): string {
  const named = run.name
    .toLowerCase()
    .split(/[^a-z0-9-]+/)
    .includes(lossShort.toLowerCase());
  return named ? `${run.name} (#${run.id})` : `${lossShort}: ${run.name} (#${run.id})`;
}

/** Training loss, clean BLEU and ASR of the compared runs, overlaid, updating while they train. */
export function RunCharts({ runs }: { runs: readonly RunSummary[] }) {
  const { t } = useTranslation();
  const format = useFormat();
  const sorted = [...runs].sort((a, b) => a.id - b.id);
  const traces = useTraces(sorted.map((run) => run.id));

  const seen = new Map<string, number>();
  const styled = sorted.map((run) => {
    const ordinal = seen.get(run.loss) ?? 0;
    seen.set(run.loss, ordinal + 1);
    return {
      run,
      label: labelFor(run, t(`loss.${run.loss}.short`)),
      color: LOSS_COLORS[run.loss],
      dash: DASHES[ordinal % DASHES.length],
      trace: traces.get(run.id) ?? emptyTrace(),
    };
  });

  const maxEpochs = sorted.reduce((most, run) => Math.max(most, run.config.training.epochs), 1);
  const lossSeries: ChartSeries[] = styled.map(({ run, label, color, dash, trace }) => {
    const steps = [...trace.steps.values()];
    const perEpoch = trace.stepsPerEpoch ?? steps.reduce((most, s) => Math.max(most, s.step), 1);
    return {
      id: String(run.id),
      label,
      color,
      dash,
      points: steps.map((s) => [s.epoch - 1 + s.step / perEpoch, s.loss] as const),
    };
  });
  const epochSeries = (pick: (m: EpochMetrics) => number): ChartSeries[] =>
    styled.map(({ run, label, color, dash, trace }) => ({
      id: String(run.id),
      label,
      color,
      dash,
      points: [...trace.epochs.values()].map((m) => [m.epoch, pick(m)] as const),
    }));

  // Where training stopped early and why (runs that stop on validation evidence record it on their last epoch).

  return (
    <section className="card" aria-labelledby="charts-title" data-testid="run-charts">
      <div className="card-head">
        <h3 id="charts-title">{t('charts.title')}</h3>
        <span className="muted">{t('charts.pickHint')}</span>
      </div>
      {runs.length === 0 ? (
        <p className="empty" data-testid="charts-empty">
          {t('charts.none')}
        </p>
      ) : (
        <div className="chart-grid">
          <LineChart
            testId="chart-loss"
            title={t('charts.loss.title')}
            description={t('charts.loss.description')}
            xLabel={t('charts.epochAxis')}
            yLabel={t('charts.loss.axis')}
            series={lossSeries}
            emptyText={t('charts.waiting')}
            formatValue={(v) => format.number(v, 3)}
            xRange={[0, maxEpochs]}
          />
          <LineChart
            testId="chart-bleu"
            title={t('charts.bleu.title')}
            description={t('charts.bleu.description')}
            xLabel={t('charts.epochAxis')}
            yLabel={t('charts.bleu.axis')}
            series={epochSeries((m) => m.bleu)}
            emptyText={t('charts.waitingEpoch')}
            formatValue={(v) => format.number(v, 1)}
            discreteX
            xRange={[1, Math.max(2, maxEpochs)]}
          />
          <LineChart
            testId="chart-asr"
            title={t('charts.asr.title')}
            description={t('charts.asr.description')}
            xLabel={t('charts.epochAxis')}
            yLabel={t('charts.asr.axis')}
            series={epochSeries((m) => m.asr)}
            emptyText={t('charts.waitingEpoch')}
            formatValue={(v) => format.percent(v)}
            discreteX
            xRange={[1, Math.max(2, maxEpochs)]}
            yRange={[0, 100]}
          />
        </div>
      )}
      <StopNotes runs={styled.map(({ run, label, trace }) => ({ id: run.id, label, epochs: trace.epochs.values() }))} testId="run-stops" />
    </section>
  );
}
