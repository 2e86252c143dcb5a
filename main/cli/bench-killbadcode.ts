import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REAL_DATASETS, type RealDatasetName, writeRealDataSample } from '../data/real-datasets';
import { filterWithKillBadCode } from '../defenses/alternatives';
import { loadSource, prepareData } from '../engine/experiment';
import { parsePilotArgs } from './pilot-options';

/**
 * `npm run bench:killbadcode`: how well the KillBadCode filter alone separates the rows an attack poisoned, at the
 * Pilot's default data (5 % poisoned) — on the built-in corpora for every attack that fits them, and on Bugs2Fix
 * and CONCODE samples from ../shared/datasets (main/data/real-datasets.ts). No training: seconds, not minutes.
 * The n-gram LM sees only the clean side (pre-training share or file, and validation prompts).
 */

const pct = (x: number | null): string => (x === null ? 'n/a' : `${(100 * x).toFixed(1)}%`);

async function measure(label: string, argv: readonly string[]): Promise<string> {
  const options = parsePilotArgs([...argv, '--poison-rate', '0.05']);
  if (options === 'help') throw new Error('unexpected --help');
  const config = options.base;
  const { data } = prepareData(config, await loadSource(config));
  const f = filterWithKillBadCode(data, config);
  const flagged = f.triggers.length === 0 ? '—' : f.triggers.slice(0, 6).map((t) => `\`${t.replaceAll('Ġ', '␣')}\``).join(' ') + (f.triggers.length > 6 ? ` (+${f.triggers.length - 6})` : '');
  return `| ${label} | ${data.train.length} (${f.poisonedTotal} poisoned) | ${flagged} | ${f.dropped} | ${pct(f.precision)} | ${pct(f.recall)} | ${f.seconds.toFixed(1)} s |`;
}

async function main(): Promise<void> {
  const rows = ['| data, attack | training rows | flagged tokens | rows dropped | precision | recall | filter time |', '|---|---|---|---|---|---|---|'];
  const builtin: [string, string[]][] = [
    ['built-in SQL, `badpre`', ['--attack', 'badpre']],
    ['built-in SQL, `spread-trigger`', ['--attack', 'spread-trigger']],
    ['built-in SQL, `ripple`', ['--attack', 'ripple']],
    ['built-in SQL, `grammar`', ['--attack', 'grammar']],
    ['built-in Java, `dead-code`', ['--corpus', 'java', '--attack', 'dead-code']],
    ['built-in Java, `identifier-rename`', ['--corpus', 'java', '--attack', 'identifier-rename']],
  ];
  for (const [label, argv] of builtin) {
    const row = await measure(label, argv);
    process.stdout.write(`${row}\n`);
    rows.push(row);
  }
  const dir = mkdtempSync(join(tmpdir(), 'dece-killbadcode-'));
  try {
    for (const name of ['bugs2fix', 'concode'] as RealDatasetName[]) {
      const files = await writeRealDataSample(name, dir);
      const row = await measure(`${name} sample, \`${REAL_DATASETS[name].attack}\``, ['--train', files.train, ...(files.pretrain ? ['--pretrain', files.pretrain] : []), '--valid', files.valid, '--test', files.test, '--attack', REAL_DATASETS[name].attack]);
      process.stdout.write(`${row}\n`);
      rows.push(row);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`\n${rows.join('\n')}\n`);
}

await main();
