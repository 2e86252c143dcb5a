import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Handlers } from '../../common/contract';
import { PILOT_SAMPLES, writeRealDataSample, type RealDatasetName } from '../data/real-datasets';
import type { Store } from '../store/index';

/**
 * `--datasets shared:<name>`: the Pilot's sample of a dataset in ../shared/datasets (training, clean pre-training,
 * validation and test files) imported into a project through the same Datasets import as the app's, once per
 * data folder: later matrices find it by name and reuse it, so their runs are reused too.
 */
export async function importSharedSample(handlers: Handlers, store: Store, projectId: number, name: RealDatasetName): Promise<number> {
  const sizes = PILOT_SAMPLES[name];
  const label = `shared:${name} sample (${sizes.train} training, ${sizes.pretrain > 0 ? `${sizes.pretrain} clean pre-training pairs` : 'pre-training carved from training'}, seed 1)`;
  const existing = store.datasets.list({ projectId }).find((d) => d.name === label && d.sourcePath !== null && existsSync(d.sourcePath));
  if (existing) return existing.id;
  const dir = mkdtempSync(join(tmpdir(), 'dece-shared-sample-'));
  try {
    const files = await writeRealDataSample(name, dir, sizes);
    const upload = (file: string) => ({ fileName: basename(file), text: readFileSync(file, 'utf8') });
    const dataset = await handlers['datasets.import']({
      projectId,
      name: label,
      train: upload(files.train),
      test: upload(files.test),
      valid: upload(files.valid),
      ...(files.pretrain ? { pretrain: upload(files.pretrain) } : {}),
    });
    return dataset.id;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
