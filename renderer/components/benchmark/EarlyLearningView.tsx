import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Dataset } from '../../../common/contract';
import type { EarlyLearning } from '../../../common/contract-benchmark';
import type { EpochMetrics } from '../../../common/run-config';
import { useFormat } from '../../lib/format';
import { LOSS_COLORS } from '../../lib/runs';
import { LineChart, type ChartSeries } from '../LineChart';
import { StopNotes } from '../StopNotes';
import { useDatasetLabel, useScenarioLabels } from './fields';

const pairKey = (pair: EarlyLearning) => `${pair.ceRunId}-${pair.deceRunId}`;

/** One value per epoch of a run, skipping epochs where it was not recorded. */
function perEpoch(epochs: readonly EpochMetrics[], pick: (m: EpochMetrics) => number | null | undefined): [number, number][] {
  return epochs.flatMap((m) => {
    const value = pick(m);
    return value === null || value === undefined || !Number.isFinite(value) ? [] : [[m.epoch, value] as [number, number]];
  });
}

/**
 * The mechanism DeCE acts on, for one CE / DeCE pair trained on the same poisoned data and seed: per
 * epoch, clean BLEU and ASR of both, and each run's loss on poisoned vs clean training rows. The epoch at
 * which CE starts learning the trigger is stated in words and marked on the ASR chart.
 */
export function EarlyLearningView({ pairs, datasets }: { pairs: readonly EarlyLearning[]; datasets: readonly Dataset[] | null }) {
  const { t } = useTranslation();
  const format = useFormat();
  const labels = useScenarioLabels();
  const datasetLabel = useDatasetLabel(datasets);
  const [picked, setPicked] = useState<string | null>(null);
  const pair = pairs.find((p) => pairKey(p) === picked) ?? pairs[0] ?? null;

  const pairLabel = (p: EarlyLearning) =>
    t('benchmark.early.pairLabel', { dataset: datasetLabel(p.dataset), attack: labels.attack(p.attack), rate: labels.rate(p.rate), seed: p.seed });

  return (
    <section className="card" aria-labelledby="early-title" data-testid="early-learning">
      <div className="card-head">
        <h3 id="early-title">{t('benchmark.early.title')}</h3>
        {pairs.length > 0 && (
          <label className="filter">
            <span>{t('benchmark.early.pair')}</span>
            <select
              value={pair === null ? '' : pairKey(pair)}
              data-testid="early-pair"
              onChange={(event) => {
                setPicked(event.target.value);
              }}
            >
              {pairs.map((p) => (
                <option key={pairKey(p)} value={pairKey(p)}>
                  {pairLabel(p)}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <p className="muted small">{t('benchmark.early.explain')}</p>
      {pair === null ? (
        <p className="empty" data-testid="early-empty">
          {t('benchmark.early.empty')}
        </p>
      ) : (
        <EarlyLearningPair pair={pair} format={format} />
      )}
    </section>
  );
}

function EarlyLearningPair({ pair, format }: { pair: EarlyLearning; format: ReturnType<typeof useFormat> }) {
  const { t } = useTranslation();
  const ce = t('loss.ce.short');
  const dece = t('loss.dece.short');
  const maxEpoch = Math.max(2, ...pair.ce.map((m) => m.epoch), ...pair.dece.map((m) => m.epoch));
  const both = (pick: (m: EpochMetrics) => number | null | undefined): ChartSeries[] => [
    { id: 'ce', label: `${ce} (#${pair.ceRunId})`, color: LOSS_COLORS.ce, points: perEpoch(pair.ce, pick) },
    { id: 'dece', label: `${dece} (#${pair.deceRunId})`, color: LOSS_COLORS.dece, points: perEpoch(pair.dece, pick) },
  ];
  const onsetPoint = pair.ceOnsetEpoch === null ? undefined : pair.ce.find((m) => m.epoch === pair.ceOnsetEpoch);
  const asrSeries: ChartSeries[] = [
    ...both((m) => m.asr),
    // A lone point at CE's onset epoch: the chart's way of marking it.
    ...(onsetPoint === undefined
      ? []
      : [{ id: 'onset', label: t('benchmark.early.onsetMark', { epoch: onsetPoint.epoch }), color: '#111827', dash: [2, 2], points: [[onsetPoint.epoch, onsetPoint.asr] as const] }]),
  ];
  const lossSeries: ChartSeries[] = [
    { id: 'ce-poisoned', label: t('benchmark.early.poisonedRows', { loss: ce }), color: LOSS_COLORS.ce, points: perEpoch(pair.ce, (m) => m.poisonedRowLoss) },
    { id: 'ce-clean', label: t('benchmark.early.cleanRows', { loss: ce }), color: LOSS_COLORS.ce, dash: [6, 4], points: perEpoch(pair.ce, (m) => m.cleanRowLoss) },
    { id: 'dece-poisoned', label: t('benchmark.early.poisonedRows', { loss: dece }), color: LOSS_COLORS.dece, points: perEpoch(pair.dece, (m) => m.poisonedRowLoss) },
    { id: 'dece-clean', label: t('benchmark.early.cleanRows', { loss: dece }), color: LOSS_COLORS.dece, dash: [6, 4], points: perEpoch(pair.dece, (m) => m.cleanRowLoss) },
  ];
  // The three per-epoch views of the pair, drawn alike (epochs on x, integer ticks).
  const charts = [
    {
      testId: 'early-asr',
      title: t('benchmark.early.asrTitle'),
      description: t('benchmark.early.asrDescription'),
      yLabel: t('charts.asr.axis'),
      series: asrSeries,
      formatValue: (v: number) => format.percent(v),
      yRange: [0, 100] as const,
    },
    {
      testId: 'early-bleu',
      title: t('benchmark.early.bleuTitle'),
      description: t('benchmark.early.bleuDescription'),
      yLabel: t('charts.bleu.axis'),
      series: both((m) => m.bleu),
      formatValue: (v: number) => format.number(v, 1),
      yRange: undefined,
    },
    {
      testId: 'early-loss',
      title: t('benchmark.early.lossTitle'),
      description: t('benchmark.early.lossDescription'),
      yLabel: t('charts.loss.axis'),
      series: lossSeries,
      formatValue: (v: number) => format.number(v, 3),
      yRange: undefined,
    },
  ];
  const epochText = (epoch: number | null, key: 'ceOnset' | 'deceOnset' | 'gap') =>
    epoch === null ? t(`benchmark.early.${key}Never`) : t(`benchmark.early.${key}`, { epoch });

  return (
    <>
      <ul className="early-facts" data-testid="early-facts">
        <li data-testid="early-ce-onset" data-epoch={pair.ceOnsetEpoch ?? 'never'}>
          {epochText(pair.ceOnsetEpoch, 'ceOnset')}
        </li>
        <li data-testid="early-dece-onset" data-epoch={pair.deceOnsetEpoch ?? 'never'}>
          {epochText(pair.deceOnsetEpoch, 'deceOnset')}
        </li>
        <li data-testid="early-gap">{epochText(pair.gapEpoch, 'gap')}</li>
      </ul>
      <StopNotes
        runs={[
          { id: pair.ceRunId, label: ce, epochs: pair.ce },
          { id: pair.deceRunId, label: dece, epochs: pair.dece },
        ]}
        testId="early-stops"
      />
      <div className="chart-grid">
        {charts.map((chart) => (
          <LineChart
            key={chart.testId}
            {...chart}
            xLabel={t('charts.epochAxis')}
            emptyText={t('charts.waitingEpoch')}
            discreteX
            xRange={[1, maxEpoch]}
          />
        ))}
      </div>
    </>
  );
}
