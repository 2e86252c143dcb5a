import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PILOT_BUDGET_MINUTES, PILOT_PRETRAIN_MIN_STEPS, PILOT_STEP_BUDGET } from '../../common/presets';
import { pretrainEpochsForMinSteps } from '../../main/engine/stopping';
import { selectBackend } from '../../main/engine/backend';
import { assignWeights, readCheckpoint } from '../../main/engine/checkpoint';
import { builtinSplits, prepareData } from '../../main/engine/experiment';
import { buildSeq2SeqModel } from '../../main/engine/model';
import { parsePilotArgs } from '../../main/cli/pilot-options';
import { pilotDefaultConfig } from '../../main/domain/default-config';
import { shippedPretrainFile } from '../../main/jobs/pretrain-cache';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('the quick look (npm run pilot -- --quick)', () => {
  it('is the configuration the README documents', () => {
    const options = parsePilotArgs(['--quick']);
    if (options === 'help') throw new Error('unexpected help');
    const quick = options.base;
    const standard = pilotDefaultConfig(false);
    // The standard experiment, fewer prompts decoded, its own budgets.
    expect({ ...quick, data: { ...quick.data, evalLimit: 0 }, training: { ...quick.training, stopping: null } }).toEqual({
      ...standard,
      data: { ...standard.data, evalLimit: 0 },
      training: { ...standard.training, stopping: null },
    });
    expect(quick.data.evalLimit).toBe(100);
    expect(quick.training.stopping?.budgetSeconds).toBe(PILOT_BUDGET_MINUTES.quick * 60);
    expect(options.stepBudget).toBe(PILOT_STEP_BUDGET.quick);
    expect(readme).toContain(`\`npm run pilot -- --quick\``);
    expect(readme).toContain(`${PILOT_BUDGET_MINUTES.quick}-minute budget`);
    expect(readme).toContain(`${PILOT_STEP_BUDGET.quick} optimizer steps`);
    expect(readme).toContain(`${quick.data.evalLimit} clean and ${quick.data.evalLimit} triggered test prompts`);
  });

  it('starts from the pre-trained weights shipped in resources/, which fit its model and vocabulary', async () => {
    const config = pilotDefaultConfig(true);
    const file = shippedPretrainFile(config);
    expect(file, 'run npm run build:pretrained after a change to the data, the model or the engine version').not.toBeNull();
    expect(shippedPretrainFile(pilotDefaultConfig(false))).toBe(file);
    await selectBackend('wasm');
    const { data, summary } = prepareData(config, builtinSplits(config));
    // The pre-training floor in optimizer steps leaves the built-in corpus's epochs as they are, so the shipped
    // weights (which match the configuration exactly) still apply.
    const options = parsePilotArgs([]);
    if (options === 'help') throw new Error('unexpected help');
    expect(options.base.training.pretrainMinSteps).toBe(PILOT_PRETRAIN_MIN_STEPS);
    expect(pretrainEpochsForMinSteps(config.training.pretrainEpochs, PILOT_PRETRAIN_MIN_STEPS, summary.pretrain, config.training.batchSize)).toBe(config.training.pretrainEpochs);
    const model = buildSeq2SeqModel(config.model, data.vocab.size, config.seed);
    try {
      expect(() => {
        assignWeights(model.variables, readCheckpoint(file ?? ''));
      }).not.toThrow();
    } finally {
      model.dispose();
    }
  });
});
