import type { RunConfig } from '../../common/run-config';
import type { TrainingEvent } from '../../common/training-events';
import { assignWeights, readCheckpoint } from '../engine/checkpoint';
import { decodePrompts } from '../engine/decode';
import { attackSuccessRate, averageSentenceBleu, exactMatch } from '../engine/metrics';
import { buildSeq2SeqModel } from '../engine/model';
import { type PreparedData, trainRun } from '../engine/train';
import { type AlternativeKind, evaluateAlternative } from './alternatives';
import { runOnionDefense, runSpectralDefense } from './index';

/**
 * The passive defenses DeCE is compared with, measured the same way: what they cost in wall-clock time on
 * top of a normal cross-entropy run, and what they do to ASR and clean BLEU. DeCE's extra cost is only its
 * loss, which the Pilot's own timings already show.
 */

export const DEFENSE_KINDS = ['onion', 'spectral'] as const;
export type DefenseKind = (typeof DEFENSE_KINDS)[number];
/** Everything a defense job can evaluate: the passive defenses and the alternatives of ./alternatives.ts. */
export type DefenseJobKind = DefenseKind | AlternativeKind;

export interface DefenseOutcome {
  defense: DefenseJobKind;
  /** Seconds the defense adds to a CE run: ONION's LM and filtering; spectral's scoring plus retraining. */
  extraSeconds: number;
  bleu: number;
  exactMatch: number;
  asr: number;
  /** What the defense did, in its own terms. */
  detail: string;
  /** A data filter's effect on the rows known to be poisoned (KillBadCode). */
  filter?: { triggers: string[]; dropped: number; poisonedDropped: number; poisonedTotal: number; precision: number | null; recall: number | null };
  /** The DeCE parameters a defense that trains with DeCE used. */
  deceParameters?: { labelSmoothing: number; alphaBase: number };
}

export interface DefenseInput {
  config: RunConfig;
  data: PreparedData;
  /** The cross-entropy model trained on the poisoned data (its final checkpoint). */
  poisonedModelFile: string;
  /** Where that model started (pre-trained weights), for spectral signatures' retraining. */
  initialWeightsFile?: string;
  shouldStop?: () => boolean;
  onEvent?: (event: TrainingEvent) => void;
}

/** ONION at inference: strip suspicious words from every prompt, then decode with the poisoned CE model. */
function onion(input: DefenseInput): DefenseOutcome {
  const { config, data } = input;
  const clean = data.cleanTest.slice(0, config.data.evalLimit);
  const triggered = data.poisonedTest.slice(0, config.data.evalLimit);
  const lmPrompts = data.cleanPrompts.length > 0 ? data.cleanPrompts : clean.map((c) => c.prompt);
  const defended = runOnionDefense({ cleanPrompts: lmPrompts, prompts: [...clean.map((c) => c.prompt), ...triggered.map((t) => t.prompt)] });
  const cleanFiltered = defended.filtered.slice(0, clean.length);
  const triggeredFiltered = defended.filtered.slice(clean.length);
  const model = buildSeq2SeqModel(config.model, data.vocab.size, config.seed);
  try {
    assignWeights(model.variables, readCheckpoint(input.poisonedModelFile));
    const hypotheses = decodePrompts(model, data.vocab, cleanFiltered);
    const triggeredOutputs = decodePrompts(model, data.vocab, triggeredFiltered);
    const references = clean.map((c) => c.reference);
    return {
      defense: 'onion',
      extraSeconds: defended.seconds,
      bleu: averageSentenceBleu(references, hypotheses),
      exactMatch: exactMatch(references, hypotheses),
      asr: attackSuccessRate(triggeredOutputs, data.attack),
      detail: `threshold ${defended.threshold}: removed ${defended.wordsRemoved} of ${defended.wordsTotal} words`,
    };
  } finally {
    model.dispose();
  }
}

/** Spectral signatures: score training rows with the poisoned model, drop the top ones, retrain with CE. */
async function spectral(input: DefenseInput): Promise<DefenseOutcome> {
  const { config, data } = input;
  const model = buildSeq2SeqModel(config.model, data.vocab.size, config.seed);
  let scored;
  try {
    assignWeights(model.variables, readCheckpoint(input.poisonedModelFile));
    // The usual choice: drop 1.5× the expected poisoned share.
    scored = runSpectralDefense({ model, examples: data.train, removeFraction: Math.min(0.5, 1.5 * Math.max(config.data.poisonRate, 0.01)) });
  } finally {
    model.dispose();
  }
  const started = performance.now();
  const retrained = await trainRun({
    config: { ...config, loss: { ...config.loss, kind: 'ce' } },
    data: { ...data, train: scored.kept },
    ...(input.initialWeightsFile ? { initialWeightsFile: input.initialWeightsFile } : {}),
    ...(input.shouldStop ? { shouldStop: input.shouldStop } : {}),
    ...(input.onEvent ? { onEvent: input.onEvent } : {}),
  });
  const last = retrained.epochs.at(-1);
  if (!last) throw new Error('spectral signatures: retraining produced no epoch');
  return {
    defense: 'spectral',
    extraSeconds: scored.seconds + (performance.now() - started) / 1000,
    bleu: last.bleu,
    exactMatch: last.exactMatch,
    asr: last.asr,
    detail: `dropped ${scored.dropped.length} of ${data.train.length} training rows (${scored.poisonedDropped} of ${scored.poisonedTotal} poisoned ones), then retrained`,
  };
}

export async function evaluateDefense(kind: DefenseJobKind, input: DefenseInput): Promise<DefenseOutcome> {
  if (kind === 'onion') return onion(input);
  if (kind === 'spectral') return spectral(input);
  return evaluateAlternative(kind, input);
}
