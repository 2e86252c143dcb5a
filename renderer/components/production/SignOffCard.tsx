import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Stage } from '../../../common/contract';
import { SIGN_OFF_DECISIONS, type SignOffDecision, type SignOffDto } from '../../../common/contract-production';
import { useFormat } from '../../lib/format';
import { useApi } from '../../state/connection';
import { InputField, TextAreaField } from '../form-fields';
import { ChoiceRow, RecordForm } from './parts';

interface SignOffCardProps {
  projectId: number;
  stage: Stage;
  signOffs: readonly SignOffDto[];
  /** The sign-off that still speaks for the stage (none after a later change). */
  currentId: number | null;
  onChanged: () => void;
}

export function SignOffCard({ projectId, stage, signOffs, currentId, onChanged }: SignOffCardProps) {
  const { t } = useTranslation();
  const api = useApi();
  const format = useFormat();
  const [name, setName] = useState('');
  const [role, setRole] = useState('');
  const [decision, setDecision] = useState<SignOffDecision>('go');
  const [comment, setComment] = useState('');
  const needsComment = decision === 'no-go' && comment.trim() === '';
  const valid = name.trim() !== '' && role.trim() !== '' && !needsComment;
  const active = stage.status === 'active';
  const decisionLabel = (d: SignOffDecision) => t(d === 'go' ? 'production.signOff.go' : 'production.signOff.noGo');

  return (
    <section className="card" aria-labelledby="sign-off-title" data-testid="production-sign-off">
      <h4 id="sign-off-title">{t('production.signOff.title')}</h4>
      <p className="muted small">{t('production.signOff.intro')}</p>
      {active ? (
        <RecordForm
          valid={valid}
          problem={needsComment ? t('production.signOff.commentRequired') : null}
          submitLabel={t('production.signOff.submit')}
          submitTestId="sign-off-submit"
          record={(actor) => api['production.signOff']({ projectId, name, role, decision, comment, actor })}
          recorded={(tr) => tr('production.signOff.recorded')}
          onChanged={onChanged}
          onRecorded={() => {
            setComment('');
          }}
        >
          <div className="field-row">
            <InputField label={t('production.signOff.name')} type="text" maxLength={200} autoComplete="name" value={name} testId="sign-off-name" onChange={setName} />
            <InputField
              label={t('production.signOff.role')}
              type="text"
              maxLength={200}
              placeholder={t('production.signOff.rolePlaceholder')}
              value={role}
              testId="sign-off-role"
              onChange={setRole}
            />
          </div>
          <ChoiceRow
            legend={t('production.signOff.decision')}
            name="sign-off-decision"
            options={SIGN_OFF_DECISIONS.map((d) => ({ value: d, label: decisionLabel(d) }))}
            value={decision}
            testIdPrefix="sign-off"
            onChange={setDecision}
          />
          <TextAreaField label={t('production.signOff.comment')} rows={3} maxLength={10000} value={comment} testId="sign-off-comment" onChange={setComment} />
        </RecordForm>
      ) : (
        <p className="muted small">{t('production.signOff.onlyActive')}</p>
      )}
      <h5>{t('production.signOff.history')}</h5>
      {signOffs.length === 0 ? (
        <p className="muted">{t('production.signOff.empty')}</p>
      ) : (
        <ol className="sign-offs" data-testid="sign-off-history">
          {[...signOffs].reverse().map((s) => (
            <li key={s.id} data-testid="sign-off" data-decision={s.decision} data-current={s.id === currentId}>
              <span className={`badge ${s.decision === 'go' ? 'badge-passed' : 'badge-blocked'}`}>{decisionLabel(s.decision)}</span>{' '}
              <strong>{t('production.signOff.byAt', { name: s.name, role: s.role, date: format.dateTime(s.at) })}</strong>{' '}
              <span className="muted small">{s.id === currentId ? t('production.signOff.current') : t('production.signOff.superseded')}</span>
              {s.comment !== '' && <blockquote className="reason">{s.comment}</blockquote>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
