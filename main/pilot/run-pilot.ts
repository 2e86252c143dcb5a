import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Message, type MessageLang, message, renderMessage } from '../../common/messages';
import type { EpochMetrics, LossKind, RunConfig } from '../../common/run-config';
import type { TrainingEvent } from '../../common/training-events';
import type { DefenseKind, DefenseOutcome } from '../defenses/evaluate';
import type { DataSummary } from '../engine/experiment';
import { bestValidationEpoch, epochsForStepBudget, pretrainEpochsForMinSteps } from '../engine/stopping';
import { loadSource, prepareData } from '../engine/experiment';
import type { TrainRunResult } from '../engine/train';
import type { PretrainResult } from '../jobs/messages';
import { startJob } from '../jobs/worker-host';
import { PILOT_CLAIM } from '../domain/pilot-claim';
import { configForLoss, pretrainCacheFile, shippedPretrainFile } from '../jobs/pretrain-cache';
import { PairedStopping } from './paired-stopping';

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
  ce: VerdictSide;
  dece: VerdictSide;
  /** When CE did not learn the backdoor: what would make the pilot conclusive, with its time (English). */
  levers: string[];
  /** The verdict and the levers as translatable messages (common/messages.ts). */
  message: Message;
  leverMessages: Message[];
}

export interface PilotResult {
  /** Passive defenses applied to the CE run, with their extra cost (empty unless asked for). */
  defenses: DefenseOutcome[];
  backend: string;
  backendDetails: string;
  config: RunConfig;
  data: DataSummary;
  pretrain: PretrainResult | null;
  /** Where the starting weights came from: trained here, shipped with the app, a cache folder, or none. */
  pretrainWeights: 'trained' | 'shipped' | 'cached' | 'none';
  runs: PilotRun[];
  verdict: PilotVerdict;
  seconds: number;
}

export interface PilotReporter {
  /** A step of the Pilot, as a catalog message: the reporter renders it in its language. */
  phase(message: Message): void;
  backend(details: string): void;
  event(run: LossKind | 'pretrain' | DefenseKind, event: TrainingEvent): void;
}


/** "720 clean pairs carved from the training file (36 rows carrying the payload excluded)". */
export function describePretrain(summary: DataSummary): string {
  const from = summary.pretrainSource === 'file' ? 'from the separate pre-training file' : 'carved from the training file';
  const excluded = summary.pretrainExcluded > 0 ? ` (${summary.pretrainExcluded} rows carrying the payload excluded)` : '';
  return `${summary.pretrain} clean pairs ${from}${excluded}`;
}

