import { describe, expect, it } from 'vitest';
import type { CreateRunInput, Store } from '../../main/store/index';
import { open, sampleConfig, tempDbFile } from './helpers';

/** How the search runner finds the searches a run-status event concerns: by CE reference or trial, running ones only. */

const point = (alphaBase: number) => ({ labelSmoothing: 0.05, alphaBase });

function runInput(projectId: number, name: string): CreateRunInput {
  return { projectId, stage: 'pilot', name, config: sampleConfig(), lossKind: 'dece', backend: 'wasm', actor: 'ana' };
}

function newSearch(store: Store, projectId: number, name: string) {
  return store.searches.create({ projectId, name, spec: { name }, points: [point(0.9), point(0.99)], epochs: 2, actor: 'ana' });
}

describe('searches.runningSearchIdsOfRun', () => {
  it('finds the running search of a reference or trial run, and nothing for other runs or settled searches', () => {
    const store = open({ file: tempDbFile() });
    const projectId = store.projects.create({ name: 'Search runs', actor: 'ana' }).id;
    const a = newSearch(store, projectId, 'A');
    const b = newSearch(store, projectId, 'B');
    const reference = store.searches.launchReference(a.id, runInput(projectId, 'A reference'));
    const [firstOfA] = store.searches.trials(a.id);
    const [firstOfB] = store.searches.trials(b.id);
    if (!reference || !firstOfA || !firstOfB) throw new Error('setup failed');
    const trialOfA = store.searches.launchTrial(firstOfA.id, runInput(projectId, 'A trial'));
    const trialOfB = store.searches.launchTrial(firstOfB.id, runInput(projectId, 'B trial'));
    const unrelated = store.runs.create(runInput(projectId, 'not a search run'));
    if (!trialOfA || !trialOfB) throw new Error('trials not launched');

    expect(store.searches.runningSearchIdsOfRun(reference.id)).toEqual([a.id]);
    expect(store.searches.runningSearchIdsOfRun(trialOfA.id)).toEqual([a.id]);
    expect(store.searches.runningSearchIdsOfRun(trialOfB.id)).toEqual([b.id]);
    expect(store.searches.runningSearchIdsOfRun(unrelated.id)).toEqual([]);
    expect(store.searches.runningSearchIdsOfRun(9999)).toEqual([]);

    // A later rung's run belongs to the search too.
    const [rung1] = store.searches.addRung(a.id, 1, 4, [point(0.9)]);
    const rung1Run = rung1 && store.searches.launchTrial(rung1.id, runInput(projectId, 'A rung 1'));
    if (!rung1Run) throw new Error('rung 1 not launched');
    expect(store.searches.runningSearchIdsOfRun(rung1Run.id)).toEqual([a.id]);

    // Once settled, a search is no longer advanced by its runs' events.
    store.searches.cancel(a.id, 'ben');
    expect(store.searches.runningSearchIdsOfRun(reference.id)).toEqual([]);
    expect(store.searches.runningSearchIdsOfRun(rung1Run.id)).toEqual([]);
    expect(store.searches.runningSearchIdsOfRun(trialOfB.id)).toEqual([b.id]);
  });
});
