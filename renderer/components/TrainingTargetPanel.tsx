import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { TRAINING_TARGETS, type TrainingTargetView } from '../../common/contract-settings';
import { useLoad } from '../lib/use-load';
import { useApi } from '../state/connection';
import { describeError, useToasts } from '../state/toasts';

type Target = (typeof TRAINING_TARGETS)[number];

/**
 * "Run training on: this machine | remote workers": the Redis URL arrives redacted (its password reads ***);
 * saving it unchanged keeps the stored password. The test button connects and counts the connected workers.
 */
export function TrainingTargetPanel() {
  const { t } = useTranslation();
  const api = useApi();
  const { notify } = useToasts();
  const stored = useLoad(() => api['settings.trainingTarget']({}), [api]);
  /** What the server holds: loaded, then as each save answers. */
  const [current, setCurrent] = useState<TrainingTargetView | null>(null);
  const [kind, setKind] = useState<Target>('local');
  const [redisUrl, setRedisUrl] = useState('');
  const [busy, setBusy] = useState(false);
  const [tested, setTested] = useState<{ redisUrl: string; workers: number } | null>(null);
  const [error, setError] = useState<unknown>(null);

  const show = (view: TrainingTargetView) => {
    setCurrent(view);
    setKind(view.kind);
    setRedisUrl(view.redisUrl ?? '');
  };
  useEffect(() => {
    if (stored.data) show(stored.data);
  }, [stored.data]);

  const act = (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    setTested(null);
    work().then(
      () => {
        setBusy(false);
      },
      (failure: unknown) => {
        setError(failure);
        setBusy(false);
      },
    );
  };
  const save = () => {
    act(async () => {
      const view = await api['settings.setTrainingTarget'](kind === 'local' ? { kind } : { kind, redisUrl });
      show(view);
      notify('success', (tr) => tr(view.kind === 'local' ? 'trainingTarget.savedLocal' : 'trainingTarget.savedRemote'));
    });
  };
  const test = () => {
    act(async () => {
      setTested(await api['settings.testTrainingTarget'](redisUrl.trim() === '' ? {} : { redisUrl }));
    });
  };

  return (
    <section className="card" aria-labelledby="training-target-title" data-testid="training-target-panel" aria-busy={busy || stored.loading}>
      <h2 id="training-target-title">{t('trainingTarget.title')}</h2>
      <p className="muted">{t('trainingTarget.intro')}</p>
      {current && (
        <p data-testid="training-target-current" data-kind={current.kind}>
          {current.kind === 'local' ? t('trainingTarget.nowLocal') : t('trainingTarget.nowRemote', { url: current.redisUrl })}
          {current.hasPassword && <span className="muted small"> · {t('trainingTarget.passwordStored')}</span>}
        </p>
      )}
      <div className="radio-cards" role="radiogroup" aria-labelledby="training-target-title">
        {TRAINING_TARGETS.map((target) => (
          <label key={target} className={`radio-card${kind === target ? ' selected' : ''}`} data-testid={`training-target-${target}`}>
            <input
              type="radio"
              name="training-target"
              value={target}
              checked={kind === target}
              disabled={busy}
              onChange={() => {
                setKind(target);
              }}
            />
            <span className="radio-title">{t(`trainingTarget.${target}.label`)}</span>
            <span className="radio-text">{t(`trainingTarget.${target}.description`)}</span>
          </label>
        ))}
      </div>
      {kind === 'remote' && (
        <label className="field">
          <span>{t('trainingTarget.redisUrl')}</span>
          <input
            type="text"
            data-testid="training-target-url"
            value={redisUrl}
            disabled={busy}
            placeholder="redis://:password@host:6379"
            spellCheck={false}
            autoComplete="off"
            onChange={(event) => {
              setRedisUrl(event.target.value);
            }}
          />
          <small className="muted">{t('trainingTarget.redisUrlHelp')}</small>
        </label>
      )}
      <div className="history-filters">
        <button type="button" className="button primary" disabled={busy} onClick={save} data-testid="training-target-save">
          {t('trainingTarget.save')}
        </button>
        {kind === 'remote' && (
          <button type="button" className="button" disabled={busy} onClick={test} data-testid="training-target-test">
            {t('trainingTarget.test')}
          </button>
        )}
      </div>
      {tested !== null && (
        <p role="status" data-testid="training-target-tested" data-workers={tested.workers}>
          {t('trainingTarget.tested', { url: tested.redisUrl, workers: tested.workers })}
          {tested.workers === 0 && <span className="muted"> {t('trainingTarget.noWorkers')}</span>}
        </p>
      )}
      {(error ?? stored.error) !== null && (
        <p className="banner error" role="alert" data-testid="training-target-error">
          {describeError(error ?? stored.error, t)}
        </p>
      )}
    </section>
  );
}
