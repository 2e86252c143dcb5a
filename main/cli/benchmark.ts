import { writeFileAtomically } from '../files/atomic-write';
import { availableParallelism } from 'node:os';
import { ApiError } from '../../common/contract';
import { BenchmarkSpecSchema, type BenchmarkCell, type BenchmarkDataset, type BenchmarkDetail, type BenchmarkPlan, type ScenarioRow } from '../../common/contract-benchmark';
import { BenchmarkUsageError, benchmarkHelp, parseBenchmarkArgs } from './benchmark-options';
import { assembleApp } from '../services/assembly';
import { resolveDataDir, type Store } from '../store/index';
import { exitWithResult } from './exit-code';
import { trainingExecutor } from './redis-option';
import { importSharedSample } from './shared-datasets';

/**
 * `npm run benchmark -- [options]`: a benchmark matrix without any window, through the same services and
 * job service as the app (so the runs show up there too). Progress on stderr; the scenario table and the
 * wall time on stdout (with --plan-only: the plan, and nothing runs). Exit 0: every cell finished (or the plan
 * was printed); 1: some cell failed or the run broke; 2: bad arguments.
 */

const POLL_MS = 1000;
const CLI_PROJECT = 'Benchmark CLI';
const ACTOR = 'benchmark-cli';

/** The project the CLI's matrices belong to; its Pilot gate is overridden once, with the reason recorded. */
function cliProject(store: Store): number {
  const project = store.projects.list().find((p) => p.name === CLI_PROJECT) ?? store.projects.create({ name: CLI_PROJECT, description: 'Matrices run with npm run benchmark', actor: ACTOR });
  if (store.stages.get(project.id, 'benchmark')?.status === 'locked') {
    store.stages.decide(project.id, 'pilot', { decision: 'override', actor: ACTOR, reason: 'Headless benchmark measurement (npm run benchmark): no Pilot decision is taken here' });
  }
  return project.id;
}

const pct = (rate: number) => `${Number((rate * 100).toFixed(3))}%`;
const fixed = (x: number | null | undefined, digits = 2) => (x === null || x === undefined ? '–' : x.toFixed(digits));

function cellLabel(c: BenchmarkCell): string {
  const data = c.dataset === 'builtin-sql' ? '' : `${c.dataset} `;
  return `${data}${c.attack} ${c.arm === 'ce-clean' ? 'clean' : pct(c.rate)} ${c.arm} seed ${c.seed}`;
}

function progressLine(c: BenchmarkCell, done: number, total: number, elapsed: number): string {
  const head = `[${String(done).padStart(String(total).length)}/${total} ${Math.round(elapsed)}s] ${(c.reused ? 'reused' : c.status).padEnd(9)} ${cellLabel(c)}`;
  const run = c.runId === null ? '' : `  (run #${c.runId})`;
  if (c.status === 'failed') return `${head}  ${c.error ?? ''}${run}`;
  if (c.metrics) return `${head}  BLEU-4 ${fixed(c.metrics.bleu)}  ASR ${fixed(c.metrics.asr, 1)}%${run}`;
  return `${head}${run}`;
}

function spread(s: ScenarioRow['bleu'], digits = 2): string {
  if (!s) return '–';
  const sd = s.sd === null ? '' : ` ± ${s.sd.toFixed(digits)}`;
  const ci = s.ciLow === null || s.ciHigh === null ? '' : ` [${s.ciLow.toFixed(digits)}, ${s.ciHigh.toFixed(digits)}]`;
  return `${s.mean.toFixed(digits)}${sd}${ci}`;
}

function diff(d: NonNullable<ScenarioRow['diffToCe']>['bleu'] | undefined): string {
  if (!d) return '–';
  const sign = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
  return d.ciLow === null || d.ciHigh === null ? sign(d.mean) : `${sign(d.mean)} [${sign(d.ciLow)}, ${sign(d.ciHigh)}]`;
}

/** The scenario table, one aligned line per scenario: mean ± sd [95% interval] over seeds. */
function scenarioLines(rows: readonly ScenarioRow[]): string[] {
  const table = [
    ['dataset', 'attack', 'rate', 'arm', 'n', 'BLEU-4', 'CodeBLEU', 'exact match %', 'ASR %', 'ΔBLEU-4 vs CE', 'ΔASR vs CE', 'extra s vs CE'],
    ...rows.map((r) => [r.dataset, r.attack, r.arm === 'ce-clean' ? 'clean' : pct(r.rate), r.arm, String(r.n), spread(r.bleu), spread(r.codeBleu), spread(r.exactMatch, 1), spread(r.asr, 1), diff(r.diffToCe?.bleu), diff(r.diffToCe?.asr), r.extraSeconds == null ? '—' : `${r.extraSeconds >= 0 ? '+' : ''}${r.extraSeconds.toFixed(1)}`]),
  ];
  const widths = table[0]?.map((_, c) => Math.max(...table.map((row) => (row[c] ?? '').length))) ?? [];
  return table.map((row) => row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd());
}

function planLines(plan: BenchmarkPlan): string[] {
  return [
    `${plan.cells} cells: ${plan.newRuns} new runs, ${plan.reusedRuns} reused, ${plan.defenseJobs} defense jobs, ${plan.poisonedDatasets} poisoned datasets`,
    `estimated ${Math.round(plan.seconds / 60)} min with ${plan.concurrency} ${plan.concurrencyBasis === 'connected-workers' ? 'connected remote worker(s)' : 'worker(s)'}`,
    ...plan.skipped.map((s) => `skipped ${s.dataset} × ${s.attack}: ${s.reason}`),
  ];
}

