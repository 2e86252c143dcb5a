import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Dataset } from '../../../common/contract';
import { SEARCH_METHODS, SearchSpecSchema, type SearchSpec } from '../../../common/contract-benchmark';
import type { AttackKind } from '../../../common/run-config';
import { useFormat } from '../../lib/format';
import type { SizePreset } from '../../lib/presets';
import { useLoad } from '../../lib/use-load';
import { useApi } from '../../state/connection';
import { AttackSelect, ErrorBanner, FieldInput, FieldSelect, NameAndSize, useDatasetOptions, useListProblem } from './fields';
import { datasetFromKey, parseNumberList, percentToFraction } from './model';
import { SearchDetailView } from './SearchDetail';
import { StartButton, StartFormCard, useDraft, useStart } from './start-form';
import { useProjectReload } from './use-project-reload';

interface SearchDraft {
  name: string;
  size: SizePreset;
  dataset: string;
  attack: AttackKind;
  ratePercent: string;
  seed: string;
  method: (typeof SEARCH_METHODS)[number];
  labelSmoothing: string;
  alphaBase: string;
  tolerance: string;
}

const initialDraft = (): SearchDraft => ({
  name: '',
  size: 'quick',
  dataset: 'builtin-sql',
  attack: 'badpre',
  ratePercent: '5',
  seed: '1',
  method: 'halving',
  labelSmoothing: '0, 0.05, 0.1',
  alphaBase: '0.8, 0.9, 0.95, 0.99',
  tolerance: '1',
});

type SearchField = 'ratePercent' | 'seed' | 'labelSmoothing' | 'alphaBase' | 'tolerance' | 'dataset';

function useBuildSearchSpec(): (draft: SearchDraft, defaultName: string) => { spec: SearchSpec | null; problems: Partial<Record<SearchField, string>> } {
  const { t } = useTranslation();
  const listProblem = useListProblem();
  return (draft, defaultName) => {
    const problems: Partial<Record<SearchField, string>> = {};
    const rate = Number(draft.ratePercent);
    if (draft.ratePercent.trim() === '' || !(rate > 0 && rate <= 50)) problems.ratePercent = t('benchmark.problems.rate');
    const seed = Number(draft.seed);
    if (draft.seed.trim() === '' || !Number.isInteger(seed) || seed < 0 || seed > 2 ** 31 - 1) problems.seed = t('launch.problems.seed');
    const tolerance = Number(draft.tolerance);
    if (draft.tolerance.trim() === '' || !(tolerance >= 0 && tolerance <= 100)) problems.tolerance = t('benchmark.problems.tolerance');
    const epsilons = parseNumberList(draft.labelSmoothing, { min: 0, max: 1, maxOpen: true, maxCount: 8 });
    const alphas = parseNumberList(draft.alphaBase, { min: 0, minOpen: true, max: 1, maxCount: 8 });
    const epsilonProblem = listProblem(epsilons, '0 ≤ ε < 1');
    const alphaProblem = listProblem(alphas, '0 < α_base ≤ 1');
    if (epsilonProblem !== null) problems.labelSmoothing = epsilonProblem;
    if (alphaProblem !== null) problems.alphaBase = alphaProblem;
    const dataset = datasetFromKey(draft.dataset);
    if (dataset === null) problems.dataset = t('benchmark.problems.pickDataset');
    if (Object.keys(problems).length > 0 || !epsilons.ok || !alphas.ok || dataset === null) return { spec: null, problems };
    const parsed = SearchSpecSchema.safeParse({
      name: draft.name.trim() === '' ? defaultName : draft.name.trim(),
      size: draft.size,
      dataset,
      attack: draft.attack,
      rate: percentToFraction(rate),
      seed,
      method: draft.method,
      grid: { labelSmoothing: epsilons.values, alphaBase: alphas.values },
      bleuTolerance: tolerance,
    });
    if (!parsed.success) return { spec: null, problems: { dataset: parsed.error.issues[0]?.message ?? 'invalid' } };
    return { spec: parsed.data, problems };
  };
}

