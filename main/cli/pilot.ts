import { writeFileAtomically } from '../files/atomic-write';
import { cpus } from 'node:os';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { LOSS_LABELS } from '../../common/run-config';
import type { TrainingEvent } from '../../common/training-events';
import { ImportError } from '../data/import';
import { UsageError, parsePilotArgs, pilotHelp } from './pilot-options';
import { epochTable, pilotMarkdown } from '../pilot/pilot-report';
import { type PilotReporter, type PilotResult, renderVerdict, runPilot } from '../pilot/run-pilot';
import { defaultCliLang } from './lang';

/** `npm run pilot`: the Pilot stage without any window. Exit 0 done, 1 failed, 2 bad input. */

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function createReporter(): PilotReporter & { stop(): void } {
  const interactive = process.stderr.isTTY;
  const multibar = interactive
    ? new MultiBar(
        { format: '{label} |{bar}| epoch {epoch}/{epochs} step {step}/{steps} loss {loss} {tps} tok/s ETA {eta}', hideCursor: true, clearOnComplete: false, stream: process.stderr },
        Presets.shades_classic,
      )
    : null;
  const bars = new Map<string, SingleBar>();
  const lastPrinted = new Map<string, number>();
  const log = (line: string) => {
    if (multibar) multibar.log(`${line}\n`);
    else process.stderr.write(`${line}\n`);
  };
  const label = (run: string) =>
    run === 'pretrain' ? 'pre-training' : run === 'spectral' ? 'spectral+CE' : run === 'onion' ? 'ONION' : LOSS_LABELS[run as keyof typeof LOSS_LABELS];
  return {
    phase: (message) => {
      log(`» ${message}`);
    },
    backend: (details) => {
      log(details);
    },
    event: (run, event: TrainingEvent) => {
      if (event.type === 'epoch') {
        const m = event.metrics;
        const valid = m.validation ? `  valid BLEU-4 ${m.validation.bleu.toFixed(2)} ASR ${m.validation.asr.toFixed(1)}%` : '';
        const triggered = m.triggered === undefined ? '' : ` of ${m.triggered}`;
        log(`${label(run).padEnd(14)} epoch ${String(m.epoch).padStart(2)}  BLEU-4 ${m.bleu.toFixed(2).padStart(6)}  EM ${m.exactMatch.toFixed(1).padStart(5)}%  ASR ${m.asr.toFixed(1).padStart(5)}%${triggered}${valid}  loss ${m.trainLoss.toFixed(4)}  ${m.seconds.toFixed(0)}s`);
        if (m.stop) log(`${label(run).padEnd(14)} stopped after epoch ${m.epoch}: ${m.stop.detail}`);
        return;
      }
      if (event.type !== 'step') return;
      const total = event.epochs * event.stepsPerEpoch;
      const done = (event.epoch - 1) * event.stepsPerEpoch + event.step;
      const payload = {
        label: label(run).padEnd(14),
        epoch: event.epoch,
        epochs: event.epochs,
        step: event.step,
        steps: event.stepsPerEpoch,
        loss: event.loss.toFixed(3),
        tps: Math.round(event.tokensPerSecond),
        eta: formatEta(event.etaSeconds),
      };
      if (multibar) {
        let bar = bars.get(run);
        if (!bar) {
          bar = multibar.create(total, 0, payload);
          bars.set(run, bar);
        }
        bar.setTotal(total);
        bar.update(done, payload);
      } else {
        // Without a terminal, a line every ~10% keeps CI logs readable.
        const tenth = Math.floor((done / total) * 10);
        if (lastPrinted.get(run) !== tenth) {
          lastPrinted.set(run, tenth);
          log(`${payload.label} ${Math.round((done / total) * 100)}%  epoch ${event.epoch}/${event.epochs} step ${event.step}/${event.stepsPerEpoch}  loss ${payload.loss}  ${payload.tps} tok/s  ETA ${payload.eta}`);
        }
      }
    },
    stop: () => {
      multibar?.stop();
    },
  };
}

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
  const reporter = createReporter();
  let result: PilotResult;
  try {
    process.stderr.write(`DeCE Pilot${options.quick ? ' (quick)' : ''} on ${cpus().length} cores\n`);
    result = await runPilot(options.base, {
      cacheDir: options.cacheDir,
      reporter,
      defenses: options.defenses,
      ...(options.stepBudget !== null ? { stepBudget: options.stepBudget } : {}),
    });
  } catch (error) {
    reporter.stop();
    const message = error instanceof Error ? error.message : String(error);
    // Bad data (unreadable file, nothing poisonable, empty corpus) is the user's input, not a crash.
    const isInputProblem = error instanceof ImportError || /^data:|poison/i.test(message);
    process.stderr.write(`pilot: ${message}\n`);
    return isInputProblem ? 2 : 1;
  }
  reporter.stop();
  process.stdout.write('\n');
  printTable(result);
  const lang = options.lang ?? defaultCliLang(process.env);
  const verdict = renderVerdict(result.verdict, lang);
  process.stdout.write(`\n${lang === 'ja' ? '判定' : 'Verdict'}: ${verdict.summary}\n`);
  for (const lever of verdict.levers) process.stdout.write(`  - ${lever}\n`);
  const command = ['npm run pilot --', ...argv].join(' ');
  writeFileAtomically(options.reportPath, pilotMarkdown(result, command));
  process.stdout.write(`Report written to ${options.reportPath}\n`);
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
    process.stdout.write(`JSON written to ${options.jsonPath}\n`);
  }
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
