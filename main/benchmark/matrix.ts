import { DEFAULT_ABL_PARAMETERS, type AblConfig } from '../../common/abl';
import type { BenchmarkArm, BenchmarkDataset, BenchmarkSpec } from '../../common/contract-benchmark';
import { PILOT_STOPPING, presetConfig, type SizePreset } from '../../common/presets';
import type { AttackKind, LossKind, RunConfig, StoppingConfig } from '../../common/run-config';
import { ATTACKS, type AttackCorpus } from '../data/attacks/index';
import { canonicalJson } from '../domain/canonical-json';

/**
 * A benchmark spec expanded into its cells. Pure: the caller resolves datasets (imported ones live in the
 * store) and does the scheduling.
 *
 * - Training arms (ce, dece, ls, gce, intrust, abl) are one run per (dataset, attack, rate, seed).
 * - 'ce-clean' trains CE without poisoning: one cell per (dataset, attack, seed) at rate 0, shared by every
 *   rate (poisoning does not apply; the attack still decides which triggered prompts ASR is measured on).
 * - Passive defenses (onion, spectral) and the other alternatives evaluated on the scenario's data and CE run
 *   (killbadcode, dece+killbadcode, ce-early-stop) are cells attached to the CE cell of the same scenario and seed,
 *   which is added when the spec does not list 'ce'.
 * - Combinations an attack cannot poison (a Java attack on the SQL corpus) are skipped with the reason.
 * - Training stops on evidence, as in the Pilot (MATRIX_STOPPING): the CE cell of a scenario and seed decides, and
 *   the other loss arms of it (dece, ls, gce, intrust) follow it — they stop at the epoch where CE stopped, so the
 *   arms are compared after the same training. ABL keeps its own schedule (its last epochs unlearn).
 */

export const TRAINING_ARMS = ['ce-clean', 'ce', 'dece', 'ls', 'gce', 'intrust', 'abl'] as const;
export type TrainingArm = (typeof TRAINING_ARMS)[number];
export const DEFENSE_ARMS = ['onion', 'spectral', 'killbadcode', 'dece+killbadcode', 'ce-early-stop'] as const;
export type DefenseArm = (typeof DEFENSE_ARMS)[number];

export const isDefenseArm = (arm: string): arm is DefenseArm => (DEFENSE_ARMS as readonly string[]).includes(arm);

/**
 * The Pilot's stopping rule without its time budget: the preset's epochs are the upper bound, validation evidence
 * (backdoor learned and plateaued, or nothing improving) ends a run earlier. No wall-clock budget, so a matrix's
 * numbers do not depend on how fast or busy the machine is.
 */
export const MATRIX_STOPPING: StoppingConfig = { ...PILOT_STOPPING, budgetSeconds: null };

/** Arms that stop where the scenario's CE run stopped (ABL's schedule ends with unlearning epochs; ce-clean has no CE cell of its own rate). */
const FOLLOWS_CE: ReadonlySet<TrainingArm> = new Set(['dece', 'ls', 'gce', 'intrust']);

/** The loss each training arm trains with. */
export const ARM_LOSS: Readonly<Record<TrainingArm, LossKind>> = { 'ce-clean': 'ce', ce: 'ce', dece: 'dece', ls: 'ls', gce: 'gce', intrust: 'intrust', abl: 'ce' };

/**
 * ABL's schedule within a run of `epochs` epochs: at least one epoch each for isolation and unlearning, and
 * no more than fit (a 2-epoch run gets one of each).
 */
export function fitAblToEpochs(abl: AblConfig, epochs: number): AblConfig {
  const unlearningEpochs = Math.max(1, Math.min(abl.unlearningEpochs, epochs - 1));
  return { ...abl, unlearningEpochs, isolationEpochs: Math.max(1, Math.min(abl.isolationEpochs, epochs - unlearningEpochs)) };
}

/** Where a dataset's runs read their data from. */
export interface DatasetSource {
  /** The cell's dataset label: 'builtin-sql', 'builtin-java' or 'import:<datasetId>'. */
  label: string;
  corpus: RunConfig['data']['corpus'];
  /** What attacks are checked against; null for imported data, whose content decides (a run that cannot poison it fails and says why). */
  attackCorpus: AttackCorpus | null;
  datasetId: number | null;
}

export function datasetLabel(dataset: BenchmarkDataset): string {
  return dataset.kind === 'import' ? `import:${dataset.datasetId}` : dataset.kind;
}

/** A built-in corpus at the size preset's corpus size. */
export function builtinSource(kind: 'builtin-sql' | 'builtin-java', size: SizePreset): DatasetSource {
  const preset = presetConfig(size, 'ce').data.corpus;
  if (preset.kind !== 'builtin-sql') throw new Error('presetConfig: expected a built-in corpus');
  return { label: kind, corpus: { kind, size: preset.size }, attackCorpus: kind === 'builtin-java' ? 'java' : 'sql', datasetId: null };
}

export interface CellCoordinates {
  dataset: string;
  attack: AttackKind;
  rate: number;
  arm: BenchmarkArm;
  seed: number;
}

interface CellBase extends CellCoordinates {
  key: string;
}

export interface TrainingCell extends CellBase {
  kind: 'train';
  arm: TrainingArm;
  config: RunConfig;
  datasetId: number | null;
  /** The CE cell this run follows (stops at the epoch where that run stopped); null: it decides for itself. */
  leaderKey: string | null;
}

