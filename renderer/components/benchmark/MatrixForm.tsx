import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Dataset } from '../../../common/contract';
import {
  BENCHMARK_ARMS,
  BenchmarkSpecSchema,
  DEFAULT_BENCHMARK_ARMS,
  DEFAULT_DECE_PARAMETERS,
  DEFAULT_POISON_RATES,
  DEFAULT_SEEDS,
  type Benchmark,
  type BenchmarkArm,
  type BenchmarkPlan,
  type BenchmarkSpec,
} from '../../../common/contract-benchmark';
import { LOSS_PARAMETER_RANGES, inputBounds } from '../../../common/catalog';
import { ATTACK_KINDS, type AttackKind } from '../../../common/run-config';
import { useFormat } from '../../lib/format';
import type { SizePreset } from '../../lib/presets';
import { useApi } from '../../state/connection';
import { describeError } from '../../state/toasts';
import { CheckGroup, Field, FieldInput, NameAndSize, useDatasetLabel, useDatasetOptions, useDebounced, useListProblem, useScenarioLabels } from './fields';
import { datasetFromKey, fractionToPercent, parseNumberList, percentToFraction, seedsFromCount, type ParsedList } from './model';
import { StartButton, StartFormCard, useDraft, useStart } from './start-form';

const MAX_DATASETS = 4;
const MAX_SEEDS = 20;
const MAX_SEED = 2 ** 31 - 1;

/** The form as typed: lists stay text until they are parsed, so a half-typed list is not lost. */
interface MatrixDraft {
  name: string;
  size: SizePreset;
  datasets: string[];
  attacks: AttackKind[];
  ratesText: string;
  arms: BenchmarkArm[];
  seedMode: 'count' | 'list';
  seedCount: string;
  seedList: string;
  labelSmoothing: string;
  alphaBase: string;
}

const initialDraft = (): MatrixDraft => ({
  name: '',
  size: 'quick',
  datasets: ['builtin-sql'],
  attacks: ['badpre'],
  ratesText: DEFAULT_POISON_RATES.map(fractionToPercent).join(', '),
  arms: [...DEFAULT_BENCHMARK_ARMS],
  seedMode: 'count',
  seedCount: String(DEFAULT_SEEDS.length),
  seedList: DEFAULT_SEEDS.join(', '),
  labelSmoothing: String(DEFAULT_DECE_PARAMETERS.labelSmoothing),
  alphaBase: String(DEFAULT_DECE_PARAMETERS.alphaBase),
});

/** DeCE's two hyperparameters as inputs, with the ranges the contract allows (the catalog's). */
const DECE_INPUTS = [
  { parameter: 'labelSmoothing', testId: 'matrix-label-smoothing', ...inputBounds(LOSS_PARAMETER_RANGES.labelSmoothing) },
  { parameter: 'alphaBase', testId: 'matrix-alpha-base', ...inputBounds(LOSS_PARAMETER_RANGES.alphaBase) },
] as const;

type FieldName = 'datasets' | 'attacks' | 'rates' | 'arms' | 'seeds' | 'labelSmoothing' | 'alphaBase';

