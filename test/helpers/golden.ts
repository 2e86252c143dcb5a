import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { sharedDir } from '../../main/data/real-datasets';
import { z } from 'zod';

/**
 * DeCE and CE values computed with the paper's reference implementation, kept outside the repository in
 * the read-only `shared/` folder beside the clone (`../shared/golden/dece.json`); DECE_SHARED_DIR points
 * elsewhere when the clone lives somewhere else.
 */

const GoldenSchema = z.object({
  cases: z.array(
    z.object({
      logits: z.array(z.array(z.number())),
      target: z.array(z.int()),
      epoch: z.int(),
      label_smoothing: z.number(),
      alpha_base: z.number(),
      ignore_index: z.int().nullable(),
      alpha: z.number(),
      dece_loss: z.number(),
      dece_grad: z.array(z.array(z.number())),
      ce_loss: z.number(),
      ce_grad: z.array(z.array(z.number())),
    }),
  ),
});
export type Golden = z.infer<typeof GoldenSchema>;

export const goldenPath = resolve(sharedDir(), 'golden/dece.json');

export function readGolden(): Golden {
  if (!existsSync(goldenPath)) {
    throw new Error(`${goldenPath} not found: clone the repository beside the shared/ folder, or set DECE_SHARED_DIR to it`);
  }
  return GoldenSchema.parse(JSON.parse(readFileSync(goldenPath, 'utf8')));
}