export interface DefenseCell extends CellBase {
  kind: 'defense';
  arm: DefenseArm;
  /** The CE cell whose model the defense is applied to. */
  baseKey: string;
}

export type MatrixCell = TrainingCell | DefenseCell;

export interface SkippedCombination {
  dataset: string;
  attack: string;
  reason: string;
}

export interface MatrixExpansion {
  cells: MatrixCell[];
  skipped: SkippedCombination[];
}

/** Stable across processes and versions: the same coordinates always give the same key. */
export function cellKey(c: CellCoordinates): string {
  return [c.dataset, c.attack, String(c.rate), c.arm, String(c.seed)].join('/');
}

/** The preset's run for one training cell, with the spec's data, attack, rate, seed and DeCE parameters. */
export function trainingConfig(spec: Pick<BenchmarkSpec, 'size' | 'dece' | 'abl'>, source: DatasetSource, attack: AttackKind, rate: number, arm: TrainingArm, seed: number): RunConfig {
  const preset = presetConfig(spec.size, ARM_LOSS[arm]);
  // Label smoothing alone uses DeCE's ε, so that it is DeCE without the α blending (an ablation).
  const loss = arm === 'dece' ? spec.dece : arm === 'ls' ? { labelSmoothing: spec.dece.labelSmoothing } : {};
  return {
    ...preset,
    seed,
    data: { ...preset.data, corpus: source.corpus, attack: { kind: attack }, poisonRate: arm === 'ce-clean' ? 0 : rate },
    loss: { ...preset.loss, ...loss },
    training:
      arm === 'abl'
        ? { ...preset.training, abl: fitAblToEpochs(spec.abl ?? DEFAULT_ABL_PARAMETERS, preset.training.epochs) }
        : { ...preset.training, stopping: MATRIX_STOPPING },
  };
}

function incompatibility(source: DatasetSource, attack: AttackKind): string | null {
  if (source.attackCorpus === null) return null;
  const entry = ATTACKS[attack];
  if (entry.corpora.includes(source.attackCorpus)) return null;
  return `${entry.label} applies to the ${entry.corpora.join(', ')} corpus, not ${source.label}`;
}

/** Every cell of the spec in a stable order (dataset, attack, seed, the clean reference, then rate × arm). */
export function expandMatrix(spec: BenchmarkSpec, resolve: (dataset: BenchmarkDataset) => DatasetSource): MatrixExpansion {
  const cells: MatrixCell[] = [];
  const skipped: SkippedCombination[] = [];
  const arms = new Set<BenchmarkArm>(spec.arms);
  const defenses = DEFENSE_ARMS.filter((arm) => arms.has(arm));
  // A passive defense needs the CE model of its scenario.
  if (defenses.length > 0) arms.add('ce');
  const poisonedArms = TRAINING_ARMS.filter((arm) => arm !== 'ce-clean' && arms.has(arm));
  for (const dataset of spec.datasets) {
    const source = resolve(dataset);
    for (const attack of spec.attacks) {
      const reason = incompatibility(source, attack);
      if (reason !== null) {
        skipped.push({ dataset: source.label, attack, reason });
        continue;
      }
      const train = (rate: number, arm: TrainingArm, seed: number): TrainingCell => {
        const coordinates = { dataset: source.label, attack, rate: arm === 'ce-clean' ? 0 : rate, arm, seed };
        const leaderKey = FOLLOWS_CE.has(arm) && arms.has('ce') ? cellKey({ ...coordinates, arm: 'ce' }) : null;
        return { ...coordinates, key: cellKey(coordinates), kind: 'train', config: trainingConfig(spec, source, attack, rate, arm, seed), datasetId: source.datasetId, leaderKey };
      };
      for (const seed of spec.seeds) {
        if (arms.has('ce-clean')) cells.push(train(0, 'ce-clean', seed));
        for (const rate of spec.rates) {
          for (const arm of poisonedArms) cells.push(train(rate, arm, seed));
          const baseKey = cellKey({ dataset: source.label, attack, rate, arm: 'ce', seed });
          for (const arm of defenses) {
            const coordinates = { dataset: source.label, attack, rate, arm, seed };
            cells.push({ ...coordinates, key: cellKey(coordinates), kind: 'defense', baseKey });
          }
        }
      }
    }
  }
  return { cells, skipped };
}

/** Runs on the same data and seed share their poisoned dataset (and pre-trained weights). */
export function dataGroupKey(config: RunConfig): string {
  return canonicalJson({ seed: config.seed, data: config.data });
}

/**
 * The order to queue training cells in: round-robin over data groups (first the first run of every
 * group, then the second, ...). A run that waits for its group's shared pre-training holds a worker
 * slot, so queuing two runs of one group back to back would leave the second worker idle while the
 * first pre-trains; interleaving has each worker pre-train a different group instead.
 */
export function interleaveByData<T extends { config: RunConfig }>(cells: readonly T[]): T[] {
  const groups = new Map<string, T[]>();
  for (const cell of cells) {
    const key = dataGroupKey(cell.config);
    groups.set(key, [...(groups.get(key) ?? []), cell]);
  }
  const ordered: T[] = [];
  const lists = [...groups.values()];
  for (let round = 0; ordered.length < cells.length; round++) {
    for (const list of lists) {
      const cell = list[round];
      if (cell !== undefined) ordered.push(cell);
    }
  }
  return ordered;
}