/** DeCE hyperparameter search: a form with its objective stated, the project's searches, and the one picked. */
export function SearchPanel({ projectId, datasets, canStart }: { projectId: number; datasets: readonly Dataset[] | null; canStart: boolean }) {
  const { t } = useTranslation();
  const api = useApi();
  const format = useFormat();
  const searches = useLoad(() => api['searches.list']({ projectId }), [api, projectId]);
  useProjectReload(projectId, searches.reload);
  const [selected, setSelected] = useState<number | null>(null);
  const shown = selected ?? [...(searches.data ?? [])].sort((a, b) => b.id - a.id)[0]?.id ?? null;

  return (
    <div className="search-panel" data-testid="search-panel">
      <SearchForm
        projectId={projectId}
        datasets={datasets}
        canStart={canStart}
        onStarted={(id) => {
          setSelected(id);
          searches.reload();
        }}
      />
      <section className="card" aria-labelledby="searches-title">
        <div className="card-head">
          <h3 id="searches-title">{t('benchmark.search.listTitle')}</h3>
        </div>
        <ErrorBanner error={searches.error} />
        {searches.data !== null && searches.data.length === 0 && (
          <p className="empty" data-testid="searches-empty">
            {t('benchmark.search.empty')}
          </p>
        )}
        {searches.data !== null && searches.data.length > 0 && (
          <ul className="search-list" data-testid="searches-list">
            {[...searches.data]
              .sort((a, b) => b.id - a.id)
              .map((search) => (
                <li key={search.id} className={search.id === shown ? 'row-selected' : undefined} data-testid="search-row" data-status={search.status}>
                  <button
                    type="button"
                    className="link-button"
                    aria-current={search.id === shown ? 'true' : undefined}
                    onClick={() => {
                      setSelected(search.id);
                    }}
                  >
                    {search.name}
                  </button>{' '}
                  <span className={`status status-${search.status}`}>{t(`benchmark.searchStatus.${search.status}`)}</span>{' '}
                  <span className="muted small">{format.dateTime(search.createdAt)}</span>
                </li>
              ))}
          </ul>
        )}
      </section>
      {shown !== null && <SearchDetailView key={shown} projectId={projectId} searchId={shown} datasets={datasets} onChanged={searches.reload} />}
    </div>
  );
}

function SearchForm({ projectId, datasets, canStart, onStarted }: { projectId: number; datasets: readonly Dataset[] | null; canStart: boolean; onStarted: (id: number) => void }) {
  const { t } = useTranslation();
  const api = useApi();
  const { busy, start } = useStart('benchmark.search.started', (search: { id: number; name: string }) => {
    onStarted(search.id);
  });
  const datasetOptions = useDatasetOptions(datasets);
  const buildSpec = useBuildSearchSpec();
  const { draft, update } = useDraft(initialDraft);
  const defaultName = t('benchmark.search.defaultName', { attack: t(`attack.${draft.attack}`) });
  const { spec, problems } = buildSpec(draft, defaultName);
  const points = spec === null ? null : spec.grid.labelSmoothing.length * spec.grid.alphaBase.length;

  const textField = (field: Exclude<SearchField, 'dataset'>, label: string, hint?: string) => (
    <FieldInput
      label={label}
      error={problems[field] ?? null}
      hint={hint}
      testId={`search-${field}`}
      value={draft[field]}
      onChange={(value) => {
        update({ [field]: value });
      }}
    />
  );

  return (
    <StartFormCard
      testIdPrefix="search"
      title={t('benchmark.search.formTitle')}
      intro={
        <p className="objective" data-testid="search-objective">
          {t('benchmark.search.objective', { tolerance: problems.tolerance === undefined ? draft.tolerance : '…' })}
        </p>
      }
      formClassName="form"
      onSubmit={() => {
        if (spec !== null) void start((actor) => api['searches.start']({ projectId, spec, actor }));
      }}
    >
      <NameAndSize draft={draft} defaultName={defaultName} testIdPrefix="search" onChange={update} />
      <div className="field-row">
        <FieldSelect
          label={t('benchmark.search.dataset')}
          error={problems.dataset ?? null}
          testId="search-dataset"
          value={draft.dataset}
          options={datasetOptions}
          onChange={(dataset) => {
            update({ dataset });
          }}
        />
        <AttackSelect
          value={draft.attack}
          testId="search-attack"
          onChange={(attack) => {
            update({ attack });
          }}
        />
      </div>
      <div className="field-row">
        {textField('ratePercent', t('launch.poisonRate'))}
        {textField('seed', t('launch.seed'))}
        <FieldSelect
          label={t('benchmark.search.method')}
          hint={t(`benchmark.search.methods.${draft.method}.description`)}
          testId="search-method"
          value={draft.method}
          options={SEARCH_METHODS.map((method) => ({ value: method, label: t(`benchmark.search.methods.${method}.name`) }))}
          onChange={(method) => {
            update({ method });
          }}
        />
      </div>
      <div className="field-row">
        {textField('labelSmoothing', t('benchmark.search.epsilons'), t('benchmark.search.listHint'))}
        {textField('alphaBase', t('benchmark.search.alphas'), t('benchmark.search.listHint'))}
        {textField('tolerance', t('benchmark.search.tolerance'))}
      </div>
      <div className="actions">
        <span className="muted small" data-testid="search-points">
          {points === null ? t('benchmark.plan.fixProblems') : t('benchmark.search.points', { points })}
        </span>
        <StartButton canStart={canStart} busy={busy} ready={spec !== null} label={t('benchmark.search.start')} testId="search-start" />
      </div>
    </StartFormCard>
  );
}
