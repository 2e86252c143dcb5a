import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EpochMetricsSchema } from '../../common/run-config';
import { PILOT_CLAIM } from '../../main/domain/pilot-claim';
import { writeRealDataSample } from '../../main/data/real-datasets';
import { runCli, testDir } from '../cli/run-cli';

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
