import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LOSS_EXPORT_FRAMEWORKS, type FixedHyperparametersDto, type LossExportFramework } from '../../../common/contract-production';
import { useLoad } from '../../lib/use-load';
import { useApi } from '../../state/connection';
import { describeError, useToasts } from '../../state/toasts';
import { SelectField } from '../form-fields';
import { downloadBlob } from '../../lib/download';
import { base64Bytes, useAction, useBusyCall } from './use-action';

const CODE_MIME: Record<LossExportFramework, string> = {
  pytorch: 'text/x-python',
  keras: 'text/x-python',
  jax: 'text/x-python',
  tfjs: 'text/javascript',
};

/** The loss as code for one framework: shown, copied or saved as a file (no BOM: it is source code). */
export function LossExportCard({ projectId, fixed }: { projectId: number; fixed: FixedHyperparametersDto | null }) {
  const { t } = useTranslation();
  const api = useApi();
  const { notify, showError } = useToasts();
  const [framework, setFramework] = useState<LossExportFramework>('pytorch');
  const [exported, setExported] = useState<{ framework: LossExportFramework; fileName: string; code: string; fixedAt: string } | null>(null);
  const { busy, call } = useBusyCall();
  // Stale once the hyperparameters change: the code embeds them.
  const current = exported !== null && exported.framework === framework && exported.fixedAt === fixed?.fixedAt ? exported : null;

  const load = () =>
    call(async () => {
      const result = await api['production.exportLoss']({ projectId, framework });
      const value = { framework, fileName: result.fileName, code: result.code, fixedAt: result.hyperparameters.fixedAt };
      setExported(value);
      return value;
    });

  const download = async () => {
    const value = current ?? (await load());
    if (value) downloadBlob(value.fileName, new Blob([value.code], { type: `${CODE_MIME[value.framework]};charset=utf-8` }));
  };

  return (
    <section className="card" aria-labelledby="loss-export-title" data-testid="production-loss-export">
      <h4 id="loss-export-title">{t('production.loss.title')}</h4>
      <p className="muted small">{t('production.loss.intro')}</p>
      <div className="segmented" role="radiogroup" aria-label={t('production.loss.framework')}>
        {LOSS_EXPORT_FRAMEWORKS.map((f) => (
          <button
            key={f}
            type="button"
            role="radio"
            aria-checked={framework === f}
            className={framework === f ? 'selected' : ''}
            data-testid={`loss-framework-${f}`}
            onClick={() => {
              setFramework(f);
            }}
          >
            {t(`production.loss.frameworks.${f}`)}
          </button>
        ))}
      </div>
      {fixed === null ? (
        <p className="muted">{t('production.loss.needsFixed')}</p>
      ) : (
        <div className="actions">
          <button type="button" className="button" disabled={busy} data-testid="loss-show" onClick={() => void load()}>
            {t('production.loss.show')}
          </button>
          <button
            type="button"
            className="button"
            disabled={busy || current === null}
            data-testid="loss-copy"
            onClick={() => {
              if (current === null) return;
              navigator.clipboard.writeText(current.code).then(() => {
                notify('success', (tr) => tr('production.loss.copied'));
              }, showError);
            }}
          >
            {t('production.loss.copy')}
          </button>
          <button type="button" className="button primary" disabled={busy} data-testid="loss-download" onClick={() => void download()}>
            {t('production.loss.download')}
          </button>
        </div>
      )}
      {current !== null && (
        <pre className="code-block" aria-label={t('production.loss.codeLabel', { file: current.fileName })} data-testid="loss-code" tabIndex={0}>
          <code>{current.code}</code>
        </pre>
      )}
    </section>
  );
}

/** Exports a finished run's model (TensorFlow.js format) under the data dir and downloads it zipped. */
export function ModelExportCard({ projectId, revision, onChanged }: { projectId: number; revision: number; onChanged: () => void }) {
  const { t } = useTranslation();
  const api = useApi();
  const { busy, act } = useAction(onChanged);
  const runs = useLoad(() => api['runs.list']({ projectId }), [api, projectId, revision]);
  const finished = (runs.data ?? []).filter((r) => r.status === 'finished').sort((a, b) => b.id - a.id);
  const [picked, setPicked] = useState<number | null>(null);
  const runId = picked ?? finished.find((r) => r.loss === 'dece')?.id ?? finished[0]?.id ?? null;
  const [saved, setSaved] = useState<{ path: string; fileName: string } | null>(null);

  return (
    <section className="card" aria-labelledby="model-export-title" data-testid="production-model-export">
      <h4 id="model-export-title">{t('production.model.title')}</h4>
      <p className="muted small">{t('production.model.intro')}</p>
      {runs.error !== null && (
        <p className="banner error" role="alert">
          {describeError(runs.error, t)}
        </p>
      )}
      {finished.length === 0 ? (
        <p className="muted">{t('production.model.noRuns')}</p>
      ) : (
        <div className="field-row">
          <SelectField
            label={t('production.model.run')}
            value={runId}
            options={finished.map((r) => ({
              value: r.id,
              label: t('production.model.runOption', { id: r.id, name: r.name, loss: t(`loss.${r.loss}.short`), stage: t(`stage.${r.stage}.name`) }),
            }))}
            testId="model-export-run"
            onChange={setPicked}
          />
          <button
            type="button"
            className="button primary align-end"
            disabled={busy || runId === null}
            data-testid="model-export"
            onClick={() => {
              if (runId === null) return;
              void act((actor) => api['production.exportModel']({ projectId, runId, actor })).then((result) => {
                if (!result) return;
                downloadBlob(result.fileName, new Blob([base64Bytes(result.base64)], { type: 'application/zip' }));
                setSaved({ path: result.path, fileName: result.fileName });
              });
            }}
          >
            {busy ? t('production.model.exporting') : t('production.model.export')}
          </button>
        </div>
      )}
      {saved && (
        <p className="small" data-testid="model-export-saved">
          {t('production.model.exported', { path: saved.path, file: saved.fileName })}
        </p>
      )}
    </section>
  );
}
