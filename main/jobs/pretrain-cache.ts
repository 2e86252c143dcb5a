import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LossKind, RunConfig } from '../../common/run-config';
import { ENGINE_VERSION } from '../engine/version';

/** The same run configuration with another loss (pre-training is always cross-entropy). */
export function configForLoss(base: RunConfig, loss: LossKind): RunConfig {
  return { ...base, loss: { ...base.loss, kind: loss } };
}

/**
 * Pre-trained weights are shared by every run with the same data, model and pre-training settings. How many
 * prompts are decoded per epoch, and on which split, does not change them, so it is left out of the key.
 */
export function pretrainKey(config: RunConfig): string {
  const data: Partial<RunConfig['data']> = { ...config.data };
  delete data.evalLimit;
  delete data.evaluateOn;
  const relevant = {
    engine: ENGINE_VERSION,
    seed: config.seed,
    data,
    model: config.model,
    pretrainEpochs: config.training.pretrainEpochs,
    ...(config.training.pretrainMinSteps !== undefined ? { pretrainMinSteps: config.training.pretrainMinSteps } : {}),
    lr: config.training.pretrainLearningRate,
    batch: config.training.batchSize,
    wd: config.training.weightDecay,
    clip: config.training.clipNorm,
    format: 2,
  };
  return createHash('sha256').update(JSON.stringify(relevant)).digest('hex').slice(0, 16);
}

/** Where the shared pre-trained weights of a configuration live in a cache folder. */
export function pretrainCacheFile(cacheDir: string, config: RunConfig): string {
  return join(cacheDir, `pretrain-${pretrainKey(config)}.ckpt`);
}

/**
 * Pre-trained weights shipped with the app (resources/pretrained, built by `npm run build:pretrained`) for the
 * Pilot's own defaults, so that the quick look starts fine-tuning at once. Null when none matches the config.
 */
export const SHIPPED_PRETRAINED_DIR = fileURLToPath(new URL('../../resources/pretrained', import.meta.url));

export function shippedPretrainFile(config: RunConfig): string | null {
  const file = pretrainCacheFile(SHIPPED_PRETRAINED_DIR, config);
  return existsSync(file) ? file : null;
}