export async function runPilot(
  requested: RunConfig,
  options: {
    cacheDir: string | null;
    reporter: PilotReporter;
    defenses?: readonly DefenseKind[];
    /** With a stopping rule: the epoch bound becomes this many optimizer steps on the data at hand. */
    stepBudget?: number;
    /** Where jobs run: local worker threads by default; the remote executor's sends CE and DeCE to workers. */
    startJob?: typeof startJob;
  },
): Promise<PilotResult> {
  const defenses = options.defenses ?? [];
  const start = options.startJob ?? startJob;
  const started = performance.now();
  const { reporter } = options;
  // Fail fast, in this thread, on data that cannot make a pilot (e.g. nothing poisonable).
  reporter.phase(message('pilot.phase.preparingData'));
  const { summary } = prepareData(requested, await loadSource(requested));
  if (summary.untriggeredTestExcluded > 0) {
    reporter.phase(message('pilot.phase.untriggeredExcluded', { triggered: summary.poisonedTest, excluded: summary.untriggeredTestExcluded }));
  }
  const { batchSize } = requested.training;
  const base: RunConfig = {
    ...requested,
    training: {
      ...requested.training,
      ...(options.stepBudget !== undefined && requested.training.stopping ? { epochs: epochsForStepBudget(options.stepBudget, summary.train, batchSize) } : {}),
      // What the engine will run, so that the progress lines and the report name the real count.
      pretrainEpochs: pretrainEpochsForMinSteps(requested.training.pretrainEpochs, requested.training.pretrainMinSteps ?? 0, summary.pretrain, batchSize),
    },
  };

  const scratch = mkdtempSync(join(tmpdir(), 'dece-pilot-'));
  let backend = '';
  let backendDetails = '';
  try {
    let pretrainResult: PretrainResult | null = null;
    let pretrainWeights: PilotResult['pretrainWeights'] = 'none';
    let initialWeightsFile: string | undefined;
    if (base.training.pretrainEpochs > 0) {
      const dir = options.cacheDir ?? scratch;
      mkdirSync(dir, { recursive: true });
      const shipped = shippedPretrainFile(base);
      const pretrainParams = { pairs: summary.pretrain, epochs: base.training.pretrainEpochs };
      const fromFile = summary.pretrainSource === 'file';
      const file = shipped ?? pretrainCacheFile(dir, base);
      if (shipped) {
        pretrainWeights = 'shipped';
        reporter.phase(message(fromFile ? 'pilot.phase.shippedFromFile' : 'pilot.phase.shippedCarved', pretrainParams));
      } else if (options.cacheDir && existsSync(file)) {
        pretrainWeights = 'cached';
        reporter.phase(message('pilot.phase.reusingWeights', { file }));
      } else {
        pretrainWeights = 'trained';
        reporter.phase(message(fromFile ? 'pilot.phase.pretrainFromFile' : 'pilot.phase.pretrainCarved', pretrainParams));
        if (summary.pretrainExcluded > 0) reporter.phase(message('pilot.phase.pretrainExcluded', { excluded: summary.pretrainExcluded }));
        const job = start<PretrainResult>(
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

    const rule = base.training.stopping;
    const epochs = base.training.epochs;
    reporter.phase(
      !rule
        ? message('pilot.phase.fineTuneFixed', { epochs })
        : rule.budgetSeconds
          ? message('pilot.phase.fineTuneBudget', { epochs, minutes: Math.round(rule.budgetSeconds / 60) })
          : message('pilot.phase.fineTuneStopping', { epochs }),
    );
    const losses: LossKind[] = ['ce', 'dece'];
    const budgetSeconds = rule?.budgetSeconds ?? Number.POSITIVE_INFINITY;
    const paired = rule ? new PairedStopping(rule, base.training.epochs, () => budgetSeconds - (performance.now() - started) / 1000) : null;
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
        let lastEpoch = 0;
        const job = start<TrainRunResult>(
          {
            kind: 'train',
            jobId: loss,
            config,
            ...(initialWeightsFile ? { initialWeightsFile } : {}),
            ...(checkpointDir ? { checkpointDir } : {}),
            ...(paired ? { parentDecidesStop: true } : {}),
          },
          {
            onBackend: (b) => {
              if (!backend) {
                backend = b.name;
                backendDetails = b.description;
                reporter.backend(b.description);
              }
            },
            onEvent: (e) => {
              if (e.type === 'epoch') lastEpoch = e.metrics.epoch;
              reporter.event(loss, e);
            },
            ...(paired ? { decideStop: (epochs: EpochMetrics[]) => (loss === 'ce' ? paired.decideLeader(epochs) : paired.decideFollower(epochs)) } : {}),
          },
        );
        try {
          const result = await job.result;
          runs.push({ loss, config, epochs: result.epochs, seconds: (performance.now() - runStarted) / 1000 });
          if (result.finalCheckpoint) ceCheckpoint = result.finalCheckpoint;
        } finally {
          if (loss === 'ce') paired?.leaderEnded(lastEpoch);
        }
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
      pretrainWeights,
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
  reporter.phase(message('pilot.phase.defenses', { defenses: defenses.join(', ') }));
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
      reporter.phase(message('pilot.phase.defenseResult', { defense, asr: outcome.asr, bleu: outcome.bleu, extra: outcome.extraSeconds, detail: outcome.detail }));
      return outcome;
    }),
  );
}

/** One run as the verdict reads it: ASR after the last epoch trained, clean BLEU-4 at the epoch chosen on validation. */
export interface VerdictSide {
  /** ASR (%) after the last epoch trained, and its denominator (triggered prompts decoded). */
  asr: number;
  triggered: number | null;
  /** Test BLEU-4 at the chosen epoch. */
  bleu: number;
  /** The epoch with the best validation BLEU-4 (the last epoch when the run has no validation split). */
  chosenEpoch: number;
  chosenOnValidation: boolean;
  epochs: number;
  stop: EpochMetrics['stop'] | null;
}

function verdictSide(run: PilotRun): VerdictSide {
  const last = run.epochs.at(-1);
  if (!last) throw new Error('verdict: a CE and a DeCE run with at least one epoch are needed');
  const bestEpoch = bestValidationEpoch(run.epochs);
  const chosen = run.epochs.find((e) => e.epoch === bestEpoch) ?? last;
  return {
    asr: last.asr,
    triggered: last.triggered ?? null,
    bleu: chosen.bleu,
    chosenEpoch: chosen.epoch,
    chosenOnValidation: bestEpoch !== null,
    epochs: last.epoch,
    stop: last.stop ?? null,
  };
}

/** "57.0% of 165 triggered prompts": an ASR is never shown without what it counts. */
export function asrWithDenominator(asr: number, triggered: number | null | undefined): string {
  return triggered === null || triggered === undefined ? `${asr.toFixed(1)}%` : `${asr.toFixed(1)}% of ${triggered} triggered prompts`;
}

/** Mean minutes per epoch of a run, to price the levers. */
function minutesPerEpoch(run: PilotRun): number {
  return run.epochs.length > 0 ? run.epochs.reduce((sum, e) => sum + e.seconds, 0) / run.epochs.length / 60 : 0;
}

/** When CE did not learn the backdoor: which lever to pull, priced from the epochs just measured. */
function levers(ce: PilotRun, side: VerdictSide): Message[] {
  const perEpoch = minutesPerEpoch(ce);
  const epochs = side.epochs;
  const asrValues = ce.epochs.map((e) => e.validation?.asr ?? e.asr);
  const rising = asrValues.length >= 2 && (asrValues.at(-1) ?? 0) > Math.max(...asrValues.slice(0, -1));
  const onBudget = side.stop?.reason === 'time-budget' || side.stop?.reason === 'max-epochs' || side.stop === null;
  const out: Message[] = [];
  const longer = { epochs: epochs * 2, minutes: perEpoch * epochs };
  if (rising) out.push(message('verdict.lever.moreEpochs', longer));
  else if (onBudget) out.push(message('verdict.lever.largerBudget', { ...longer, stop: side.stop?.reason ?? 'fixed' }));
  out.push(message('verdict.lever.poisonRate', { minutes: perEpoch }));
  out.push(message('verdict.lever.moreData', { minutes: perEpoch }));
  out.push(message('verdict.lever.largerModel', { minutes: perEpoch * 2.5 }));
  return out;
}

/** The verdict and its levers as one sentence each, in a language (the JSON keeps the messages themselves). */
export function renderVerdict(verdict: Pick<PilotVerdict, 'message' | 'leverMessages'>, lang: MessageLang): { summary: string; levers: string[] } {
  return { summary: renderMessage(verdict.message, lang), levers: verdict.leverMessages.map((m) => renderMessage(m, lang)) };
}

export function pilotVerdict(runs: readonly PilotRun[]): PilotVerdict {
  const ceRun = runs.find((r) => r.loss === 'ce');
  const deceRun = runs.find((r) => r.loss === 'dece');
  if (!ceRun || !deceRun || ceRun.epochs.length === 0 || deceRun.epochs.length === 0) {
    throw new Error('verdict: a CE and a DeCE run with at least one epoch are needed');
  }
  const ce = verdictSide(ceRun);
  const dece = verdictSide(deceRun);
  const bleuDelta = dece.bleu - ce.bleu;
  const backdoorLearnedWithCe = ce.asr >= PILOT_CLAIM.minCeAsr;
  const blockedByDece = dece.asr <= ce.asr * PILOT_CLAIM.maxDeceAsrShareOfCe;
  const cleanQualityKept = bleuDelta >= -PILOT_CLAIM.maxBleuDrop;
  const reproduced = backdoorLearnedWithCe && blockedByDece && cleanQualityKept;
  const common = { epochs: ce.epochs, stop: ce.stop?.reason ?? 'fixed', triggered: ce.triggered, ceAsr: ce.asr, deceAsr: dece.asr };
  let verdictMessage: Message;
  let leverMessages: Message[] = [];
  if (!backdoorLearnedWithCe) {
    leverMessages = levers(ceRun, ce);
    verdictMessage = message('verdict.notLearned', { epochs: ce.epochs, stop: common.stop, asr: ce.asr, triggered: ce.triggered, claim: PILOT_CLAIM.minCeAsr });
  } else if (reproduced) {
    verdictMessage = message('verdict.reproduced', { ...common, delta: bleuDelta, ceBleu: ce.bleu, deceBleu: dece.bleu, ceEpoch: ce.chosenEpoch, deceEpoch: dece.chosenEpoch });
  } else if (!blockedByDece) {
    verdictMessage = message('verdict.notBlocked', { ...common, limit: ce.asr * PILOT_CLAIM.maxDeceAsrShareOfCe });
  } else {
    verdictMessage = message('verdict.qualityCost', { ...common, drop: Math.abs(bleuDelta), limit: PILOT_CLAIM.maxBleuDrop });
  }
  const english = renderVerdict({ message: verdictMessage, leverMessages }, 'en');
  return {
    ceAsr: ce.asr,
    deceAsr: dece.asr,
    ceBleu: ce.bleu,
    deceBleu: dece.bleu,
    bleuDelta,
    backdoorLearnedWithCe,
    blockedByDece,
    cleanQualityKept,
    reproduced,
    summary: english.levers.length > 0 ? `${english.summary} Levers: ${english.levers.join('; ')}.` : english.summary,
    ce,
    dece,
    levers: english.levers,
    message: verdictMessage,
    leverMessages,
  };
}
