import { useTranslation } from 'react-i18next';
import type { Stage } from '../../../common/contract';
import { useLoad } from '../../lib/use-load';
import { useApi } from '../../state/connection';
import { describeError } from '../../state/toasts';
import { HyperparametersCard, RollbackCard } from './SettingsCards';
import { LossExportCard, ModelExportCard } from './ExportCards';
import { ProbeCard } from './ProbeCard';
import { SignOffCard } from './SignOffCard';
import { SwitchPlanCard } from './SwitchPlanCard';
import './production.css';

interface ProductionPanelProps {
  projectId: number;
  stage: Stage;
  /** Bumped by the project page on every change: the panel reloads its records with it. */
  revision: number;
  onChanged: () => void;
}

/** The Production stage: fixed hyperparameters, rollback plan, loss and model export, switch plan, sign-off, probes. */
export function ProductionPanel({ projectId, stage, revision, onChanged }: ProductionPanelProps) {
  const { t } = useTranslation();
  const api = useApi();
  const state = useLoad(() => api['production.get']({ projectId }), [api, projectId, revision]);
  const changed = () => {
    state.reload();
    onChanged();
  };
  const editable = stage.status !== 'passed';

  return (
    <section className="production-panel" aria-labelledby="production-title" data-testid="production-panel">
      <div>
        <h3 id="production-title">{t('production.title')}</h3>
        <p className="muted">{t('production.intro')}</p>
      </div>
      {state.error !== null && (
        <p className="banner error" role="alert">
          {describeError(state.error, t)}
        </p>
      )}
      {state.data === null && state.error === null && <p className="muted">{t('common.loading')}</p>}
      {state.data !== null && (
        <>
          {!editable && (
            <p className="banner info" data-testid="production-passed">
              {t('production.passedLocked')}
            </p>
          )}
          <div className="columns">
            <HyperparametersCard projectId={projectId} fixed={state.data.hyperparameters} editable={editable} onChanged={changed} />
            <RollbackCard projectId={projectId} plan={state.data.rollbackPlan} editable={editable} onChanged={changed} />
          </div>
          <div className="columns">
            <LossExportCard projectId={projectId} fixed={state.data.hyperparameters} />
            <ModelExportCard projectId={projectId} revision={revision} onChanged={changed} />
          </div>
          <SwitchPlanCard projectId={projectId} stage={stage} steps={state.data.switchSteps} onChanged={changed} />
          <SignOffCard projectId={projectId} stage={stage} signOffs={state.data.signOffs} currentId={state.data.currentSignOffId} onChanged={changed} />
          <ProbeCard projectId={projectId} probes={state.data.probes} onChanged={changed} />
        </>
      )}
    </section>
  );
}
