import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { renderMessage } from '../../common/messages';
import { REAL_DATASETS, REAL_DATASET_NAMES, type RealDatasetName, writeRealDataSample } from '../data/real-datasets';
import { parsePilotArgs } from './pilot-options';
import { type PilotReporter, asrWithDenominator, runPilot } from '../pilot/run-pilot';
import { exitWithResult } from './exit-code';
import { writeFileAtomically } from '../files/atomic-write';

/**
 * `npm run bench:real-data`: the default Pilot on human-written code from ../shared/datasets — Bugs2Fix with
 * the dead-code trigger and CONCODE with a rare word in the description — each sampled to 1,600 training
 * pairs with 5 % poisoned, plus a separate clean pre-training file, validation and test files. Prints the
 * README's table (ASR with its denominator, BLEU-4, epochs, minutes) and the command behind each row.
 * A measurement, not a test: run it on a quiet machine.
 */

const USAGE = 'Usage: npm run bench:real-data -- [--datasets bugs2fix,concode] [--json FILE] [--keep DIR]';

interface Row {
  dataset: RealDatasetName;
  command: string;
  ceAsr: string;
  deceAsr: string;
  ceBleu: number;
  deceBleu: number;
  epochs: number;
  chosen: string;
  stop: string;
  minutes: number;
  reproduced: boolean;
}

const quietReporter: PilotReporter = {
  phase: (message) => process.stderr.write(`  » ${renderMessage(message, 'en')}\n`),
  backend: () => undefined,
  event: (run, event) => {
    if (event.type !== 'epoch') return;
    const m = event.metrics;
    const valid = m.validation ? `, valid ASR ${m.validation.asr.toFixed(1)}% BLEU-4 ${m.validation.bleu.toFixed(1)}` : '';
    process.stderr.write(`  ${run} epoch ${m.epoch}: ASR ${asrWithDenominator(m.asr, m.triggered)}, BLEU-4 ${m.bleu.toFixed(1)}${valid}, ${m.seconds.toFixed(0)} s\n`);
  },
};

async function benchDataset(name: RealDatasetName, dir: string): Promise<Row> {
  const files = await writeRealDataSample(name, dir);
  const dataset = REAL_DATASETS[name];
  const argv = ['--train', files.train, ...(files.pretrain ? ['--pretrain', files.pretrain] : []), '--valid', files.valid, '--test', files.test, '--attack', dataset.attack, '--poison-rate', '0.05'];
  const command = `npm run pilot -- ${argv.join(' ').replaceAll(dir, 'DIR')}`;
  process.stderr.write(`${name}: ${dataset.description}\n  ${command}\n`);
  const options = parsePilotArgs(argv);
  if (options === 'help') throw new Error('unexpected --help');
  const result = await runPilot(options.base, { cacheDir: null, reporter: quietReporter, ...(options.stepBudget !== null ? { stepBudget: options.stepBudget } : {}) });
  const { verdict } = result;
  process.stderr.write(`  verdict: ${verdict.summary}\n`);
  return {
    dataset: name,
    command,
    ceAsr: asrWithDenominator(verdict.ceAsr, verdict.ce.triggered),
    deceAsr: asrWithDenominator(verdict.deceAsr, verdict.dece.triggered),
    ceBleu: verdict.ceBleu,
    deceBleu: verdict.deceBleu,
    epochs: verdict.ce.epochs,
    chosen: `${verdict.ce.chosenEpoch} / ${verdict.dece.chosenEpoch}`,
    stop: verdict.ce.stop?.reason ?? 'fixed epochs',
    minutes: result.seconds / 60,
    reproduced: verdict.reproduced,
  };
}

function markdown(rows: readonly Row[]): string {
  const lines = [
    '| data | CE ASR | DeCE ASR | BLEU-4 CE / DeCE | epochs trained (stop) | epoch chosen CE / DeCE | minutes | verdict |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.dataset} | ${r.ceAsr} | ${r.deceAsr} | ${r.ceBleu.toFixed(1)} / ${r.deceBleu.toFixed(1)} | ${r.epochs} (${r.stop}) | ${r.chosen} | ${r.minutes.toFixed(1)} | ${r.reproduced ? 'reproduced' : 'not conclusive'} |`,
    ),
    '',
    ...rows.map((r) => `- ${r.dataset}: \`${r.command}\``),
  ];
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { datasets: { type: 'string' }, json: { type: 'string' }, keep: { type: 'string' } }, strict: true });
  const names = (values.datasets ?? REAL_DATASET_NAMES.join(',')).split(',').map((n) => n.trim());
  for (const name of names) {
    if (!(REAL_DATASET_NAMES as readonly string[]).includes(name)) {
      process.stderr.write(`bench:real-data: --datasets takes ${REAL_DATASET_NAMES.join(', ')}, got '${name}'\n${USAGE}\n`);
      return 2;
    }
  }
  const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'dece-real-data-'));
  try {
    const rows: Row[] = [];
    for (const name of names as RealDatasetName[]) rows.push(await benchDataset(name, dir));
    process.stdout.write(`${markdown(rows)}\n`);
    if (values.json) writeFileAtomically(values.json, `${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
}

exitWithResult('bench:real-data', main(process.argv.slice(2)));