/** The spec the draft means, or a problem per field. */
function useBuildSpec(): (draft: MatrixDraft, defaultName: string) => { spec: BenchmarkSpec | null; problems: Partial<Record<FieldName, string>> } {
  const { t } = useTranslation();
  const listProblem = useListProblem();
  return (draft, defaultName) => {
    const problems: Partial<Record<FieldName, string>> = {};
    const keep = (field: FieldName, parsed: ParsedList, range: string): number[] => {
      const problem = listProblem(parsed, range);
      if (problem !== null) problems[field] = problem;
      return parsed.ok ? parsed.values : [];
    };
    if (draft.datasets.length === 0) problems.datasets = t('benchmark.problems.pickDataset');
    if (draft.datasets.length > MAX_DATASETS) problems.datasets = t('benchmark.problems.tooManyDatasets', { max: MAX_DATASETS });
    if (draft.attacks.length === 0) problems.attacks = t('benchmark.problems.pickAttack');
    if (draft.arms.length === 0) problems.arms = t('benchmark.problems.pickArm');
    const rates = keep('rates', parseNumberList(draft.ratesText, { min: 0, minOpen: true, max: 50, maxCount: 8 }), '0 < x ≤ 50').map(percentToFraction);
    let seeds: number[] = [];
    if (draft.seedMode === 'count') {
      const count = Number(draft.seedCount);
      if (draft.seedCount.trim() === '' || !Number.isInteger(count) || count < 1 || count > MAX_SEEDS) problems.seeds = t('benchmark.problems.seedCount', { max: MAX_SEEDS });
      else seeds = seedsFromCount(count);
    } else {
      seeds = keep('seeds', parseNumberList(draft.seedList, { min: 0, max: MAX_SEED, integer: true, maxCount: MAX_SEEDS }), `0–${MAX_SEED}`);
    }
    const labelSmoothing = Number(draft.labelSmoothing);
    if (draft.labelSmoothing.trim() === '' || !(labelSmoothing >= 0 && labelSmoothing < 1)) problems.labelSmoothing = t('benchmark.problems.labelSmoothing');
    const alphaBase = Number(draft.alphaBase);
    if (draft.alphaBase.trim() === '' || !(alphaBase > 0 && alphaBase <= 1)) problems.alphaBase = t('benchmark.problems.alphaBase');
    if (Object.keys(problems).length > 0) return { spec: null, problems };
    const candidate = {
      name: draft.name.trim() === '' ? defaultName : draft.name.trim(),
      size: draft.size,
      datasets: draft.datasets.map(datasetFromKey).filter((d) => d !== null),
      attacks: draft.attacks,
      rates,
      arms: draft.arms,
      seeds,
      dece: { labelSmoothing, alphaBase },
    };
    // The contract's own schema has the last word; anything it refuses that the checks above let through is shown with the datasets.
    const parsed = BenchmarkSpecSchema.safeParse(candidate);
    if (!parsed.success) return { spec: null, problems: { datasets: parsed.error.issues[0]?.message ?? 'invalid' } };
    return { spec: parsed.data, problems };
  };
}

/** A spec with every attack and the smallest rest, whose plan says which (dataset, attack) pairs are skipped. */
function skipProbe(datasetKeys: readonly string[], size: SizePreset): BenchmarkSpec | null {
  const parsed = BenchmarkSpecSchema.safeParse({
    name: 'skip probe',
    size,
    datasets: datasetKeys.map(datasetFromKey).filter((d) => d !== null),
    attacks: [...ATTACK_KINDS],
    rates: [DEFAULT_POISON_RATES[0] ?? 0.01],
    arms: ['ce'],
    seeds: [DEFAULT_SEEDS[0] ?? 1],
    dece: DEFAULT_DECE_PARAMETERS,
  });
  return parsed.success ? parsed.data : null;
}

type PlanState = { key: string; plan: BenchmarkPlan } | { key: string; error: unknown } | null;

