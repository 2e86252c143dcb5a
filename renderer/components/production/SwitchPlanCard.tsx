import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Stage } from '../../../common/contract';
import { DEFAULT_SWITCH_PERCENTS, SWITCH_OUTCOMES, type SwitchStepDto } from '../../../common/contract-production';
import { useFormat } from '../../lib/format';
import { useApi } from '../../state/connection';
import { InputField } from '../form-fields';
import { ChoiceRow, RecordForm, RecordTable } from './parts';

/** The next share of the usual plan (10 → 50 → 100): repeat a failed step, else the next larger one. */
export function nextSwitchPercent(steps: readonly SwitchStepDto[]): number {
  const last = steps.at(-1);
  if (!last) return DEFAULT_SWITCH_PERCENTS[0];
  if (last.outcome === 'failed') return last.percent;
  return DEFAULT_SWITCH_PERCENTS.find((p) => p > last.percent) ?? 100;
}

interface SwitchPlanCardProps {
  projectId: number;
  stage: Stage;
  steps: readonly SwitchStepDto[];
  onChanged: () => void;
}

export function SwitchPlanCard({ projectId, stage, steps, onChanged }: SwitchPlanCardProps) {
  const { t } = useTranslation();
  const api = useApi();
  const format = useFormat();
  const suggested = nextSwitchPercent(steps);
  const [percent, setPercent] = useState<string | null>(null);
  const [check, setCheck] = useState('');
  const [outcome, setOutcome] = useState<'passed' | 'failed'>('passed');
  const shown = percent ?? String(suggested);
  const value = Number(shown);
  const last = steps.at(-1);
  const valid = Number.isInteger(value) && value >= 1 && value <= 100 && (last === undefined || value >= last.percent) && check.trim() !== '';
  const open = stage.status !== 'locked';

  return (
    <section className="card" aria-labelledby="switch-title" data-testid="production-switch">
      <h4 id="switch-title">{t('production.switch.title')}</h4>
      <p className="muted small">{t('production.switch.intro')}</p>
      {steps.length === 0 ? (
        <p className="muted">{t('production.switch.empty')}</p>
      ) : (
        <RecordTable
          testId="switch-steps"
          columns={[
            { label: t('production.switch.columns.when') },
            { label: t('production.switch.columns.percent'), numeric: true },
            { label: t('production.switch.columns.check') },
            { label: t('production.switch.columns.outcome') },
            { label: t('production.switch.columns.who') },
          ]}
        >
          {steps.map((s) => (
            <tr key={s.id} data-testid="switch-step" data-percent={s.percent} data-outcome={s.outcome}>
              <td>{format.dateTime(s.at)}</td>
              <td className="num">{s.percent}%</td>
              <td>{s.check}</td>
              <td>
                <span className={`badge ${s.outcome === 'passed' ? 'badge-passed' : 'badge-blocked'}`}>{t(`production.switch.outcomes.${s.outcome}`)}</span>
              </td>
              <td>{s.actor}</td>
            </tr>
          ))}
        </RecordTable>
      )}
      {open && (
        <RecordForm
          valid={valid}
          problem={!valid && check.trim() !== '' ? t('production.switch.invalid') : null}
          submitLabel={t('production.switch.record')}
          submitTestId="switch-record"
          record={(actor) => api['production.recordSwitchStep']({ projectId, percent: value, check, outcome, actor })}
          recorded={(tr) => tr('production.switch.recorded')}
          onChanged={onChanged}
          onRecorded={() => {
            setPercent(null);
            setCheck('');
            setOutcome('passed');
          }}
        >
          <p className="muted small">{t('production.switch.next', { percent: suggested })}</p>
          <div className="field-row">
            <InputField
              label={t('production.switch.percent')}
              className="switch-percent"
              type="number"
              min={last?.percent ?? 1}
              max={100}
              step={1}
              value={shown}
              testId="switch-percent"
              onChange={setPercent}
            />
            <InputField
              label={t('production.switch.check')}
              type="text"
              maxLength={10000}
              placeholder={t('production.switch.checkPlaceholder')}
              value={check}
              testId="switch-check"
              onChange={setCheck}
            />
          </div>
          <ChoiceRow
            legend={t('production.switch.outcome')}
            name="switch-outcome"
            options={SWITCH_OUTCOMES.map((o) => ({ value: o, label: t(`production.switch.outcomes.${o}`) }))}
            value={outcome}
            testIdPrefix="switch-outcome"
            onChange={setOutcome}
          />
        </RecordForm>
      )}
    </section>
  );
}
