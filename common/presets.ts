import { LOSS_PARAMETERS, PILOT_LOSS_PARAMETERS } from './catalog';
import type { LossKind, RunConfig, StoppingConfig } from './run-config';

/**
 * Run presets, defined once for the headless Pilot and the launch dialog. 'standard' is the embedded default
 * chosen by the experiment in the README, 'quick' its smaller first look, and 'tiny' a smoke-test size that
 * finishes in a minute or two and shows whether the pipeline works, not whether DeCE does.
 */
export const SIZE_PRESETS = ['tiny', 'quick', 'standard'] as const;
export type SizePreset = (typeof SIZE_PRESETS)[number];

/** Per-loss hyperparameter defaults of the Pilot, and which each loss reads: the catalog's. */
export { LOSS_PARAMETERS, PILOT_LOSS_PARAMETERS };

/**
 * The Pilot's stopping rule (main/engine/stopping.ts): CE trains until its validation ASR has clearly risen
 * (≥ 50 %, the claim) and stopped rising, or until nothing improves any more — validation flat and the training
 * loss falling less than 5 % over the patience window (while it still falls, the model is memorising, which is
 * when a backdoor is learned) — within a 20-minute budget on 2 cores for the whole experiment; DeCE stops at
 * the same epoch.
 */
export const PILOT_STOPPING: StoppingConfig = {
  minEpochs: 3,
  patience: 2,
  minAsrGain: 5,
  minBleuGain: 0.5,
  claimAsr: 50,
  minTrainLossDrop: 0.05,
  budgetSeconds: 20 * 60,
};

/** Optimizer steps that bound the Pilot's fine-tuning, turned into epochs once the training set's size is known. */
export const PILOT_STEP_BUDGET: Record<SizePreset, number> = { tiny: 40, quick: 1500, standard: 3000 };

/**
 * Optimizer steps that clean pre-training runs at least, turned into epochs once the pre-training set's size is
 * known: a small clean share (CONCODE's, carved from 1,600 pairs: 45 steps an epoch) is passed over more times,
 * so both runs start from a model that knows the task, as the paper's pre-trained models do. The built-in
 * corpus's and Bugs2Fix's 6 epochs are already at least this many steps.
 */
export const PILOT_PRETRAIN_MIN_STEPS = 600;

/** Time budget of a whole Pilot experiment per size, in minutes (2 cores). */
export const PILOT_BUDGET_MINUTES: Record<SizePreset, number> = { tiny: 5, quick: 3, standard: 20 };

/**
 * A Pilot run of this size: the preset with the stopping rule and its time budget, and pre-training of at least
 * PILOT_PRETRAIN_MIN_STEPS steps. `training.epochs` is only the bound until the Pilot knows the data and sizes it
 * from PILOT_STEP_BUDGET. The tiny smoke-test size keeps a fixed epoch count.
 */
export function pilotPresetConfig(size: SizePreset, loss: LossKind = 'dece'): RunConfig {
  if (size === 'tiny') return presetConfig(size, loss);
  // The quick look is the standard experiment with fewer prompts decoded per epoch and a 3-minute budget: it
  // starts from the pre-trained weights shipped for the standard data (resources/pretrained), so the whole
  // budget goes to fine-tuning, where cross-entropy learns the trigger.
  const config = presetConfig('standard', loss);
  const stopping: StoppingConfig = { ...PILOT_STOPPING, budgetSeconds: PILOT_BUDGET_MINUTES[size] * 60 };
  return {
    ...config,
    data: { ...config.data, evalLimit: size === 'quick' ? 100 : config.data.evalLimit },
    training: { ...config.training, epochs: 30, stopping, pretrainMinSteps: PILOT_PRETRAIN_MIN_STEPS },
  };
}

export function presetConfig(size: SizePreset, loss: LossKind = 'dece'): RunConfig {
  const full = size === 'standard';
  const base: RunConfig = {
    seed: 7,
    backend: 'auto',
    data: {
      corpus: { kind: 'builtin-sql', size: full ? 4000 : 2000 },
      attack: { kind: 'badpre' },
      poisonRate: 0.05,
      testFraction: 0.1,
      validFraction: 0.05,
      pretrainFraction: 0.45,
      evalLimit: full ? 200 : 100,
    },
    model: {
      dModel: 64,
      heads: 4,
      encoderLayers: 2,
      decoderLayers: 2,
      ffSize: 256,
      dropout: 0,
      maxSourceLength: 64,
      maxTargetLength: 100,
      tiedEmbeddings: true,
    },
    training: {
      epochs: full ? 8 : 4,
      pretrainEpochs: full ? 6 : 4,
      batchSize: 16,
      learningRate: 2e-3,
      pretrainLearningRate: 5e-3,
      weightDecay: 0.01,
      warmupFraction: 0.05,
      clipNorm: 1,
    },
    loss: { kind: loss, ...PILOT_LOSS_PARAMETERS },
  };
  if (size !== 'tiny') return base;
  return {
    ...base,
    data: { ...base.data, corpus: { kind: 'builtin-sql', size: 300 }, evalLimit: 20 },
    model: { ...base.model, dModel: 32, heads: 4, encoderLayers: 1, decoderLayers: 1, ffSize: 64 },
    training: { ...base.training, epochs: 2, pretrainEpochs: 0, batchSize: 16 },
  };
}

