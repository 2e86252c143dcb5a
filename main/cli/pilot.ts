import { writeFileAtomically } from '../files/atomic-write';
import { cpus } from 'node:os';
import { type Message, message, renderMessage } from '../../common/messages';
import { ImportError } from '../data/import';
import { UsageError, parsePilotArgs, pilotHelp } from './pilot-options';
import { epochTable, pilotMarkdown } from '../pilot/pilot-report';
import { type PilotResult, renderVerdict, runPilot } from '../pilot/run-pilot';
import { type StoredPilotTarget, openPilotStore, storePilotResult } from './pilot-store';
import { defaultCliLang } from './lang';
import { createPilotReporter } from './pilot-reporter';
import { trainingExecutor } from './redis-option';

/** `npm run pilot`: the Pilot stage without any window. Exit 0 done, 1 failed, 2 bad input. */

function printTable(result: PilotResult): void {
  const rows = epochTable(result);
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  for (const row of rows) process.stdout.write(`${row.map((cell, c) => cell.padStart(widths[c] ?? 0)).join('  ')}\n`);
}

async function main(argv: string[]): Promise<number> {
  let options;
  try {
    options = parsePilotArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`pilot: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (options === 'help') {
    process.stdout.write(`${pilotHelp()}\n`);
    return 0;
  }
  const lang = options.lang ?? defaultCliLang(process.env);
  // The store is opened (and the project checked) before any training: a wrong folder or id fails at once.
  let target: StoredPilotTarget | null = null;
  if (options.dataDir !== null) {
    try {
      target = openPilotStore(options.dataDir, options.projectId);
    } catch (error) {
      process.stderr.write(`pilot: ${error instanceof Error ? error.message : String(error)}\n`);
      return 2;
    }
  }
  const reporter = createPilotReporter(lang);
  const executor = trainingExecutor(options.redisUrl);
  let result: PilotResult;
  try {
    reporter.line(message(options.quick ? 'pilot.progress.startQuick' : 'pilot.progress.start', { cores: cpus().length }));
    result = await runPilot(options.base, {
      cacheDir: options.cacheDir,
      reporter,
      defenses: options.defenses,
      ...(options.stepBudget !== null ? { stepBudget: options.stepBudget } : {}),
      startJob: executor.startJob,
    });
  } catch (error) {
    reporter.stop();
    await executor.close();
    target?.store.close();
    const text = error instanceof Error ? error.message : String(error);
    // Bad data (unreadable file, nothing poisonable, empty corpus) is the user's input, not a crash.
    const isInputProblem = error instanceof ImportError || /^data:|poison/i.test(text);
    process.stderr.write(`pilot: ${text}\n`);
    return isInputProblem ? 2 : 1;
  }
  reporter.stop();
  await executor.close();
  process.stdout.write('\n');
  printTable(result);
  const verdict = renderVerdict(result.verdict, lang);
  process.stdout.write(`\n${lang === 'ja' ? '判定' : 'Verdict'}: ${verdict.summary}\n`);
  for (const lever of verdict.levers) process.stdout.write(`  - ${lever}\n`);
  const command = ['npm run pilot --', ...argv].join(' ');
  writeFileAtomically(options.reportPath, pilotMarkdown(result, command));
  const say = (m: Message) => process.stdout.write(`${renderMessage(m, lang)}\n`);
  say(message('pilot.progress.reportWritten', { path: options.reportPath }));
  if (options.jsonPath) {
    const json = {
      backend: result.backend,
      config: result.config,
      data: result.data,
      pretrain: result.pretrain,
      runs: result.runs.map((r) => ({ loss: r.loss, seconds: r.seconds, epochs: r.epochs })),
      verdict: result.verdict,
      defenses: result.defenses,
      seconds: result.seconds,
    };
    writeFileAtomically(options.jsonPath, `${JSON.stringify(json, null, 2)}\n`);
    say(message('pilot.progress.jsonWritten', { path: options.jsonPath }));
  }
  if (target) say(storePilotResult(target, result));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`pilot: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
