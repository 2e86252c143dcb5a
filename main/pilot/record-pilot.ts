import type { LossKind } from '../../common/run-config';
import { softwareVersions } from '../engine/software-versions';
import type { Store } from '../store/index';
import type { PilotResult } from './run-pilot';

/**
 * A headless Pilot (`npm run pilot -- --data-dir DIR [--project ID]`) kept in the app's store, like the runs
 * the app makes: its CE and DeCE runs in the project's Pilot stage with every epoch, the software versions
 * and backend they ran on, and the passive defenses (`--defenses`) against the CE run whose model they
 * defended — so the app's pages and the meeting report (its cost section) show them.
 */

/** Marks the runs a command-line Pilot stored. */
export const PILOT_CLI_TAG = 'pilot-cli';

export interface RecordedPilot {
  projectId: number;
  runs: { loss: LossKind; runId: number }[];
  defenseResultIds: number[];
}

/**
 * The project to record into, checked before any training: an existing one by id, or a new one. Throws the
 * store's not-found error for an unknown id and refuses a project whose Pilot stage is locked.
 */
export function preparePilotProject(store: Store, projectId: number | null, actor: string, now: Date = new Date()): number {
  if (projectId === null) {
    return store.projects.create({ name: `Pilot from the command line, ${now.toISOString().slice(0, 16).replace('T', ' ')}`, actor }).id;
  }
  const project = store.projects.get(projectId);
  if (!project) throw new Error(`project ${projectId} does not exist in this data folder`);
  const pilot = store.stages.get(projectId, 'pilot');
  if (pilot?.status === 'locked') throw new Error(`the Pilot stage of project ${projectId} is locked`);
  return projectId;
}

export function recordPilot(store: Store, projectId: number, result: PilotResult, actor: string): RecordedPilot {
  const backend = result.backend === '' ? result.config.backend : result.backend;
  const runs = result.runs.map((run) => {
    const created = store.runs.create({
      projectId,
      stage: 'pilot',
      name: `${run.loss === 'ce' ? 'CE' : 'DeCE'} (npm run pilot)`,
      config: run.config,
      lossKind: run.loss,
      backend,
      tags: [PILOT_CLI_TAG],
      actor,
    });
    store.runs.markRunning(created.id, { backend, actor });
    store.runs.recordVersions(created.id, { ...softwareVersions(), backend });
    for (const metrics of run.epochs) store.metrics.recordEpoch(created.id, metrics);
    store.runs.markFinished(created.id, { actor });
    return { loss: run.loss, runId: created.id };
  });
  const ce = runs.find((r) => r.loss === 'ce');
  const defenseResultIds =
    ce === undefined
      ? []
      : result.defenses.map(
          (outcome) =>
            store.defenses.record(ce.runId, {
              defense: outcome.defense,
              asr: outcome.asr,
              bleu: outcome.bleu,
              exactMatch: outcome.exactMatch,
              extraSeconds: outcome.extraSeconds,
              detail: outcome.detail,
            }).id,
        );
  return { projectId, runs, defenseResultIds };
}
