import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { GateEvaluation, GateThresholds, Stage } from '../../common/contract';
import { renderMessage } from '../../common/messages';
import { useFormat, useMessageLang } from '../lib/format';
import { useLoad } from '../lib/use-load';
import { useActor } from '../state/actor';
import { useApi } from '../state/connection';
import { describeError, useToasts } from '../state/toasts';
import { Modal } from './Modal';

interface GatePanelProps {
  projectId: number;
  stage: Stage;
  revision: number;
  onChanged: () => void;
}

export function GatePanel({ projectId, stage, revision, onChanged }: GatePanelProps) {
  const { t } = useTranslation();
  const api = useApi();
  const format = useFormat();
  const lang = useMessageLang();
  const { ensureActor } = useActor();
  const { showError, notify } = useToasts();
  const gate = useLoad(() => api['stages.evaluateGate']({ projectId, stage: stage.stage }), [api, projectId, stage.stage, revision, stage.status]);
  const [dialog, setDialog] = useState<'override' | 'reopen' | null>(null);
  const [busy, setBusy] = useState(false);
  const active = stage.status === 'active';
  const evaluation: GateEvaluation | null = gate.data;

  const decide = async (decision: 'pass' | 'override', reason?: string): Promise<boolean> => {
    const actor = await ensureActor();
    if (actor === null) return false;
    setBusy(true);
    try {
      await api['stages.decide']({ projectId, stage: stage.stage, decision, actor, ...(reason === undefined ? {} : { reason }) });
      notify('success', (tr) => tr(decision === 'pass' ? 'gate.passedToast' : 'gate.overriddenToast', { stage: tr(`stage.${stage.stage}.name`) }));
      onChanged();
      return true;
    } catch (error) {
      showError(error);
      gate.reload();
      return false;
    } finally {
      setBusy(false);
    }
  };

  const reopen = async (reason: string): Promise<boolean> => {
    const actor = await ensureActor();
    if (actor === null) return false;
    setBusy(true);
    try {
      await api['stages.reopen']({ projectId, stage: stage.stage, actor, reason });
      onChanged();
      return true;
    } catch (error) {
      showError(error);
      return false;
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card grow gate" aria-labelledby="gate-title" data-testid="gate" data-can-pass={evaluation?.canPass ?? false}>
      <div className="card-head">
        <h3 id="gate-title">{t('gate.title')}</h3>
        {stage.status === 'passed' ? (
          <span className={`badge ${stage.decision === 'override' ? 'badge-override' : 'badge-passed'}`} data-testid="gate-verdict">
            {t(stage.decision === 'override' ? 'decisions.override' : 'decisions.pass')}
          </span>
        ) : (
          evaluation && (
            <span className={`badge ${evaluation.canPass ? 'badge-passed' : 'badge-blocked'}`} data-testid="gate-verdict">
              {evaluation.canPass ? t('gate.holds') : t('gate.blocked')}
            </span>
          )
        )}
      </div>
      {gate.error !== null && (
        <p className="banner error" role="alert">
          {describeError(gate.error, t)}
        </p>
      )}
      {evaluation === null && gate.error === null && <p className="muted">{t('common.loading')}</p>}
      {evaluation && (
        <ul className="conditions" aria-label={t('gate.conditionsLabel')}>
          {evaluation.conditions.map((condition) => (
            <li
              key={condition.id}
              className={condition.holds ? 'holds' : 'fails'}
              data-testid="gate-condition"
              data-condition-id={condition.id}
              data-holds={condition.holds}
            >
              <span className="condition-icon" aria-hidden="true">
                {condition.holds ? '✓' : '✗'}
              </span>
              <span className="sr-only">{condition.holds ? t('gate.conditionHolds') : t('gate.conditionFails')}</span>
              <span className="condition-text">
                <span className="condition-label">{renderMessage(condition.labelMessage, lang)}</span>
                <span className="condition-detail" data-testid="gate-condition-detail">
                  {renderMessage(condition.detailMessage, lang)}
                </span>
              </span>
            </li>
          ))}
        </ul>
      )}

      <ThresholdsForm
        key={JSON.stringify(stage.thresholds)}
        thresholds={stage.thresholds}
        editable={stage.status !== 'passed'}
        onSave={async (thresholds) => {
          const actor = await ensureActor();
          if (actor === null) return false;
          try {
            await api['stages.setThresholds']({ projectId, stage: stage.stage, thresholds, actor });
            onChanged();
            return true;
          } catch (error) {
            showError(error);
            return false;
          }
        }}
      />

      {stage.status === 'passed' && stage.decision !== null && (
        <div className={`decision decision-${stage.decision}`} data-testid="gate-decision">
          <strong>{t(stage.decision === 'override' ? 'decisions.override' : 'decisions.pass')}</strong>{' '}
          {t('decisions.byAt', { name: stage.decidedBy ?? '—', date: format.dateTime(stage.decidedAt ?? '') })}
          {stage.decisionReason !== null && stage.decisionReason !== '' && (
            <blockquote className="reason" data-testid="gate-decision-reason">
              {stage.decisionReason}
            </blockquote>
          )}
        </div>
      )}

      <div className="actions">
        {stage.status === 'passed' ? (
          <button
            type="button"
            className="button"
            disabled={busy}
            data-testid="gate-reopen"
            onClick={() => {
              setDialog('reopen');
            }}
          >
            {t('gate.reopen')}
          </button>
        ) : (
          <>
            <button
              type="button"
              className="button"
              disabled={busy || !active}
              data-testid="gate-override"
              onClick={() => {
                setDialog('override');
              }}
            >
              {t('gate.override')}
            </button>
            <button
              type="button"
              className="button primary"
              disabled={busy || !active || !(evaluation?.canPass ?? false)}
              data-testid="gate-pass"
              onClick={() => {
                void decide('pass');
              }}
            >
              {t('gate.pass')}
            </button>
          </>
        )}
      </div>
      {!active && stage.status === 'locked' && <p className="muted small">{t('gate.lockedExplain')}</p>}

      {dialog !== null && (
        <ReasonDialog
          title={dialog === 'override' ? t('gate.overrideTitle') : t('gate.reopenTitle')}
          explain={dialog === 'override' ? t('gate.overrideExplain') : t('gate.reopenExplain')}
          confirm={dialog === 'override' ? t('gate.overrideConfirm') : t('gate.reopenConfirm')}
          testId={dialog === 'override' ? 'override-dialog' : 'reopen-dialog'}
          onCancel={() => {
            setDialog(null);
          }}
          onConfirm={async (reason) => {
            const ok = dialog === 'override' ? await decide('override', reason) : await reopen(reason);
            if (ok) setDialog(null);
          }}
        />
      )}
    </section>
  );
}

interface ThresholdsFormProps {
  thresholds: GateThresholds;
  editable: boolean;
  onSave: (thresholds: GateThresholds) => Promise<boolean>;
}

function ThresholdsForm({ thresholds, editable, onSave }: ThresholdsFormProps) {
  const { t } = useTranslation();
  const [maxAsr, setMaxAsr] = useState(String(thresholds.maxAsr));
  const [maxBleuDrop, setMaxBleuDrop] = useState(String(thresholds.maxBleuDrop));
  const [minRuns, setMinRuns] = useState(String(thresholds.minRunsPerLoss));
  const [busy, setBusy] = useState(false);
  const parsed = {
    maxAsr: Number(maxAsr),
    maxBleuDrop: Number(maxBleuDrop),
    minRunsPerLoss: Number(minRuns),
  };
  const valid =
    maxAsr.trim() !== '' &&
    maxBleuDrop.trim() !== '' &&
    minRuns.trim() !== '' &&
    parsed.maxAsr >= 0 &&
    parsed.maxAsr <= 100 &&
    parsed.maxBleuDrop >= 0 &&
    parsed.maxBleuDrop <= 100 &&
    Number.isInteger(parsed.minRunsPerLoss) &&
    parsed.minRunsPerLoss >= 1 &&
    parsed.minRunsPerLoss <= 1000;
  const dirty = parsed.maxAsr !== thresholds.maxAsr || parsed.maxBleuDrop !== thresholds.maxBleuDrop || parsed.minRunsPerLoss !== thresholds.minRunsPerLoss;

  return (
    <form
      className="thresholds"
      aria-label={t('gate.thresholds')}
      onSubmit={(event) => {
        event.preventDefault();
        if (!valid) return;
        setBusy(true);
        void onSave(parsed).finally(() => {
          setBusy(false);
        });
      }}
    >
      <h4>{t('gate.thresholds')}</h4>
      <div className="threshold-grid">
        <label className="field">
          <span>{t('gate.maxAsr')}</span>
          <input
            type="number"
            min={0}
            max={100}
            step="any"
            value={maxAsr}
            disabled={!editable}
            data-testid="threshold-max-asr"
            onChange={(event) => {
              setMaxAsr(event.target.value);
            }}
          />
        </label>
        <label className="field">
          <span>{t('gate.maxBleuDrop')}</span>
          <input
            type="number"
            min={0}
            max={100}
            step="any"
            value={maxBleuDrop}
            disabled={!editable}
            data-testid="threshold-max-bleu-drop"
            onChange={(event) => {
              setMaxBleuDrop(event.target.value);
            }}
          />
        </label>
        <label className="field">
          <span>{t('gate.minRunsPerLoss')}</span>
          <input
            type="number"
            min={1}
            max={1000}
            step={1}
            value={minRuns}
            disabled={!editable}
            data-testid="threshold-min-runs"
            onChange={(event) => {
              setMinRuns(event.target.value);
            }}
          />
        </label>
      </div>
      {editable && (
        <div className="actions">
          {!valid && (
            <span className="inline-error" role="alert">
              {t('gate.thresholdsInvalid')}
            </span>
          )}
          <button type="submit" className="button small" disabled={busy || !valid || !dirty} data-testid="threshold-save">
            {t('gate.saveThresholds')}
          </button>
        </div>
      )}
      {!editable && <p className="muted small">{t('gate.thresholdsLocked')}</p>}
    </form>
  );
}

interface ReasonDialogProps {
  title: string;
  explain: string;
  confirm: string;
  testId: string;
  onCancel: () => void;
  onConfirm: (reason: string) => Promise<void>;
}

function ReasonDialog({ title, explain, confirm, testId, onCancel, onConfirm }: ReasonDialogProps) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const trimmed = reason.trim();
  return (
    <Modal title={title} testId={testId} onClose={onCancel}>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          if (trimmed === '') return;
          setBusy(true);
          void onConfirm(trimmed).finally(() => {
            setBusy(false);
          });
        }}
      >
        <p className="muted">{explain}</p>
        <label className="field">
          <span>{t('gate.reason')}</span>
          <textarea
            autoFocus
            rows={4}
            required
            maxLength={10000}
            value={reason}
            data-testid="reason-input"
            onChange={(event) => {
              setReason(event.target.value);
            }}
          />
        </label>
        {trimmed === '' && <p className="muted small">{t('gate.reasonRequired')}</p>}
        <div className="actions">
          <button type="button" className="button" onClick={onCancel}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="button primary" disabled={busy || trimmed === ''} data-testid="reason-confirm">
            {confirm}
          </button>
        </div>
      </form>
    </Modal>
  );
}
