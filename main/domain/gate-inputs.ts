import { STAGE_NAMES, type GateEvaluation, type StageName } from '../../common/contract';
import type { Stage, Store } from '../store/index';
import { NotFoundError } from './errors';
import { evaluateGate, type GateRun, type ProductionGateInput } from './gate';
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

/** A stage's gate judged on what the store holds now: the one evaluation the app, its reports and the CLI share. */
export function gateFor(store: Store, projectId: number, stage: StageName): { stage: Stage; evaluation: GateEvaluation } {
  const current = store.stages.get(projectId, stage);
  if (!current) throw new NotFoundError(`Stage ${String(projectId)}/${stage} does not exist`);
  const index = STAGE_NAMES.indexOf(stage);
  const previousName = index > 0 ? STAGE_NAMES[index - 1] : undefined;
  const previous = previousName === undefined ? null : (store.stages.get(projectId, previousName) ?? null);
  return {
    stage: current,
    evaluation: evaluateGate({
      stage,
      thresholds: current.thresholds,
      previous: previous ? { stage: previous.stage, status: previous.status } : null,
      runs: loadGateRuns(store, projectId, stage),
      ...(stage === 'production' ? { production: productionGateInput(store, projectId) } : {}),
    }),
  };
}
