import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LOSS_PARAMETER_RANGES, inputBounds } from '../../../common/catalog';
import { DEFAULT_IGNORE_INDEX, type FixedHyperparametersDto, type ProductionState } from '../../../common/contract-production';
import { DEFAULT_DECE_PARAMETERS } from '../../../common/contract-benchmark';
import { useFormat } from '../../lib/format';
import { useLoad } from '../../lib/use-load';
import { useApi } from '../../state/connection';
import { useToasts } from '../../state/toasts';
import { InputField } from '../form-fields';
import { SubmitRow } from './parts';

/** The inputs' bounds: the ranges the contract allows (common/catalog.ts). */
const LABEL_SMOOTHING_BOUNDS = inputBounds(LOSS_PARAMETER_RANGES.labelSmoothing);
const ALPHA_BASE_BOUNDS = inputBounds(LOSS_PARAMETER_RANGES.alphaBase);
import { useAction } from './use-action';

interface Suggestion {
  searchId: number;
  labelSmoothing: number;
  alphaBase: number;
}

/**
 * The newest hyperparameter search's chosen point, if there is one. The search methods may not be
 * available (or may fail) on this build: then there is simply no suggestion.
 */
function useSuggestion(projectId: number): Suggestion | null {
  const api = useApi();
  const loaded = useLoad(async (): Promise<Suggestion | null> => {
    try {
      const searches = await api['searches.list']({ projectId });
      const newest = [...searches].sort((a, b) => b.id - a.id)[0];
      if (!newest) return null;
      const detail = await api['searches.get']({ searchId: newest.id });
      return detail.chosen === null ? null : { searchId: newest.id, ...detail.chosen };
    } catch {
      return null;
    }
  }, [api, projectId]);
  return loaded.data;
}

interface HyperparametersCardProps {
  projectId: number;
  fixed: FixedHyperparametersDto | null;
  editable: boolean;
  onChanged: () => void;
}

export function HyperparametersCard({ projectId, fixed, editable, onChanged }: HyperparametersCardProps) {
  const { t } = useTranslation();
  const api = useApi();
  const format = useFormat();
  const { notify } = useToasts();
  const { busy, act } = useAction(onChanged);
  const suggestion = useSuggestion(projectId);
  const start = fixed ?? { ...DEFAULT_DECE_PARAMETERS, ignoreIndex: DEFAULT_IGNORE_INDEX, source: 'manual' };
  const [labelSmoothing, setLabelSmoothing] = useState(String(start.labelSmoothing));
  const [alphaBase, setAlphaBase] = useState(String(start.alphaBase));
  const [ignoreIndex, setIgnoreIndex] = useState(start.ignoreIndex === null ? '' : String(start.ignoreIndex));
  const [noIgnore, setNoIgnore] = useState(start.ignoreIndex === null);
  const [source, setSource] = useState(start.source);

  const ls = Number(labelSmoothing);
  const alpha = Number(alphaBase);
  const ignore = Number(ignoreIndex);
  const valid =
    labelSmoothing.trim() !== '' && alphaBase.trim() !== '' && ls >= 0 && ls < 1 && alpha > 0 && alpha <= 1 && (noIgnore || (ignoreIndex.trim() !== '' && Number.isInteger(ignore)));
  const sourceLabel = (value: string) => {
    const search = /^search:(\d+)$/.exec(value);
    return search ? t('production.hyper.sourceSearch', { id: search[1] }) : value === 'manual' ? t('production.hyper.sourceManual') : value;
  };

  const applySuggestion = (s: Suggestion) => {
    setLabelSmoothing(String(s.labelSmoothing));
    setAlphaBase(String(s.alphaBase));
    setSource(`search:${s.searchId}`);
  };

  return (
    <section className="card" aria-labelledby="hyper-title" data-testid="production-hyperparameters">
      <h4 id="hyper-title">{t('production.hyper.title')}</h4>
      <p className={fixed ? '' : 'muted'} data-testid="hyper-current">
        {fixed
          ? t('production.hyper.current', {
              labelSmoothing: fixed.labelSmoothing,
              alphaBase: fixed.alphaBase,
              ignoreIndex: fixed.ignoreIndex ?? t('production.hyper.noIgnore'),
              source: sourceLabel(fixed.source),
              name: fixed.fixedBy,
              date: format.dateTime(fixed.fixedAt),
            })
          : t('production.hyper.notFixed')}
      </p>
      {editable && (
        <form
          className="form"
          onSubmit={(event) => {
            event.preventDefault();
            if (!valid) return;
            void act((actor) =>
              api['production.fixHyperparameters']({ projectId, labelSmoothing: ls, alphaBase: alpha, ignoreIndex: noIgnore ? null : ignore, source, actor }),
            ).then((done) => {
              if (done) notify('success', (tr) => tr('production.hyper.fixedToast'));
            });
          }}
        >
          <p className="muted small" data-testid="hyper-suggestion">
            {suggestion
              ? t('production.hyper.suggested', { id: suggestion.searchId, labelSmoothing: suggestion.labelSmoothing, alphaBase: suggestion.alphaBase })
              : t('production.hyper.noSuggestion')}{' '}
            {suggestion && source !== `search:${suggestion.searchId}` && (
              <button
                type="button"
                className="button small"
                onClick={() => {
                  applySuggestion(suggestion);
                }}
              >
                {t('production.hyper.useSuggested')}
              </button>
            )}
          </p>
          <div className="field-row">
            <InputField label={t('production.hyper.labelSmoothing')} type="number" step="any" min={LABEL_SMOOTHING_BOUNDS.min} max={LABEL_SMOOTHING_BOUNDS.max} value={labelSmoothing} testId="hyper-label-smoothing" onChange={setLabelSmoothing} />
            <InputField label={t('production.hyper.alphaBase')} type="number" step="any" min={ALPHA_BASE_BOUNDS.min} max={ALPHA_BASE_BOUNDS.max} value={alphaBase} testId="hyper-alpha-base" onChange={setAlphaBase} />
            <InputField label={t('production.hyper.ignoreIndex')} type="number" step={1} disabled={noIgnore} value={ignoreIndex} testId="hyper-ignore-index" onChange={setIgnoreIndex} />
          </div>
          <label className="check">
            <input
              type="checkbox"
              checked={noIgnore}
              data-testid="hyper-no-ignore"
              onChange={(e) => {
                setNoIgnore(e.target.checked);
              }}
            />{' '}
            {t('production.hyper.noIgnore')}
          </label>
          <p className="muted small">{t('production.hyper.ignoreHelp')}</p>
          <p className="muted small">
            {t('production.hyper.source')}: {sourceLabel(source)}
          </p>
          <SubmitRow problem={valid ? null : t('production.hyper.invalid')} disabled={busy || !valid} testId="hyper-fix">
            {t('production.hyper.fix')}
          </SubmitRow>
        </form>
      )}
    </section>
  );
}

