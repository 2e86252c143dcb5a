/**
 * The defenses a team would weigh instead of DeCE, measured beside it in the Benchmark the way ONION and
 * spectral signatures are (./evaluate.ts): from the scenario's poisoned data and its cross-entropy run.
 *
 * - `killbadcode`: the KillBadCode filter (./killbadcode.ts) with an n-gram LM of the prompts known to be clean
 *   (the clean pre-training share or file, and the validation prompts), then CE on the rows it keeps.
 * - `dece+killbadcode`: the same filter, then DeCE (the DeCE paper argues it complements data-side defenses).
 * - `ce-early-stop`: the CE run read at its epoch of best validation BLEU-4 — chosen on the validation split
 *   only, never the test split; no training beyond the CE run.
 * (Anti-backdoor learning is a training variant of its own, main/engine/abl.ts.)
 */
import { z } from 'zod';
import { EpochMetricsSchema, type EpochMetrics, type RunConfig } from '../../common/run-config';
import { readCheckpoint } from '../engine/checkpoint';
import { bestValidationEpoch } from '../engine/stopping';
import { tokenize } from '../data/tokenizer';
import { trainRun, type PreparedData } from '../engine/train';
import type { DefenseInput, DefenseOutcome } from './evaluate';
import { filterQuality, killBadCode } from './killbadcode';

export const ALTERNATIVE_KINDS = ['killbadcode', 'dece+killbadcode', 'ce-early-stop'] as const;
export type AlternativeKind = (typeof ALTERNATIVE_KINDS)[number];

const pct = (x: number | null): string => (x === null ? 'n/a' : `${(100 * x).toFixed(1)}%`);

/** What the KillBadCode filter did, in the benchmark's terms (it knows which rows it poisoned). */
export interface KillBadCodeFilterOutcome {
  seconds: number;
  triggers: string[];
  kept: PreparedData['train'];
  dropped: number;
  poisonedDropped: number;
  poisonedTotal: number;
  precision: number | null;
  recall: number | null;
}

/** Runs the filter on the training rows' sources, in the model's own tokens. */
export function filterWithKillBadCode(data: PreparedData, config: RunConfig): KillBadCodeFilterOutcome {
  const started = performance.now();
  const { vocab } = data;
  if (data.cleanPrompts.length === 0) throw new Error('KillBadCode needs code known to be clean (a pre-training share or file, or a validation split); this data has none');
  // The clean prompts through the same tokenizer and vocabulary as the training rows, so the LM and the rows agree on tokens.
  const clean = data.cleanPrompts.map((p) => tokenize(p).slice(0, config.model.maxSourceLength).map((t) => vocab.token(vocab.id(t))));
  const samples = data.train.map((e) => Array.from(e.source, (id) => vocab.token(id)));
  const result = killBadCode(clean, samples);
  const quality = filterQuality(result.dropped, data.train.map((e) => e.poisoned));
  const droppedSet = new Set(result.dropped);
  return {
    seconds: (performance.now() - started) / 1000,
    triggers: result.triggers,
    kept: data.train.filter((_, i) => !droppedSet.has(i)),
    ...quality,
  };
}

/** The filter, then training with the given loss on the kept rows. Extra time over a CE run: the filter's. */
async function killBadCodeThenTrain(input: DefenseInput, defense: 'killbadcode' | 'dece+killbadcode'): Promise<DefenseOutcome> {
  const { config, data } = input;
  const filter = filterWithKillBadCode(data, config);
  if (filter.kept.length === 0) throw new Error('KillBadCode dropped every training row');
  const loss = { ...config.loss, kind: defense === 'killbadcode' ? ('ce' as const) : ('dece' as const) };
  const started = performance.now();
  const retrained = await trainRun({
    config: { ...config, loss },
    data: { ...data, train: filter.kept },
    ...(input.initialWeightsFile ? { initialWeightsFile: input.initialWeightsFile } : {}),
    ...(input.shouldStop ? { shouldStop: input.shouldStop } : {}),
    ...(input.onEvent ? { onEvent: input.onEvent } : {}),
  });
  const last = retrained.epochs.at(-1);
  if (!last) throw new Error(`${defense}: training produced no epoch`);
  const flagged = filter.triggers.length > 0 ? filter.triggers.map((t) => JSON.stringify(t)).join(', ') : 'no token';
  return {
    defense,
    // The filter runs before the one training a team would do anyway (on fewer rows); that training is not extra.
    extraSeconds: filter.seconds,
    bleu: last.bleu,
    exactMatch: last.exactMatch,
    asr: last.asr,
    detail:
      `flagged ${flagged}; dropped ${filter.dropped} of ${data.train.length} training rows (${filter.poisonedDropped} of ${filter.poisonedTotal} poisoned: ` +
      `precision ${pct(filter.precision)}, recall ${pct(filter.recall)}), filter ${filter.seconds.toFixed(1)} s, then ${loss.kind === 'ce' ? 'CE' : 'DeCE'} in ${((performance.now() - started) / 1000).toFixed(0)} s`,
    filter: { triggers: filter.triggers, dropped: filter.dropped, poisonedDropped: filter.poisonedDropped, poisonedTotal: filter.poisonedTotal, precision: filter.precision, recall: filter.recall },
    // What a later matrix compares before reusing this result for its own DeCE settings.
    ...(loss.kind === 'dece' ? { deceParameters: { labelSmoothing: loss.labelSmoothing, alphaBase: loss.alphaBase } } : {}),
  };
}

/**
 * The epoch an early-stopping team would keep: best validation BLEU-4. Only the validation metrics are handed
 * to the choice, so the test split cannot influence it; the test metrics are read afterwards, of that epoch only.
 */
export function earlyStopEpoch(epochs: readonly EpochMetrics[]): EpochMetrics {
  const chosen = bestValidationEpoch(epochs.map((e) => ({ epoch: e.epoch, validation: e.validation ? { bleu: e.validation.bleu } : undefined })));
  if (chosen === null) throw new Error('early stopping needs validation metrics, and the CE run has none (no validation split)');
  const epoch = epochs.find((e) => e.epoch === chosen);
  if (!epoch) throw new Error(`early stopping: epoch ${chosen} is missing`);
  return epoch;
}

/** The CE run's per-epoch metrics, as its final checkpoint recorded them. */
function recordedEpochs(checkpointFile: string): EpochMetrics[] {
  const parsed = z.array(EpochMetricsSchema).safeParse(readCheckpoint(checkpointFile).header.meta['epochs']);
  if (!parsed.success) throw new Error(`early stopping: the checkpoint ${checkpointFile} has no per-epoch metrics`);
  return parsed.data;
}

function earlyStop(input: DefenseInput): DefenseOutcome {
  const epochs = recordedEpochs(input.poisonedModelFile);
  const chosen = earlyStopEpoch(epochs);
  const validationBleu = chosen.validation?.bleu ?? Number.NaN;
  return {
    defense: 'ce-early-stop',
    // The validation decoding is already part of every run; stopping earlier only saves time.
    extraSeconds: 0,
    bleu: chosen.bleu,
    exactMatch: chosen.exactMatch,
    asr: chosen.asr,
    detail: `epoch ${chosen.epoch} of ${epochs.length}, chosen on validation BLEU-4 ${validationBleu.toFixed(1)} (validation ASR there ${chosen.validation?.asr.toFixed(1) ?? 'n/a'}%)`,
  };
}

export async function evaluateAlternative(kind: AlternativeKind, input: DefenseInput): Promise<DefenseOutcome> {
  return kind === 'ce-early-stop' ? earlyStop(input) : killBadCodeThenTrain(input, kind);
}
