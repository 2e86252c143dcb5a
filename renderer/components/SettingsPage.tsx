import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { SIZE_PRESETS, type SizePreset } from '../../common/presets';
import type { BackendDiagnosisView, DoctorReportView } from '../../common/contract-doctor';
import { useFormat } from '../lib/format';
import { useApi } from '../state/connection';
import { describeError } from '../state/toasts';
import { TrainingTargetPanel } from './TrainingTargetPanel';

/** This machine's settings: where training runs, and the backend doctor. */
export function SettingsPage() {
  const { t } = useTranslation();
  return (
    <div className="page">
      <div className="page-head">
        <h1 data-testid="settings-title">{t('settings.title')}</h1>
        <p className="muted">{t('settings.intro')}</p>
      </div>
      <TrainingTargetPanel />
      <DoctorPanel />
    </div>
  );
}

const DOCTOR_STEPS = 20;

/** `doctor.run`: every backend with its status and reason, the choice, the device and a speed probe. */
function DoctorPanel() {
  const { t } = useTranslation();
  const api = useApi();
  const [size, setSize] = useState<SizePreset>('standard');
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<DoctorReportView | null>(null);
  const [error, setError] = useState<unknown>(null);

  const run = () => {
    setBusy(true);
    setError(null);
    api['doctor.run']({ size, steps: DOCTOR_STEPS }).then(
      (answer) => {
        setReport(answer);
        setBusy(false);
      },
      (failure: unknown) => {
        setError(failure);
        setBusy(false);
      },
    );
  };

  return (
    <section className="card" aria-labelledby="doctor-title" data-testid="doctor-panel" aria-busy={busy}>
      <h2 id="doctor-title">{t('doctor.title')}</h2>
      <p className="muted">{t('doctor.intro')}</p>
      <div className="history-filters">
        <label className="field">
          <span>{t('doctor.probeModel')}</span>
          <select
            data-testid="doctor-size"
            value={size}
            disabled={busy}
            onChange={(e) => {
              const next = SIZE_PRESETS.find((s) => s === e.target.value);
              if (next) setSize(next);
            }}
          >
            {SIZE_PRESETS.map((s) => (
              <option key={s} value={s}>
                {t(`doctor.sizes.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <span className="muted small">
          {t('doctor.steps')}: {DOCTOR_STEPS}
        </span>
        <button type="button" className="button primary" disabled={busy} onClick={run} data-testid="doctor-run">
          {t('doctor.run')}
        </button>
      </div>
      {busy && (
        <p className="muted" role="status" data-testid="doctor-busy">
          {t('doctor.running')}
        </p>
      )}
      {error !== null && (
        <p className="banner error" role="alert">
          {describeError(error, t)}
        </p>
      )}
      {report !== null && <DoctorReportTable report={report} />}
    </section>
  );
}

function DoctorReportTable({ report }: { report: DoctorReportView }) {
  const { t } = useTranslation();
  return (
    <>
      <p data-testid="doctor-chosen" data-backend={report.chosen ?? ''}>
        <strong>{report.chosen === null ? t('doctor.noneWorks') : t('doctor.chosen', { backend: report.chosen })}</strong>
      </p>
      <div className="table-wrap">
        <table className="table" data-testid="doctor-table">
          <thead>
            <tr>
              <th scope="col">{t('doctor.columns.backend')}</th>
              <th scope="col">{t('doctor.columns.status')}</th>
              <th scope="col">{t('doctor.columns.device')}</th>
              <th scope="col">{t('doctor.columns.loss')}</th>
              <th scope="col">{t('doctor.columns.speed')}</th>
            </tr>
          </thead>
          <tbody>
            {report.backends.map((b) => (
              <DoctorRow key={b.name} backend={b} />
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function DoctorRow({ backend: b }: { backend: BackendDiagnosisView }) {
  const { t } = useTranslation();
  const format = useFormat();
  const speed = b.probe
    ? t('doctor.speedValue', { tokens: format.number(b.probe.tokensPerSecond), ms: format.number(b.probe.stepMs), steps: b.probe.steps })
    : b.probeError !== undefined
      ? t('doctor.probeFailed', { error: b.probeError })
      : b.probeSkipped !== undefined
        ? t('doctor.notMeasured', { reason: b.probeSkipped })
        : '—';
  return (
    <tr data-testid="doctor-backend" data-backend={b.name} data-available={String(b.available)}>
      <th scope="row">
        {b.name}
        {b.nativePackage !== undefined && <div className="muted small">{b.nativePackage}</div>}
      </th>
      <td>
        {b.available ? t('doctor.available') : t('doctor.unavailable')}
        {b.reason !== undefined && (
          <div className="muted small" data-testid="doctor-reason">
            {b.reason}
          </div>
        )}
      </td>
      <td>{b.device ?? '—'}</td>
      <td>{b.loss === undefined ? '—' : b.loss === 'fused' ? t('doctor.lossFused') : t('doctor.lossTensor')}</td>
      <td data-testid="doctor-speed">{speed}</td>
    </tr>
  );
}
