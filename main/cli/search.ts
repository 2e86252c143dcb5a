import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppEvent } from '../../common/contract';
import type { SearchDetail } from '../../common/contract-benchmark';
import { assembleApp } from '../services/assembly';
import { validatedCaller } from '../services/caller';
import { exitWithResult } from './exit-code';
import { UsageError, parseSearchArgs, searchHelp, type SearchCliOptions } from './search-options';
import { writeFileAtomically } from '../files/atomic-write';
import { trainingExecutor } from './redis-option';

/**
 * `npm run search -- [options]`: a DeCE hyperparameter search (ε × α base) without any window, for the
 * record. It opens (or creates) a data directory, makes a project whose Pilot is passed by override with
 * that reason written down, runs the search through the same services and job queue as the app, and prints
 * the trials, the chosen point and its sensitivity. Exit 0 finished, 1 failed or cancelled, 2 bad input.
 */

const num = (x: number | null, digits = 1): string => (x === null ? '–' : x.toFixed(digits));

/** Plain text for the record: the reference, every trial, the choice and how BLEU and ASR move around it. */
function formatSearch(detail: SearchDetail): string {
  const { search, reference } = detail;
  const spec = search.spec;
  const rows = [
    ['rung', 'epochs', 'ε', 'α base', 'run', 'status', 'BLEU', 'ASR %', 'feasible'],
    ...detail.trials.map((t) => [
      String(t.rung),
      String(t.epochs),
      String(t.labelSmoothing),
      String(t.alphaBase),
      t.runId === null ? '–' : `#${t.runId}`,
      t.status,
      num(t.bleu),
      num(t.asr),
      t.feasible === null ? '–' : t.feasible ? 'yes' : 'no',
    ]),
  ];
  const table = (cells: string[][]): string[] => {
    const widths = cells[0]?.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length))) ?? [];
    return cells.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
  };
  const lines = [
    `Search #${search.id} (${spec.method}, ${spec.size}, ${spec.dataset.kind}, ${spec.attack} at rate ${spec.rate}, seed ${spec.seed}): ${search.status}`,
    `CE reference${reference.runId === null ? '' : ` (run #${reference.runId})`}: validation BLEU ${num(reference.bleu)}, ASR ${num(reference.asr)}%`,
    '',
    ...table(rows),
    '',
    detail.chosen ? `Chosen: ε ${detail.chosen.labelSmoothing}, α base ${detail.chosen.alphaBase}` : 'Chosen: none',
    detail.explanation,
  ];
  if (detail.sensitivity.length > 0) {
    lines.push('', 'Sensitivity (neighbours of the chosen point, minus the chosen point):');
    const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
    lines.push(
      ...table([
        ['parameter', 'value', 'BLEU', 'ASR %', 'ΔBLEU', 'ΔASR'],
        ...detail.sensitivity.map((s) => [s.parameter, String(s.value), num(s.bleu), num(s.asr), signed(s.deltaBleu), signed(s.deltaAsr)]),
      ]),
    );
  }
  return `${lines.join('\n')}\n`;
}

function progress(event: AppEvent): void {
  if (event.type === 'run.status' && event.status !== 'queued') {
    process.stderr.write(`run #${event.runId} ${event.status}${event.error ? `: ${event.error.message}` : ''}\n`);
  } else if (event.type === 'run.progress' && event.event.type === 'epoch') {
    const m = event.event.metrics;
    process.stderr.write(`run #${event.runId} epoch ${m.epoch}: validation BLEU ${m.bleu.toFixed(1)}, ASR ${m.asr.toFixed(1)}% (${m.seconds.toFixed(0)} s)\n`);
  }
}

async function main(): Promise<number> {
  let options: SearchCliOptions | 'help';
  try {
    options = parseSearchArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`search: ${error.message} (see --help)\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(searchHelp());
    return 0;
  }
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'dece-search-'));
  process.stderr.write(`data directory: ${dataDir}\n`);
  const executor = trainingExecutor(options.redisUrl);
  const app = assembleApp({
    dataDir,
    shell: 'browser',
    ...(options.workers === undefined ? {} : { maxConcurrentRuns: options.workers }),
    startJob: executor.startJob,
  });
  const { jobs } = app;
  app.subscribe(progress);
  const call = validatedCaller(app.handlers);
  let searchId: number | null = null;
  // A property, not a local: the signal handler changes it while the loop below awaits.
  const signal = { interrupted: false };
  process.once('SIGINT', () => {
    signal.interrupted = true;
    process.stderr.write('SIGINT: cancelling the search\n');
    if (searchId !== null) void call('searches.cancel', { searchId, actor: 'cli' }).catch(() => undefined);
  });
  try {
    const project = await call('projects.create', { name: `Headless search ${new Date().toISOString()}`, description: 'npm run search' });
    await call('stages.decide', { projectId: project.id, stage: 'pilot', decision: 'override', actor: 'cli', reason: 'Headless hyperparameter search (npm run search): the Benchmark stage is opened for it.' });
    const started = await call('searches.start', { projectId: project.id, spec: options.spec, actor: 'cli' });
    searchId = started.id;
    process.stderr.write(`search #${started.id} started (${jobs.maxConcurrent} worker(s))\n`);
    let detail = await call('searches.get', { searchId: started.id });
    while (detail.search.status === 'running' && !signal.interrupted) {
      await new Promise((resolveWait) => setTimeout(resolveWait, 1000));
      detail = await call('searches.get', { searchId: started.id });
    }
    if (signal.interrupted) {
      await jobs.idle();
      detail = await call('searches.get', { searchId: started.id });
    }
    process.stdout.write(formatSearch(detail));
    if (options.json) {
      writeFileAtomically(options.json, `${JSON.stringify({ dataDir, ...detail }, null, 2)}\n`);
    }
    return detail.search.status === 'finished' ? 0 : 1;
  } finally {
    await app.close();
    await executor.close();
  }
}

exitWithResult('search', main());
