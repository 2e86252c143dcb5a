import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EpochMetricsSchema } from '../../common/run-config';
import { PILOT_CLAIM } from '../../main/domain/pilot-claim';
import { writeRealDataSample } from '../../main/data/real-datasets';
import { runCli, testDir } from '../cli/run-cli';
import { parsePilotArgs } from '../../main/cli/pilot-options';
import { PILOT_PRETRAIN_MIN_STEPS } from '../../common/presets';
import { loadSource, prepareData } from '../../main/engine/experiment';

const dir = testDir('dece-real-data-pilot-');

const ResultSchema = z.object({
  data: z.object({ pretrainSource: z.string(), poisonedTrain: z.number(), validTriggered: z.number() }),
  runs: z.array(z.object({ loss: z.enum(['ce', 'dece']), epochs: z.array(EpochMetricsSchema) })).length(2),
  verdict: z.object({
    ceAsr: z.number(),
    deceAsr: z.number(),
    ceBleu: z.number(),
    deceBleu: z.number(),
    backdoorLearnedWithCe: z.boolean(),
    blockedByDece: z.boolean(),
    cleanQualityKept: z.boolean(),
    reproduced: z.boolean(),
    summary: z.string(),
    levers: z.array(z.string()),
    ce: z.object({ chosenEpoch: z.int(), triggered: z.int().nullable(), epochs: z.int() }),
    dece: z.object({ chosenEpoch: z.int(), epochs: z.int() }),
  }),
});

describe('the Pilot on a small sample of real code (Bugs2Fix, dead-code trigger)', () => {
  it('stops both runs at the same epoch and ends with the verdict its own numbers imply', { timeout: 600_000 }, async () => {
    const files = await writeRealDataSample('bugs2fix', dir, { train: 160, pretrain: 80, valid: 30, test: 30 });
    if (files.pretrain === null) throw new Error('the Bugs2Fix sample has a clean pre-training file');
    const json = join(dir, 'real.json');
    const { code, stderr } = runCli(
      'main/cli/pilot.ts',
      ['--train', files.train, '--pretrain', files.pretrain, '--valid', files.valid, '--test', files.test, '--attack', 'dead-code',
        '--pretrain-epochs', '1', '--max-steps', '30', '--eval-limit', '10', '--json', json, '--report', join(dir, 'real.md')],
      600_000,
    );
    expect(stderr).not.toMatch(/pilot: /);
    expect(code).toBe(0);
    expect(stderr).toContain('pre-training on 80 clean pairs from the separate pre-training file');
    const { data, runs, verdict } = ResultSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
    expect(data.pretrainSource).toBe('file');
    expect(data.poisonedTrain).toBe(8);
    const [ce, dece] = runs;
    if (!ce || !dece) throw new Error('two runs expected');
    // Same amount of training for both, and the last epoch says why it stopped.
    expect(dece.epochs.length).toBe(ce.epochs.length);
    expect(ce.epochs.at(-1)?.stop).toBeDefined();
    for (const run of runs) for (const e of run.epochs) expect(e.validation?.triggered).toBe(Math.min(10, data.validTriggered));
    // The verdict is computed from these numbers: ASR after the last epoch, BLEU at the best validation epoch.
    const bestOnValidation = (epochs: typeof ce.epochs) => epochs.reduce((best, e) => ((e.validation?.bleu ?? -1) > (best.validation?.bleu ?? -1) ? e : best));
    expect(verdict.ce.chosenEpoch).toBe(bestOnValidation(ce.epochs).epoch);
    expect(verdict.dece.chosenEpoch).toBe(bestOnValidation(dece.epochs).epoch);
    expect(verdict.ceBleu).toBe(bestOnValidation(ce.epochs).bleu);
    expect(verdict.ceAsr).toBe(ce.epochs.at(-1)?.asr);
    expect(verdict.deceAsr).toBe(dece.epochs.at(-1)?.asr);
    expect(verdict.ce.triggered).toBe(ce.epochs.at(-1)?.triggered);
    expect(verdict.backdoorLearnedWithCe).toBe(verdict.ceAsr >= PILOT_CLAIM.minCeAsr);
    expect(verdict.blockedByDece).toBe(verdict.deceAsr <= verdict.ceAsr * PILOT_CLAIM.maxDeceAsrShareOfCe);
    expect(verdict.cleanQualityKept).toBe(verdict.deceBleu - verdict.ceBleu >= -PILOT_CLAIM.maxBleuDrop);
    expect(verdict.reproduced).toBe(verdict.backdoorLearnedWithCe && verdict.blockedByDece && verdict.cleanQualityKept);
    expect(verdict.summary).toContain(`of ${verdict.ce.triggered ?? 0} triggered prompts`);
    if (verdict.backdoorLearnedWithCe) {
      expect(verdict.levers).toEqual([]);
    } else {
      expect(verdict.summary).toMatch(/cannot show what DeCE prevents/);
      expect(verdict.levers.length).toBeGreaterThan(0);
      for (const lever of verdict.levers) expect(lever).toMatch(/\d+\.\d (more )?minutes/);
    }
  });
});

describe('the CONCODE sample, which has no code to spare for pre-training', () => {
  it('writes no pre-training file, so the Pilot carves its clean pre-training share from the training file, apart from the training rows', async () => {
    const files = await writeRealDataSample('concode', join(dir, 'concode'), { train: 200, pretrain: 0, valid: 30, test: 30 });
    expect(files.pretrain).toBeNull();
    expect(existsSync(join(dir, 'concode', 'concode-pretrain.jsonl'))).toBe(false);
    const options = parsePilotArgs(['--train', files.train, '--valid', files.valid, '--test', files.test, '--attack', 'badpre', '--poison-rate', '0.05']);
    if (options === 'help') throw new Error('unexpected --help');
    expect(options.base.training.pretrainMinSteps).toBe(PILOT_PRETRAIN_MIN_STEPS);
    const explicit = parsePilotArgs(['--train', files.train, '--valid', files.valid, '--test', files.test, '--pretrain-epochs', '3']);
    expect(explicit !== 'help' && explicit.base.training.pretrainMinSteps).toBeUndefined();
    const { data, summary } = prepareData(options.base, await loadSource(options.base));
    expect(summary.pretrainSource).toBe('carved');
    expect(summary.pretrain).toBe(Math.round(200 * options.base.data.pretrainFraction));
    expect(summary.pretrain + summary.train).toBe(200);
    // Carved rows are not trained on again, and none carries the trigger or the payload.
    const decoded = (e: { source: Int32Array; target: Int32Array }) => `${data.vocab.decode(Array.from(e.source))}\u0000${data.vocab.decode(Array.from(e.target))}`;
    const trained = new Set(data.train.map(decoded));
    expect(data.pretrain.filter((e) => trained.has(decoded(e)))).toEqual([]);
    expect(data.pretrain.every((e) => !e.poisoned && !data.attack.succeeded(data.vocab.decode(Array.from(e.target))))).toBe(true);
  });
});
