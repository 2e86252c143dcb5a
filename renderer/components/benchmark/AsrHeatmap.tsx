import { useTranslation } from 'react-i18next';
import type { Dataset } from '../../../common/contract';
import type { ScenarioRow } from '../../../common/contract-benchmark';
import { useFormat } from '../../lib/format';
import { useDatasetLabel, useScenarioLabels } from './fields';
import { buildHeatmap, groupKey, heatColor, heatGradient } from './model';

/**
 * Mean ASR per (attack × rate) and arm as a CSS grid of coloured cells, each with its number written in
 * it and an aria-label, so neither the colour nor the pointer is needed to read it.
 */
export function AsrHeatmap({ scenarios, armOrder, datasets }: { scenarios: readonly ScenarioRow[]; armOrder: readonly string[]; datasets: readonly Dataset[] | null }) {
  const { t } = useTranslation();
  const format = useFormat();
  const labels = useScenarioLabels();
  const datasetLabel = useDatasetLabel(datasets);
  const heatmap = buildHeatmap(scenarios, armOrder);
  const manyDatasets = new Set(heatmap.rows.map((row) => row.dataset)).size > 1;

  return (
    <section className="card" aria-labelledby="heatmap-title" data-testid="asr-heatmap">
      <div className="card-head">
        <h3 id="heatmap-title">{t('benchmark.heatmap.title')}</h3>
      </div>
      <p className="muted small">{t('benchmark.heatmap.explain')}</p>
      {heatmap.rows.length === 0 ? (
        <p className="empty" data-testid="heatmap-empty">
          {t('benchmark.heatmap.empty')}
        </p>
      ) : (
        <>
          <div
            className="heatmap"
            role="table"
            aria-labelledby="heatmap-title"
            style={{ gridTemplateColumns: `minmax(180px, max-content) repeat(${heatmap.arms.length}, minmax(72px, 1fr))` }}
          >
            <div role="row" className="heatmap-row">
              <span role="columnheader" className="heatmap-corner">
                {t('benchmark.heatmap.rows')}
              </span>
              {heatmap.arms.map((arm) => (
                <span key={arm} role="columnheader" className="heatmap-head" title={labels.armName(arm)}>
                  {labels.arm(arm)}
                </span>
              ))}
            </div>
            {heatmap.rows.map((row) => {
              const rowLabel = `${manyDatasets ? `${datasetLabel(row.dataset)} · ` : ''}${labels.attack(row.attack)} · ${labels.rate(row.rate)}`;
              const byArm = heatmap.values.get(groupKey(row));
              return (
                <div key={groupKey(row)} role="row" className="heatmap-row">
                  <span role="rowheader" className="heatmap-rowhead">
                    {rowLabel}
                  </span>
                  {heatmap.arms.map((arm) => {
                    const value = byArm?.get(arm);
                    const label =
                      value === undefined
                        ? t('benchmark.heatmap.cellMissing', { row: rowLabel, arm: labels.arm(arm) })
                        : t('benchmark.heatmap.cellLabel', { row: rowLabel, arm: labels.arm(arm), asr: format.percent(value.asr), n: value.n });
                    const colors = value === undefined ? null : heatColor(value.asr);
                    return (
                      <span
                        key={arm}
                        role="cell"
                        className={`heatmap-cell${value === undefined ? ' heatmap-missing' : ''}`}
                        style={colors === null ? undefined : { background: colors.fill, color: colors.text }}
                        title={label}
                        aria-label={label}
                        data-testid="heatmap-cell"
                        data-arm={arm}
                        data-attack={row.attack}
                        data-asr={value === undefined ? undefined : value.asr}
                      >
                        {value === undefined ? '—' : format.percent(value.asr, 0)}
                      </span>
                    );
                  })}
                </div>
              );
            })}
          </div>
          <div className="heatmap-legend" data-testid="heatmap-legend">
            <span>{t('benchmark.heatmap.legend')}</span>
            <span className="heatmap-scale" aria-hidden="true" style={{ background: heatGradient() }} />
            <span className="heatmap-ticks" aria-hidden="true">
              {[0, 25, 50, 75, 100].map((tick) => (
                <span key={tick}>{format.percent(tick, 0)}</span>
              ))}
            </span>
            <span className="sr-only">{t('benchmark.heatmap.legendText')}</span>
          </div>
        </>
      )}
    </section>
  );
}
