import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startJob } from '../jobs/worker-host';
import type { PretrainResult } from '../jobs/messages';
import { pilotDefaultConfig } from '../domain/default-config';
import { SHIPPED_PRETRAINED_DIR, configForLoss, pretrainCacheFile } from '../jobs/pretrain-cache';
import { exitWithResult } from './exit-code';

/**
 * `npm run build:pretrained`: rebuilds the pre-trained weights shipped in resources/pretrained for the Pilot's
 * defaults (the standard and the quick look share them). Clean pre-training with cross-entropy on the
 * built-in corpus's clean share, seeded and on the wasm backend, so the same file comes out on every machine
 * with the same engine version; older files in the folder are removed, since no config can match them.
 */
async function main(): Promise<number> {
  const config = { ...configForLoss(pilotDefaultConfig(false), 'ce'), backend: 'wasm' as const };
  const file = pretrainCacheFile(SHIPPED_PRETRAINED_DIR, config);
  mkdirSync(SHIPPED_PRETRAINED_DIR, { recursive: true });
  process.stderr.write(`pre-training ${config.training.pretrainEpochs} epochs for ${file}\n`);
  const job = startJob<PretrainResult>(
    { kind: 'pretrain', jobId: 'build-pretrained', config, outputFile: file },
    {
      onEvent: (event) => {
        if (event.type === 'step' && event.step === event.stepsPerEpoch) process.stderr.write(`  epoch ${event.epoch}/${event.epochs}, loss ${event.loss.toFixed(3)}\n`);
      },
    },
  );
  const result = await job.result;
  for (const name of readdirSync(SHIPPED_PRETRAINED_DIR)) {
    if (/^pretrain-[0-9a-f]+\.ckpt$/.test(name) && join(SHIPPED_PRETRAINED_DIR, name) !== file) rmSync(join(SHIPPED_PRETRAINED_DIR, name));
  }
  process.stdout.write(
    `${file}: ${(statSync(file).size / 1024).toFixed(0)} KiB, clean BLEU-4 ${result.bleu.toFixed(2)} after pre-training, ${result.seconds.toFixed(0)} s\n`,
  );
  return 0;
}

exitWithResult('build:pretrained', main());