interface RollbackCardProps {
  projectId: number;
  plan: ProductionState['rollbackPlan'];
  editable: boolean;
  onChanged: () => void;
}

export function RollbackCard({ projectId, plan, editable, onChanged }: RollbackCardProps) {
  const { t } = useTranslation();
  const api = useApi();
  const format = useFormat();
  const { notify } = useToasts();
  const { busy, act } = useAction(onChanged);
  const [text, setText] = useState(plan?.text ?? '');
  const dirty = text.trim() !== '' && text.trim() !== (plan?.text ?? '');
  return (
    <section className="card" aria-labelledby="rollback-title" data-testid="production-rollback">
      <h4 id="rollback-title">{t('production.rollback.title')}</h4>
      {plan ? (
        <p className="muted small" data-testid="rollback-written-by">
          {t('production.rollback.writtenBy', { name: plan.writtenBy, date: format.dateTime(plan.writtenAt) })}
        </p>
      ) : (
        <p className="muted small">{t('production.rollback.empty')}</p>
      )}
      {editable ? (
        <form
          className="form"
          onSubmit={(event) => {
            event.preventDefault();
            if (!dirty) return;
            void act((actor) => api['production.setRollbackPlan']({ projectId, text, actor })).then((done) => {
              if (done) notify('success', (tr) => tr('production.rollback.saved'));
            });
          }}
        >
          <textarea
            rows={5}
            maxLength={10000}
            aria-label={t('production.rollback.title')}
            placeholder={t('production.rollback.placeholder')}
            value={text}
            data-testid="rollback-text"
            onChange={(e) => {
              setText(e.target.value);
            }}
          />
          <SubmitRow problem={null} disabled={busy || !dirty} testId="rollback-save">
            {t('production.rollback.save')}
          </SubmitRow>
        </form>
      ) : (
        plan && <blockquote className="reason rollback-text">{plan.text}</blockquote>
      )}
    </section>
  );
}
