import { type Message, message } from '../../common/messages';
import { preparePilotProject, recordPilot } from '../pilot/record-pilot';
import type { PilotResult } from '../pilot/run-pilot';
import { openStore, type Store } from '../store/index';

/** `npm run pilot -- --data-dir DIR [--project ID]`: where the Pilot's runs and defense results go. */

const ACTOR = 'pilot-cli';

export interface StoredPilotTarget {
  store: Store;
  projectId: number;
}

/** Opens the app's store in `dataDir` and settles the project (an existing id, or a new project). */
export function openPilotStore(dataDir: string, projectId: number | null): StoredPilotTarget {
  const store = openStore({ dataDir });
  try {
    return { store, projectId: preparePilotProject(store, projectId, ACTOR) };
  } catch (error) {
    store.close();
    throw error;
  }
}

/** Records the result, closes the store and says what was stored. */
export function storePilotResult(target: StoredPilotTarget, result: PilotResult): Message {
  try {
    const recorded = recordPilot(target.store, target.projectId, result, ACTOR);
    return message('pilot.progress.stored', {
      file: target.store.file,
      project: recorded.projectId,
      runs: recorded.runs.map((r) => `#${r.runId}`).join(', '),
      defenses: recorded.defenseResultIds.length,
    });
  } finally {
    target.store.close();
  }
}
