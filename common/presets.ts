import type { LossConfig, LossKind, RunConfig } from './run-config';

/**
 * Run presets, defined once for the headless Pilot and the launch dialog. 'standard' is the embedded default
 * chosen by the experiment in the README, 'quick' its smaller first look, and 'tiny' a smoke-test size that
 * finishes in a minute or two and shows whether the pipeline works, not whether DeCE does.
 */
export const SIZE_PRESETS = ['tiny', 'quick', 'standard'] as const;
export type SizePreset = (typeof SIZE_PRESETS)[number];

/** Per-loss hyperparameter defaults of the Pilot (the reference's, but α base 0.9 for a small fine-tuned model). */
export const PILOT_LOSS_PARAMETERS: Omit<LossConfig, 'kind'> = {
  labelSmoothing: 0.05,
  alphaBase: 0.9,
  gceQ: 0.7,
  intrustA: 1,
  intrustB: 0.8,
  intrustDelta: 0.5,
};

/** Which hyperparameters each loss actually reads. */
export const LOSS_PARAMETERS: Record<LossKind, readonly (keyof Omit<LossConfig, 'kind'>)[]> = {
  ce: [],
  dece: ['labelSmoothing', 'alphaBase'],
  ls: ['labelSmoothing'],
  gce: ['gceQ'],
  intrust: ['intrustA', 'intrustB', 'intrustDelta'],
};

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

