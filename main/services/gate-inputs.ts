import type { StageName } from '../../common/contract';
import type { Store } from '../store/index';
import type { GateRun, ProductionGateInput } from './gate';
import { toEpochMetrics, toRun } from './mappers';

/** Every run of a stage with its last recorded epoch, as the gate evaluator takes them. */
export function loadGateRuns(store: Store, projectId: number, stage: StageName): GateRun[] {
  return store.runs.list({ projectId, stage }).map((r) => {
    const dto = toRun(r);
    const last = store.metrics.lastEpoch(r.id);
    return { id: dto.id, loss: dto.loss, status: dto.status, config: dto.config, final: last ? toEpochMetrics(last) : null };
  });
}

/** What the Production gate judges besides thresholds: the Benchmark evidence and the stage's own records. */
export function productionGateInput(store: Store, projectId: number): ProductionGateInput {
  const settings = store.production.settings(projectId);
  const signOff = store.production.currentSignOff(projectId);
  return {
    benchmarkRuns: loadGateRuns(store, projectId, 'benchmark'),
    hyperparameters: settings.hyperparameters,
    rollbackPlan: settings.rollbackPlan,
    signOff: signOff === null ? null : { decision: signOff.decision, name: signOff.name, role: signOff.role },
  };
}
