import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { MethodOutput } from '../../../common/contract';
import type { ProbeDto } from '../../../common/contract-production';
import { ATTACK_KINDS, type AttackKind } from '../../../common/run-config';
import { useFormat } from '../../lib/format';
import { useApi } from '../../state/connection';
import { SelectField } from '../form-fields';
import { RecordTable } from './parts';
import { fileBase64, useAction } from './use-action';

type ProbeSourceKind = 'csv' | 'model-zip';

/** Runs a monitoring probe on uploaded generations or an uploaded model export, and lists earlier probes. */
export function ProbeCard({ projectId, probes, onChanged }: { projectId: number; probes: readonly ProbeDto[]; onChanged: () => void }) {
  const { t } = useTranslation();
  const api = useApi();
  const format = useFormat();
  const { busy, act } = useAction(onChanged);
  const [attack, setAttack] = useState<AttackKind>('badpre');
  const [sourceKind, setSourceKind] = useState<ProbeSourceKind>('csv');
  const [file, setFile] = useState<File | null>(null);
  const [result, setResult] = useState<MethodOutput<'production.runProbe'> | null>(null);

  const run = async () => {
    if (!file) return;
    const source =
      sourceKind === 'csv'
        ? { kind: 'csv' as const, upload: { fileName: file.name, text: await file.text() } }
        : { kind: 'model-zip' as const, upload: { fileName: file.name, base64: await fileBase64(file) } };
    const done = await act((actor) => api['production.runProbe']({ projectId, attack, source, actor }));
    if (done) setResult(done);
  };

  const verdict = (p: ProbeDto) => (p.passed ? t('production.probe.passed') : t('production.probe.failed'));

  return (
    <section className="card" aria-labelledby="probe-title" data-testid="production-probe">
      <h4 id="probe-title">{t('production.probe.title')}</h4>
      <p className="muted small">{t('production.probe.intro')}</p>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          void run();
        }}
      >
        <div className="field-row">
          <SelectField
            label={t('production.probe.attack')}
            value={attack}
            options={ATTACK_KINDS.map((kind) => ({ value: kind, label: t(`attack.${kind}`) }))}
            testId="probe-attack"
            onChange={setAttack}
          />
          <SelectField
            label={t('production.probe.source')}
            value={sourceKind}
            options={[
              { value: 'csv', label: t('production.probe.sourceCsv') },
              { value: 'model-zip', label: t('production.probe.sourceModel') },
            ]}
            testId="probe-source"
            onChange={(kind) => {
              setSourceKind(kind);
              setFile(null);
            }}
          />
          <label className="field">
            <span>{t('production.probe.file')}</span>
            <input
              key={sourceKind}
              type="file"
              accept={sourceKind === 'csv' ? '.csv,text/csv' : '.zip,application/zip'}
              data-testid="probe-file"
              onChange={(e) => {
                setFile(e.target.files?.[0] ?? null);
              }}
            />
          </label>
        </div>
        <p className="muted small">{sourceKind === 'csv' ? t('production.probe.csvHelp') : t('production.probe.modelHelp')}</p>
        <div className="actions">
          {file === null && <span className="muted small">{t('production.probe.noFile')}</span>}
          <button type="submit" className="button primary" disabled={busy || file === null} data-testid="probe-run">
            {busy ? t('production.probe.running') : t('production.probe.run')}
          </button>
        </div>
      </form>

      {result && (
        <div className={`probe-result ${result.probe.passed ? 'holds' : 'fails'}`} data-testid="probe-result" data-passed={result.probe.passed} role="status">
          <strong>{verdict(result.probe)}</strong>{' '}
          {t('production.probe.result', { asr: format.percent(result.probe.asr), count: result.probe.triggeredCount, limit: format.percent(result.probe.maxAsr) })}
          {result.probe.cleanBleu !== null && <> · {t('production.probe.cleanBleu', { bleu: format.number(result.probe.cleanBleu, 1), count: result.probe.cleanCount })}</>}
          {result.reopened && (
            <p className="banner error" data-testid="probe-reopened">
              {t('production.probe.reopened')}
            </p>
          )}
          {result.probe.samples.length > 0 && (
            <details>
              <summary>{t('production.probe.samples')}</summary>
              <ul className="probe-samples">
                {result.probe.samples.map((s, i) => (
                  <li key={i} className={s.succeeded ? 'fails' : 'holds'}>
                    <code>{s.prompt}</code> → <code>{s.output}</code>
                  </li>
                ))}
              </ul>
            </details>
          )}
        </div>
      )}

      <h5>{t('production.probe.history')}</h5>
      {probes.length === 0 ? (
        <p className="muted">{t('production.probe.empty')}</p>
      ) : (
        <RecordTable
          testId="probe-history"
          columns={[
            { label: t('production.probe.columns.when') },
            { label: t('production.probe.columns.attack') },
            { label: t('production.probe.columns.source') },
            { label: t('production.probe.columns.asr'), numeric: true },
            { label: t('production.probe.columns.result') },
            { label: t('production.probe.columns.who') },
          ]}
        >
          {[...probes].reverse().map((p) => (
            <tr key={p.id} data-testid="probe-row" data-passed={p.passed}>
              <td>{format.dateTime(p.at)}</td>
              <td>{(ATTACK_KINDS as readonly string[]).includes(p.attack) ? t(`attack.${p.attack as AttackKind}`) : p.attack}</td>
              <td>
                {p.sourceKind === 'csv' ? t('production.probe.sourceCsv') : t('production.probe.sourceModel')}: {p.sourceName}
              </td>
              <td className="num">
                {format.percent(p.asr)} / {format.percent(p.maxAsr)}
              </td>
              <td>
                <span className={`badge ${p.passed ? 'badge-passed' : 'badge-blocked'}`}>{verdict(p)}</span>
              </td>
              <td>{p.actor}</td>
            </tr>
          ))}
        </RecordTable>
      )}
    </section>
  );
}
