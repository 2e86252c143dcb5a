import { z } from 'zod';
import { MessageSchema } from './messages';
import { EpochMetricsSchema } from './run-config';

/** What a training job reports while it runs; the same shapes cross worker, IPC and HTTP boundaries. */

export const TRAINING_PHASES = ['prepare', 'pretrain', 'train', 'evaluate'] as const;
export type TrainingPhase = (typeof TRAINING_PHASES)[number];

export const StepEventSchema = z.object({
  type: z.literal('step'),
  phase: z.enum(TRAINING_PHASES),
  epoch: z.int(),
  epochs: z.int(),
  step: z.int(),
  stepsPerEpoch: z.int(),
  loss: z.number(),
  learningRate: z.number(),
  tokensPerSecond: z.number(),
  /** Seconds left for the whole job, from the measured pace. */
  etaSeconds: z.number(),
});

export const PhaseEventSchema = z.object({
  type: z.literal('phase'),
  phase: z.enum(TRAINING_PHASES),
  message: z.string(),
});

export const EpochEventSchema = z.object({
  type: z.literal('epoch'),
  metrics: EpochMetricsSchema,
});

export const TrainingEventSchema = z.discriminatedUnion('type', [StepEventSchema, PhaseEventSchema, EpochEventSchema]);
export type StepEvent = z.infer<typeof StepEventSchema>;
export type PhaseEvent = z.infer<typeof PhaseEventSchema>;
export type EpochEvent = z.infer<typeof EpochEventSchema>;
export type TrainingEvent = z.infer<typeof TrainingEventSchema>;

/** An error as it crosses a thread or process boundary. */
export const SerializedErrorSchema = z.object({
  name: z.string(),
  message: z.string(),
  stack: z.string().optional(),
  /** The failure as a catalog message (common/messages.ts). */
  i18n: MessageSchema.optional(),
});
export type SerializedError = z.infer<typeof SerializedErrorSchema>;

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { name: 'Error', message: String(error) };
}