async function main(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseBenchmarkArgs(argv, Math.max(1, availableParallelism() - 1));
  } catch (error) {
    if (error instanceof BenchmarkUsageError) {
      process.stderr.write(`benchmark: ${error.message}\nRun npm run benchmark -- --help for the options.\n`);
      return 2;
    }
    throw error;
  }
  if (options === 'help') {
    process.stdout.write(`${benchmarkHelp()}\n`);
    return 0;
  }
  const dataDir = resolveDataDir({ cliDataDir: options.dataDir ?? undefined, env: process.env });
  const executor = trainingExecutor(options.redisUrl);
  const app = assembleApp({ dataDir, shell: 'browser', maxConcurrentRuns: options.workers, startJob: executor.startJob, connectedWorkers: executor.connectedWorkers });
  const { store, handlers } = app;
  // An object, not a let: the signal handler sets it while main awaits.
  const interrupt = { stopping: false };
  const stop = (signal: NodeJS.Signals) => {
    if (interrupt.stopping) process.exit(130);
    interrupt.stopping = true;
    process.stderr.write(`${signal}: stopping; continue later with --resume and the same --data-dir\n`);
    void app.close().finally(() => {
      process.exit(130);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  try {
    let benchmarkId: number;
    let plan: BenchmarkPlan | null = null;
    process.stderr.write(
      options.redisUrl === null
        ? `data folder ${dataDir}, ${options.workers} worker(s) on ${availableParallelism()} cores\n`
        : `data folder ${dataDir}, up to ${options.workers} run(s) at once on remote workers\n`,
    );
    if (options.resumeId !== null) {
      benchmarkId = options.resumeId;
      if (!store.benchmarks.get(benchmarkId)) throw new BenchmarkUsageError(`--resume: benchmark ${benchmarkId} is not in ${dataDir}`);
      app.resumeUnfinished();
      await handlers['benchmarks.resume']({ benchmarkId, actor: ACTOR });
    } else {
      const projectId = cliProject(store);
      const shared: BenchmarkDataset[] = [];
      for (const name of options.sharedDatasets) {
        process.stderr.write(`importing the shared:${name} sample into the data folder…\n`);
        shared.push({ kind: 'import', datasetId: await importSharedSample(handlers, store, projectId, name) });
      }
      const spec = BenchmarkSpecSchema.parse({ ...options.spec, datasets: [...options.spec.datasets, ...shared] });
      process.stderr.write('planning (measuring this machine’s training speed)…\n');
      plan = await handlers['benchmarks.plan']({ projectId, spec });
      // With --plan-only the plan is the output, so it goes where the results would.
      const out = options.planOnly ? process.stdout : process.stderr;
      for (const line of planLines(plan)) out.write(`${line}\n`);
      if (options.planOnly) {
        if (options.jsonPath) writeFileAtomically(options.jsonPath, `${JSON.stringify({ workers: options.workers, plan }, null, 2)}\n`);
        return 0;
      }
      benchmarkId = (await handlers['benchmarks.start']({ projectId, spec, actor: ACTOR })).id;
    }
    const started = performance.now();
    const elapsed = () => (performance.now() - started) / 1000;
    const seen = new Map<string, string>();
    let detail: BenchmarkDetail;
    for (;;) {
      detail = await handlers['benchmarks.get']({ benchmarkId });
      const settled = detail.cells.filter((c) => c.status === 'finished' || c.status === 'failed').length;
      for (const cell of detail.cells) {
        const state = `${cell.status}|${String(cell.reused)}`;
        if (seen.get(cell.key) === state || cell.status === 'pending' || cell.status === 'queued') continue;
        seen.set(cell.key, state);
        process.stderr.write(`${progressLine(cell, settled, detail.cells.length, elapsed())}\n`);
      }
      if (detail.benchmark.status !== 'running') break;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const wallSeconds = elapsed();
    process.stdout.write(`\nBenchmark ${benchmarkId} ${detail.benchmark.status}: ${detail.benchmark.counts.finished}/${detail.benchmark.counts.total} cells finished, ${detail.benchmark.counts.failed} failed\n\n`);
    for (const line of scenarioLines(detail.scenarios)) process.stdout.write(`${line}\n`);
    process.stdout.write(`\nWall time: ${wallSeconds.toFixed(1)} s with ${options.workers} worker(s)\n`);
    if (options.jsonPath) {
      writeFileAtomically(options.jsonPath, `${JSON.stringify({ workers: options.workers, wallSeconds, plan, ...detail }, null, 2)}\n`);
      process.stdout.write(`JSON written to ${options.jsonPath}\n`);
    }
    return detail.benchmark.counts.failed > 0 || detail.benchmark.status !== 'finished' ? 1 : 0;
  } catch (error) {
    if (error instanceof BenchmarkUsageError || error instanceof ApiError) {
      process.stderr.write(`benchmark: ${error.message}\n`);
      return error instanceof ApiError && error.code !== 'invalid-input' && error.code !== 'not-found' ? 1 : 2;
    }
    throw error;
  } finally {
    if (!interrupt.stopping) {
      await app.close();
      await executor.close();
    }
  }
}

exitWithResult('benchmark', main(process.argv.slice(2)));
