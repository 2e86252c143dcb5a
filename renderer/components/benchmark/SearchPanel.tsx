import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Dataset } from '../../../common/contract';
import { SEARCH_METHODS, SearchSpecSchema, type SearchSpec } from '../../../common/contract-benchmark';
import type { AttackKind } from '../../../common/run-config';
import { useFormat } from '../../lib/format';
import type { SizePreset } from '../../lib/presets';
import { useLoad } from '../../lib/use-load';
import { useApi } from '../../state/connection';
import { useToasts } from '../../state/toasts';
import { useAction } from '../production/use-action';
import { AttackSelect, ErrorBanner, Field, NameAndSize, NOTHING, useDatasetOptions, useListProblem } from './fields';
import { datasetFromKey, parseNumberList, percentToFraction } from './model';
import { SearchDetailView } from './SearchDetail';
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
  const { notify } = useToasts();
  const { busy, act } = useAction(NOTHING);
  const datasetOptions = useDatasetOptions(datasets);
  const buildSpec = useBuildSearchSpec();
  const [draft, setDraft] = useState<SearchDraft>(initialDraft);
  const update = (patch: Partial<SearchDraft>) => {
    setDraft((before) => ({ ...before, ...patch }));
  };
  const defaultName = t('benchmark.search.defaultName', { attack: t(`attack.${draft.attack}`) });
  const { spec, problems } = buildSpec(draft, defaultName);
  const points = spec === null ? null : spec.grid.labelSmoothing.length * spec.grid.alphaBase.length;

  const start = async () => {
    if (spec === null) return;
    const search = await act((actor) => api['searches.start']({ projectId, spec, actor }));
    if (search === null) return;
    notify('success', (tr) => tr('benchmark.search.started', { name: search.name }));
    onStarted(search.id);
  };

  const textField = (field: Exclude<SearchField, 'dataset'>, label: string, hint?: string) => (
    <Field label={label} error={problems[field] ?? null} hint={hint} testId={`search-${field}-field`}>
      {(aria) => (
        <input
          {...aria}
          value={draft[field]}
          data-testid={`search-${field}`}
          onChange={(event) => {
            update({ [field]: event.target.value });
          }}
        />
      )}
    </Field>
  );

  return (
    <section className="card" aria-labelledby="search-form-title" data-testid="search-form">
      <div className="card-head">
        <h3 id="search-form-title">{t('benchmark.search.formTitle')}</h3>
      </div>
      <p className="objective" data-testid="search-objective">
        {t('benchmark.search.objective', { tolerance: problems.tolerance === undefined ? draft.tolerance : '…' })}
      </p>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          void start();
        }}
      >
        <NameAndSize
          name={draft.name}
          defaultName={defaultName}
          size={draft.size}
          testIdPrefix="search"
          onName={(name) => {
            update({ name });
          }}
          onSize={(size) => {
            update({ size });
          }}
        />
        <div className="field-row">
          <Field label={t('benchmark.search.dataset')} error={problems.dataset ?? null} testId="search-dataset-field">
            {(aria) => (
              <select
                {...aria}
                value={draft.dataset}
                data-testid="search-dataset"
                onChange={(event) => {
                  update({ dataset: event.target.value });
                }}
              >
                {datasetOptions.map((option) => (
                  <option key={option.key} value={option.key}>
                    {option.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
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
          <Field label={t('benchmark.search.method')} error={null} hint={t(`benchmark.search.methods.${draft.method}.description`)} testId="search-method-field">
            {(aria) => (
              <select
                {...aria}
                value={draft.method}
                data-testid="search-method"
                onChange={(event) => {
                  update({ method: SEARCH_METHODS.find((m) => m === event.target.value) ?? 'grid' });
                }}
              >
                {SEARCH_METHODS.map((method) => (
                  <option key={method} value={method}>
                    {t(`benchmark.search.methods.${method}.name`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
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
          {!canStart && <span className="muted small">{t('benchmark.form.onlyActive')}</span>}
          <button type="submit" className="button primary" disabled={!canStart || busy || spec === null} data-testid="search-start">
            {busy ? t('benchmark.form.starting') : t('benchmark.search.start')}
          </button>
        </div>
      </form>
    </section>
  );
}
