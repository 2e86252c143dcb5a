import { z } from 'zod';
import { redisUrlProblem } from './redis-url';

/**
 * Where training runs: on this machine (worker threads) or on remote workers (`npm run worker`) through BullMQ
 * on Redis. The Redis URL may carry a password: the renderer only ever sees it redacted, with `hasPassword`
 * saying that one is stored; a URL saved back with the redacted password keeps the stored one.
 */

export const TRAINING_TARGETS = ['local', 'remote'] as const;

export const RedisUrlSchema = z
  .string()
  .trim()
  .max(2048)
  .superRefine((url, context) => {
    const problem = redisUrlProblem(url);
    if (problem !== null) context.addIssue({ code: 'custom', message: problem });
  });

export const TrainingTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local') }),
  z.object({ kind: z.literal('remote'), redisUrl: RedisUrlSchema }),
]);
export type TrainingTarget = z.infer<typeof TrainingTargetSchema>;

export const TrainingTargetViewSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local'), redisUrl: z.string().nullable(), hasPassword: z.boolean() }),
  z.object({ kind: z.literal('remote'), redisUrl: z.string(), hasPassword: z.boolean() }),
]);
/** `redisUrl` redacted; when local, the last remote URL (if any), so switching back needs no retyping. */
export type TrainingTargetView = z.infer<typeof TrainingTargetViewSchema>;

export const settingsContract = {
  'settings.trainingTarget': { input: z.object({}), output: TrainingTargetViewSchema },
  /** Takes effect for runs started afterwards; running ones continue where they are. */
  'settings.setTrainingTarget': { input: TrainingTargetSchema, output: TrainingTargetViewSchema },
  /**
   * Connects to the Redis of `redisUrl` (a redacted one means the stored password), or of the stored setting
   * without it, and counts the workers connected to the training queue. Unreachable: a 'failed' error saying why.
   */
  'settings.testTrainingTarget': {
    input: z.object({ redisUrl: RedisUrlSchema.optional() }),
    output: z.object({ redisUrl: z.string(), workers: z.int().min(0) }),
  },
} as const;
