import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EpochMetrics, LossKind, RunConfig } from '../../common/run-config';
import type { TrainingEvent } from '../../common/training-events';
import type { DefenseKind, DefenseOutcome } from '../defenses/evaluate';
import type { DataSummary } from '../engine/experiment';
import { loadSource, prepareData } from '../engine/experiment';
import type { TrainRunResult } from '../engine/train';
import type { PretrainResult } from '../jobs/messages';
import { startJob } from '../jobs/run-worker';

export interface PilotRun {
  loss: LossKind;
  config: RunConfig;
  epochs: EpochMetrics[];
  seconds: number;
}

export interface PilotVerdict {
  ceAsr: number;
  deceAsr: number;
  ceBleu: number;
  deceBleu: number;
  bleuDelta: number;
  backdoorLearnedWithCe: boolean;
  blockedByDece: boolean;
  cleanQualityKept: boolean;
  /** The three together: what the paper claims, on this data. */
  reproduced: boolean;
  summary: string;
}

export interface PilotResult {
  /** Passive defenses applied to the CE run, with their extra cost (empty unless asked for). */
  defenses: DefenseOutcome[];
  backend: string;
  backendDetails: string;
  config: RunConfig;
  data: DataSummary;
  pretrain: PretrainResult | null;
  runs: PilotRun[];
  verdict: PilotVerdict;
  seconds: number;
}

export interface PilotReporter {
  phase(message: string): void;
  backend(details: string): void;
  event(run: LossKind | 'pretrain' | DefenseKind, event: TrainingEvent): void;
}

/** Thresholds of the Pilot's claim (also the default Pilot gate). */
export const PILOT_CLAIM = { minCeAsr: 50, maxDeceAsrShareOfCe: 0.25, maxBleuDrop: 3 } as const;

export function configForLoss(base: RunConfig, loss: LossKind): RunConfig {
  return { ...base, loss: { ...base.loss, kind: loss } };
}

/** Pre-trained weights are shared by every run with the same data, model and pre-training settings. */
export function pretrainKey(config: RunConfig): string {
  const relevant = { seed: config.seed, data: config.data, model: config.model, pretrainEpochs: config.training.pretrainEpochs, lr: config.training.pretrainLearningRate, batch: config.training.batchSize, wd: config.training.weightDecay, clip: config.training.clipNorm, format: 1 };
  return createHash('sha256').update(JSON.stringify(relevant)).digest('hex').slice(0, 16);
}

/** Where the shared pre-trained weights of a configuration live in a cache folder. */
export function pretrainCacheFile(cacheDir: string, config: RunConfig): string {
  return join(cacheDir, `pretrain-${pretrainKey(config)}.ckpt`);
}

