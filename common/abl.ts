import { z } from 'zod';

/**
 * Anti-backdoor learning (Li et al., NeurIPS 2021, "Anti-Backdoor Learning: Training Clean Models on Poisoned
 * Data") as a training variant of a cross-entropy run (main/engine/abl.ts). Each sample's loss is its mean
 * per-token cross-entropy (the seq2seq stand-in for the paper's per-image loss).
 *
 * - `isolationEpochs`: the first epochs train with the local-gradient-ascent loss sign(loss − γ)·loss, which
 *   holds every sample's loss near the floor γ, so the samples that fall to it fastest (backdoor samples, the
 *   paper's observation) stand out; then the `isolationShare` of the training rows with the lowest loss is isolated.
 * - The middle epochs train on the rest with plain cross-entropy.
 * - `unlearningEpochs`: the last epochs unlearn the isolated rows by gradient ascent (minimising −loss).
 *
 * Defaults adapted from the paper: it isolates 1% (kept), uses γ = 0.5 on per-image loss (here 0.1: the mean
 * per-token loss of a pre-trained seq2seq model starts far below an untrained image classifier's, and a floor above
 * the clean rows' loss would push every clean row up), and spends 20 of its 100 epochs on isolation and the final
 * ones on unlearning (here 2 isolation and 1 unlearning epoch of the Pilot's 8).
 */
export const AblConfigSchema = z.object({
  /** Share of the training rows isolated as suspected backdoor samples (paper: 0.01). */
  isolationShare: z.number().gt(0).max(0.5),
  /** γ, the loss floor of the isolation epochs, in nats of mean per-token loss. */
  gamma: z.number().min(0).max(10),
  /** Epochs trained with the LGA loss before isolating. */
  isolationEpochs: z.int().min(1).max(100),
  /** Final epochs of gradient ascent on the isolated rows. */
  unlearningEpochs: z.int().min(1).max(100),
});
export type AblConfig = z.infer<typeof AblConfigSchema>;

export const DEFAULT_ABL_PARAMETERS: AblConfig = { isolationShare: 0.01, gamma: 0.1, isolationEpochs: 2, unlearningEpochs: 1 };
