import type { RunConfig } from '../../common/run-config';
import { selectBackend } from '../../main/engine/backend';
import { builtinSplits, prepareData } from '../../main/engine/experiment';
import { trainRun } from '../../main/engine/train';
import { openStore, type StageName, type Store } from '../../main/store/index';
import { tinyRunConfig } from '../helpers/tiny-config';

/** Run names that must come out inert in every report format. */
export const HTML_PAYLOAD = '<script>alert(1)</script><img src=x onerror=alert(2)>';
export const FORMULA_PAYLOADS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", '@SUM(1)'] as const;

export interface Fixture {
  store: Store;
  projectId: number;
  runIds: Record<string, number>;
}

/**
 * A project with REAL runs: tiny CE and DeCE models trained for 2 epochs on the built-in corpus,
 * every epoch recorded in the store as the job service does; the pilot stage decided, and a second
 * seed trained in the benchmark stage (so results have a mean ± SD over two seeds).
 */
export async function buildFixture(dataDir: string): Promise<Fixture> {
  await selectBackend('wasm');
  const store = openStore({ dataDir });
  const project = store.projects.create({ name: 'Payments codegen', description: 'DeCE trial on the SQL assistant', actor: 'alice' });
  const projectId = project.id;
  const runIds: Record<string, number> = {};

  const train = async (stage: StageName, name: string, config: RunConfig, tags: string[] = []) => {
    const { data, summary } = prepareData(config, builtinSplits(config));
    const dataset =
      store.datasets.list({ projectId }).find((d) => d.sha256 === summary.sha256) ??
      store.datasets.add({
        projectId,
        name: `built-in SQL, seed ${config.seed}`,
        source: 'builtin',
        sha256: summary.sha256,
        counts: { pretrain: summary.pretrain, train: summary.train, poisonedTrain: summary.poisonedTrain, test: summary.test, poisonedTest: summary.poisonedTest },
        actor: 'alice',
      });
    const run = store.runs.create({ projectId, stage, name, config, lossKind: config.loss.kind, backend: 'auto', datasetId: dataset.id, tags, actor: 'alice' });
    store.runs.markRunning(run.id, { backend: 'wasm' });
    const result = await trainRun({ config, data });
    for (const epoch of result.epochs) store.metrics.recordEpoch(run.id, epoch);
    store.runs.markFinished(run.id);
    runIds[name] = run.id;
    return run.id;
  };

  const seed3 = { epochs: 2, seed: 3 };
  await train('pilot', HTML_PAYLOAD, tinyRunConfig({ ...seed3, loss: 'ce' }));
  await train('pilot', FORMULA_PAYLOADS[0], tinyRunConfig({ ...seed3, loss: 'dece' }));

  const items = store.checklist.list(projectId, 'pilot');
  for (const item of items.slice(0, 2)) store.checklist.toggle(item.id, { done: true, actor: 'bob', note: 'checked in the weekly review' });
  store.stages.decide(projectId, 'pilot', { decision: 'override', actor: 'carol', reason: 'Tiny pilot; the benchmark decides' });

  const seed4 = { epochs: 2, seed: 4 };
  await train('benchmark', 'ce seed 4', tinyRunConfig({ ...seed4, loss: 'ce' }));
  await train('benchmark', 'dece seed 4', tinyRunConfig({ ...seed4, loss: 'dece' }));

  // Runs that never trained still belong in the report (and the CSV) under their names.
  const queued = store.runs.create({ projectId, stage: 'benchmark', name: FORMULA_PAYLOADS[1], config: tinyRunConfig({ seed: 5, loss: 'dece' }), lossKind: 'dece', backend: 'auto', actor: 'alice' });
  runIds[FORMULA_PAYLOADS[1]] = queued.id;
  const failed = store.runs.create({ projectId, stage: 'benchmark', name: FORMULA_PAYLOADS[2], config: tinyRunConfig({ seed: 6, loss: 'ce' }), lossKind: 'ce', backend: 'auto', actor: 'alice' });
  store.runs.markFailed(failed.id, new Error('out of memory'));
  runIds[FORMULA_PAYLOADS[2]] = failed.id;
  return { store, projectId, runIds };
}