export async function runPilot(
  base: RunConfig,
  options: { cacheDir: string | null; reporter: PilotReporter; defenses?: readonly DefenseKind[] },
): Promise<PilotResult> {
  const defenses = options.defenses ?? [];
  const started = performance.now();
  const { reporter } = options;
  // Fail fast, in this thread, on data that cannot make a pilot (e.g. nothing poisonable).
  reporter.phase('preparing data');
  const { summary } = prepareData(base, await loadSource(base));

  const scratch = mkdtempSync(join(tmpdir(), 'dece-pilot-'));
  let backend = '';
  let backendDetails = '';
  try {
    let pretrainResult: PretrainResult | null = null;
    let initialWeightsFile: string | undefined;
    if (base.training.pretrainEpochs > 0) {
      const dir = options.cacheDir ?? scratch;
      mkdirSync(dir, { recursive: true });
      const file = pretrainCacheFile(dir, base);
      if (options.cacheDir && existsSync(file)) {
        reporter.phase(`reusing pre-trained weights ${file}`);
      } else {
        reporter.phase(`pre-training on ${summary.pretrain} clean pairs for ${base.training.pretrainEpochs} epochs`);
        const job = startJob<PretrainResult>(
          { kind: 'pretrain', jobId: 'pretrain', config: configForLoss(base, 'ce'), outputFile: file },
          {
            onBackend: (b) => {
              backend = b.name;
              backendDetails = b.description;
              reporter.backend(b.description);
            },
            onEvent: (e) => {
              reporter.event('pretrain', e);
            },
          },
        );
        pretrainResult = await job.result;
      }
      initialWeightsFile = file;
    }

    reporter.phase('fine-tuning on the poisoned data: cross-entropy and DeCE');
    const losses: LossKind[] = ['ce', 'dece'];
    // Each run is single-threaded: run them side by side when there is a core for each.
    const parallel = Math.max(1, Math.min(losses.length, availableParallelism()));
    const runs: PilotRun[] = [];
    let ceCheckpoint: string | null = null;
    const queue = [...losses];
    const worker = async () => {
      for (let loss = queue.shift(); loss; loss = queue.shift()) {
        const runStarted = performance.now();
        const config = configForLoss(base, loss);
        // The CE model is kept when a defense has to start from it.
        const checkpointDir = loss === 'ce' && defenses.length > 0 ? join(scratch, 'ce') : undefined;
        const job = startJob<TrainRunResult>(
          { kind: 'train', jobId: loss, config, ...(initialWeightsFile ? { initialWeightsFile } : {}), ...(checkpointDir ? { checkpointDir } : {}) },
          {
            onBackend: (b) => {
              if (!backend) {
                backend = b.name;
                backendDetails = b.description;
                reporter.backend(b.description);
              }
            },
            onEvent: (e) => {
              reporter.event(loss, e);
            },
          },
        );
        const result = await job.result;
        runs.push({ loss, config, epochs: result.epochs, seconds: (performance.now() - runStarted) / 1000 });
        if (result.finalCheckpoint) ceCheckpoint = result.finalCheckpoint;
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    runs.sort((a, b) => losses.indexOf(a.loss) - losses.indexOf(b.loss));
    const outcomes = await runDefenses(defenses, base, ceCheckpoint, initialWeightsFile, reporter);
    return {
      defenses: outcomes,
      backend,
      backendDetails,
      config: base,
      data: summary,
      pretrain: pretrainResult,
      runs,
      verdict: pilotVerdict(runs),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function runDefenses(
  defenses: readonly DefenseKind[],
  base: RunConfig,
  ceCheckpoint: string | null,
  initialWeightsFile: string | undefined,
  reporter: PilotReporter,
): Promise<DefenseOutcome[]> {
  if (defenses.length === 0) return [];
  if (!ceCheckpoint) throw new Error('defenses need the cross-entropy model, which was not saved');
  const poisonedModelFile = ceCheckpoint;
  reporter.phase(`passive defenses on the cross-entropy model: ${defenses.join(', ')}`);
  // Independent of each other: side by side, like the two runs.
  return Promise.all(
    defenses.map(async (defense) => {
      const job = startJob<DefenseOutcome>(
        { kind: 'defend', jobId: defense, config: configForLoss(base, 'ce'), defense, poisonedModelFile, ...(initialWeightsFile ? { initialWeightsFile } : {}) },
        {
          onEvent: (e) => {
            reporter.event(defense, e);
          },
        },
      );
      const outcome = await job.result;
      reporter.phase(`${defense}: ASR ${outcome.asr.toFixed(1)}%, BLEU-4 ${outcome.bleu.toFixed(2)}, +${outcome.extraSeconds.toFixed(1)} s (${outcome.detail})`);
      return outcome;
    }),
  );
}

export function pilotVerdict(runs: readonly PilotRun[]): PilotVerdict {
  const last = (loss: LossKind) => runs.find((r) => r.loss === loss)?.epochs.at(-1);
  const ce = last('ce');
  const dece = last('dece');
  if (!ce || !dece) throw new Error('verdict: a CE and a DeCE run with at least one epoch are needed');
  const bleuDelta = dece.bleu - ce.bleu;
  const backdoorLearnedWithCe = ce.asr >= PILOT_CLAIM.minCeAsr;
  const blockedByDece = dece.asr <= ce.asr * PILOT_CLAIM.maxDeceAsrShareOfCe;
  const cleanQualityKept = bleuDelta >= -PILOT_CLAIM.maxBleuDrop;
  const reproduced = backdoorLearnedWithCe && blockedByDece && cleanQualityKept;
  const pct = (x: number) => `${x.toFixed(1)}%`;
  const sign = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)}`;
  let summary: string;
  if (!backdoorLearnedWithCe) {
    summary = `With cross-entropy the backdoor was not learned (ASR ${pct(ce.asr)} < ${PILOT_CLAIM.minCeAsr}%), so this pilot cannot show what DeCE prevents; train longer or poison more.`;
  } else if (reproduced) {
    summary = `DeCE cut the attack success rate from ${pct(ce.asr)} to ${pct(dece.asr)} while clean BLEU-4 moved by ${sign(bleuDelta)} points (${ce.bleu.toFixed(1)} → ${dece.bleu.toFixed(1)}).`;
  } else if (!blockedByDece) {
    summary = `DeCE did not block the backdoor: ASR ${pct(ce.asr)} with CE vs ${pct(dece.asr)} with DeCE (needs ≤ ${pct(ce.asr * PILOT_CLAIM.maxDeceAsrShareOfCe)}); try a smaller alpha_base.`;
  } else {
    summary = `DeCE blocked the backdoor (ASR ${pct(ce.asr)} → ${pct(dece.asr)}) but cost ${Math.abs(bleuDelta).toFixed(1)} BLEU points (limit ${PILOT_CLAIM.maxBleuDrop}); try a larger alpha_base.`;
  }
  return { ceAsr: ce.asr, deceAsr: dece.asr, ceBleu: ce.bleu, deceBleu: dece.bleu, bleuDelta, backdoorLearnedWithCe, blockedByDece, cleanQualityKept, reproduced, summary };
}