/** Asks for the plan of the spec a moment after the form stops changing. */
function useLivePlan(projectId: number, spec: BenchmarkSpec | null): { plan: BenchmarkPlan | null; error: unknown; pending: boolean } {
  const api = useApi();
  const key = spec === null ? null : JSON.stringify(spec);
  const settledKey = useDebounced(key, 400);
  const [state, setState] = useState<PlanState>(null);
  useEffect(() => {
    if (settledKey === null) return;
    let cancelled = false;
    api['benchmarks.plan']({ projectId, spec: JSON.parse(settledKey) as BenchmarkSpec }).then(
      (plan) => {
        if (!cancelled) setState({ key: settledKey, plan });
      },
      (error: unknown) => {
        if (!cancelled) setState({ key: settledKey, error });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, projectId, settledKey]);
  const current = state !== null && state.key === key ? state : null;
  return {
    plan: current !== null && 'plan' in current ? current.plan : null,
    error: current !== null && 'error' in current ? current.error : null,
    pending: key !== null && current === null,
  };
}

interface MatrixFormProps {
  projectId: number;
  datasets: readonly Dataset[] | null;
  /** Only the stage in progress takes new work. */
  canStart: boolean;
  onStarted: (benchmark: Benchmark) => void;
}

export function MatrixForm({ projectId, datasets, canStart, onStarted }: MatrixFormProps) {
  const { t } = useTranslation();
  const api = useApi();
  const format = useFormat();
  const { busy, start } = useStart('benchmark.form.started', onStarted);
  const buildSpec = useBuildSpec();
  const datasetOptions = useDatasetOptions(datasets);
  const datasetLabel = useDatasetLabel(datasets);
  const { draft, update, reset } = useDraft(initialDraft);
  const toggle = <T,>(list: readonly T[], value: T, order: readonly T[]): T[] =>
    list.includes(value) ? list.filter((v) => v !== value) : order.filter((v) => v === value || list.includes(v));

  const defaultName = t('benchmark.form.defaultName', { size: t(`launch.size.${draft.size}.label`) });
  const { spec, problems } = buildSpec(draft, defaultName);
  const { plan, error: planError, pending } = useLivePlan(projectId, spec);
  // Which attacks cannot run on the chosen datasets, asked once per dataset choice with every attack in it,
  // so that an attack is flagged before it is ticked (the live plan only reports the ticked ones).
  const { plan: probe } = useLivePlan(projectId, useMemo(() => skipProbe(draft.datasets, draft.size), [draft.datasets, draft.size]));
  const skippedFor = (attack: AttackKind) => (probe ?? plan)?.skipped.filter((s) => s.attack === attack && draft.datasets.includes(s.dataset)) ?? [];

  return (
    <StartFormCard
      testIdPrefix="matrix"
      title={t('benchmark.form.title')}
      formClassName="form matrix-form"
      onSubmit={() => {
        if (spec !== null) void start((actor) => api['benchmarks.start']({ projectId, spec, actor }));
      }}
    >
      <NameAndSize draft={draft} defaultName={defaultName} testIdPrefix="matrix" onChange={update} />

      <CheckGroup legend={t('benchmark.form.datasets')} error={problems.datasets ?? null} testId="matrix-datasets">
        {datasetOptions.map((option) => (
          <label key={option.value} className="check">
            <input
              type="checkbox"
              checked={draft.datasets.includes(option.value)}
              data-testid={`matrix-dataset-${option.value}`}
              onChange={() => {
                update({ datasets: toggle(draft.datasets, option.value, datasetOptions.map((o) => o.value)) });
              }}
            />
            {option.label}
          </label>
        ))}
      </CheckGroup>

      <CheckGroup legend={t('benchmark.form.attacks')} error={problems.attacks ?? null} testId="matrix-attacks">
        {ATTACK_KINDS.map((attack) => {
          const skipped = skippedFor(attack);
          const checked = draft.attacks.includes(attack);
          // Skipped for every chosen dataset: nothing of it would run, so it cannot be added (only removed).
          const skippedEverywhere = skipped.length > 0 && skipped.length >= draft.datasets.length;
          return (
            <label key={attack} className={`check${skipped.length > 0 ? ' check-flagged' : ''}`} data-skipped={skipped.length > 0}>
              <input
                type="checkbox"
                checked={checked}
                disabled={skippedEverywhere && !checked}
                data-testid={`matrix-attack-${attack}`}
                onChange={() => {
                  update({ attacks: toggle(draft.attacks, attack, ATTACK_KINDS) });
                }}
              />
              {t(`attack.${attack}`)}
              {skipped.length > 0 && (
                <span className="skip-flag" data-testid={`matrix-attack-skipped-${attack}`} title={skipped.map((s) => `${datasetLabel(s.dataset)}: ${s.reason}`).join('\n')}>
                  {t('benchmark.form.skippedFor', { datasets: skipped.map((s) => datasetLabel(s.dataset)).join(', ') })}
                </span>
              )}
            </label>
          );
        })}
      </CheckGroup>

      <CheckGroup legend={t('benchmark.form.arms')} error={problems.arms ?? null} testId="matrix-arms">
        {BENCHMARK_ARMS.map((arm) => (
          <label key={arm} className="check" title={t(`benchmark.arms.${arm}.description`)}>
            <input
              type="checkbox"
              checked={draft.arms.includes(arm)}
              data-testid={`matrix-arm-${arm}`}
              onChange={() => {
                update({ arms: toggle(draft.arms, arm, BENCHMARK_ARMS) });
              }}
            />
            {t(`benchmark.arms.${arm}.name`)}
          </label>
        ))}
      </CheckGroup>

      <div className="field-row">
        <FieldInput
          label={t('benchmark.form.rates')}
          error={problems.rates ?? null}
          hint={t('benchmark.form.ratesHint')}
          testId="matrix-rates"
          value={draft.ratesText}
          onChange={(ratesText) => {
            update({ ratesText });
          }}
        />
        <SeedFields draft={draft} error={problems.seeds ?? null} onChange={update} />
      </div>

      <div className="field-row">
        {DECE_INPUTS.map(({ parameter, testId, ...range }) => (
          <FieldInput
            key={parameter}
            label={t(`launch.parameters.${parameter}`)}
            error={problems[parameter] ?? null}
            testId={testId}
            {...range}
            type="number"
            value={draft[parameter]}
            onChange={(value) => {
              update({ [parameter]: value });
            }}
          />
        ))}
      </div>

      <div className="launch-footer">
        <div className="estimate" data-testid="matrix-plan" aria-live="polite" data-ready={plan !== null}>
          {spec === null ? (
            <span className="muted">{t('benchmark.plan.fixProblems')}</span>
          ) : planError !== null ? (
            <span className="inline-error" role="alert" data-testid="matrix-plan-error">
              {describeError(planError, t)}
            </span>
          ) : plan === null || pending ? (
            <span className="muted">{t('benchmark.plan.computing')}</span>
          ) : (
            <PlanSummary plan={plan} datasetLabel={datasetLabel} format={format} />
          )}
        </div>
        <div className="actions">
          <StartButton
            canStart={canStart}
            busy={busy}
            ready={spec !== null && plan !== null && plan.cells !== 0}
            label={t('benchmark.form.start')}
            testId="matrix-start"
            others={
              <button type="button" className="button" onClick={reset}>
                {t('benchmark.form.reset')}
              </button>
            }
          />
        </div>
      </div>
    </StartFormCard>
  );
}

function SeedFields({ draft, error, onChange }: { draft: MatrixDraft; error: string | null; onChange: (patch: Partial<MatrixDraft>) => void }) {
  const { t } = useTranslation();
  return (
    <Field label={t('benchmark.form.seeds')} error={error} hint={t(draft.seedMode === 'count' ? 'benchmark.form.seedCountHint' : 'benchmark.form.seedListHint')} testId="matrix-seeds-field">
      {(aria) => (
        <div className="seed-inputs">
          <select
            aria-label={t('benchmark.form.seedMode')}
            value={draft.seedMode}
            data-testid="matrix-seed-mode"
            onChange={(event) => {
              onChange({ seedMode: event.target.value === 'list' ? 'list' : 'count' });
            }}
          >
            <option value="count">{t('benchmark.form.seedModeCount')}</option>
            <option value="list">{t('benchmark.form.seedModeList')}</option>
          </select>
          {draft.seedMode === 'count' ? (
            <input
              {...aria}
              type="number"
              min={1}
              max={MAX_SEEDS}
              step={1}
              value={draft.seedCount}
              data-testid="matrix-seed-count"
              onChange={(event) => {
                onChange({ seedCount: event.target.value });
              }}
            />
          ) : (
            <input
              {...aria}
              value={draft.seedList}
              data-testid="matrix-seed-list"
              onChange={(event) => {
                onChange({ seedList: event.target.value });
              }}
            />
          )}
        </div>
      )}
    </Field>
  );
}

function PlanSummary({ plan, datasetLabel, format }: { plan: BenchmarkPlan; datasetLabel: (key: string) => string; format: ReturnType<typeof useFormat> }) {
  const { t } = useTranslation();
  const labels = useScenarioLabels();
  const items = [
    ['cells', plan.cells],
    ['newRuns', plan.newRuns],
    ['reusedRuns', plan.reusedRuns],
    ['defenseJobs', plan.defenseJobs],
    ['poisonedDatasets', plan.poisonedDatasets],
  ] as const;
  return (
    <div data-testid="matrix-plan-value">
      <dl className="plan-facts">
        {items.map(([name, value]) => (
          <div key={name}>
            <dt>{t(`benchmark.plan.${name}`)}</dt>
            <dd data-testid={`plan-${name}`}>{format.number(value)}</dd>
          </div>
        ))}
        <div>
          <dt>{t('benchmark.plan.duration')}</dt>
          <dd data-testid="plan-duration">{t(plan.concurrencyBasis === 'connected-workers' ? 'benchmark.plan.durationRemote' : 'benchmark.plan.durationValue', { time: format.duration(plan.seconds), concurrency: format.number(plan.concurrency) })}</dd>
        </div>
      </dl>
      {plan.skipped.length > 0 && (
        <div className="plan-skipped" data-testid="plan-skipped">
          <strong>{t('benchmark.plan.skipped')}</strong>
          <ul>
            {plan.skipped.map((skip) => (
              <li key={`${skip.dataset}|${skip.attack}`}>
                {datasetLabel(skip.dataset)} × {labels.attack(skip.attack)}: {skip.reason}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
