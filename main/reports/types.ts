import type { GateConditionId } from '../../common/catalog';
import type { StageName } from '../store/index';

/**
 * What a report says, as plain data: collectReport() builds it from the store, and every renderer
 * (Markdown, HTML, PDF, PPTX, CSV) is a function of it alone. Numbers stay numbers (renderers format
 * them with the report language's Intl formats, see i18n.ts); sentences that depend on the data are
 * written here, already in the report's language, so every format says the same thing.
 */

export const REPORT_LANGS = ['ja', 'en'] as const;
export type ReportLang = (typeof REPORT_LANGS)[number];

export const REPORT_FORMATS = ['pdf', 'pptx', 'md', 'html', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export type Recommendation = 'go' | 'not-yet' | 'no-go';

/** Mean and sample standard deviation (n − 1) of one metric over runs; sd is null for a single run. */
export interface Stat {
  mean: number;
  sd: number | null;
  n: number;
}

export interface GateConditionView {
  /** A gate condition of the catalog, or the report's own advisory 'ce-learned'. */
  id: GateConditionId | 'ce-learned';
  label: string;
  holds: boolean;
  detail: string;
  /** Not part of the stage's gate: shown as evidence that the experiment can show the effect at all. */
  advisory: boolean;
}

export interface DecisionSection {
  recommendation: Recommendation;
  /** Localized "Go" / "Not yet" / "No-go". */
  recommendationLabel: string;
  /** The stage whose gate is judged: the active one, or the last when all have passed. */
  stage: StageName;
  stageLabel: string;
  /** Where the gate logic came from (the shared evaluator in main/services, or this module). */
  gateSource: 'services';
  conditions: GateConditionView[];
  risk: string;
  cost: string;
  next: string;
}

export interface StageView {
  stage: StageName;
  label: string;
  status: 'locked' | 'active' | 'passed';
  statusLabel: string;
  thresholds: { maxAsr: number; maxBleuDrop: number; minRunsPerLoss: number };
  decision: 'pass' | 'override' | null;
  decisionLabel: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionReason: string | null;
  runCount: number;
}

export interface ChecklistView {
  stage: StageName;
  stageLabel: string;
  text: string;
  done: boolean;
  doneBy: string | null;
  doneAt: string | null;
  note: string | null;
}

export interface DatasetView {
  id: number;
  name: string;
  source: string;
  sourcePath: string | null;
  sha256: string;
  counts: Record<string, number>;
  runIds: number[];
}

export interface WorkSection {
  stages: StageView[];
  checklist: ChecklistView[];
  datasets: DatasetView[];
  /** Localized attack descriptions actually used by runs, e.g. "BadPre (trigger 'cf')". */
  attacks: string[];
  /** Localized scenario labels, as in the results. */
  scenarios: string[];
  runCounts: { total: number; finished: number; unfinished: number };
  note: string | null;
}

export interface ResultRow {
  /** Loss variant key, e.g. 'ce' or 'dece|0.05|0.9'. */
  key: string;
  loss: string;
  label: string;
  n: number;
  seeds: number[];
  runIds: number[];
  bleu: Stat;
  /** null: not measured (no `extra.codeBleu` in these runs' epochs). */
  codeBleu: Stat | null;
  exactMatch: Stat;
  asr: Stat;
}

export interface DiffRow {
  /** e.g. "DeCE − CE". */
  label: string;
  bleu: number;
  codeBleu: number | null;
  exactMatch: number;
  asr: number;
}

export interface ScenarioResult {
  key: string;
  label: string;
  rows: ResultRow[];
  diffs: DiffRow[];
  /** Runs of this scenario left out because they did not finish. */
  unfinished: number;
}

export interface ResultsSection {
  scenarios: ScenarioResult[];
  /** Whether any scenario has CodeBLEU (decides whether the column is shown). */
  codeBleuMeasured: boolean;
  note: string | null;
}

export interface CurvePoint {
  epoch: number;
  bleu: number;
  asr: number;
  /** Runs averaged at this epoch. */
  n: number;
}

export interface CurveSeries {
  key: string;
  loss: string;
  label: string;
  points: CurvePoint[];
}

export interface EarlyLearningSection {
  scenarioLabel: string | null;
  series: CurveSeries[];
  /** One sentence reading the chart (what happened to ASR and BLEU epoch by epoch). */
  reading: string | null;
  note: string | null;
}

export interface CostRow {
  key: string;
  label: string;
  runs: number;
  secondsPerEpoch: Stat;
  secondsPerRun: Stat;
}

export interface DefenseCost {
  label: string;
  runs: number;
  secondsPerRun: Stat;
  /** Relative extra time against CE's seconds per run (0.25 = +25%); null without a CE baseline. */
  extraOverCe: number | null;
}

export interface CostSection {
  scenarioLabel: string | null;
  rows: CostRow[];
  /** DeCE's seconds per epoch over CE's, minus 1 (0.05 = 5% slower); null when not both measured. */
  deceOverCe: number | null;
  summary: string | null;
  defenses: DefenseCost[];
  defensesNote: string;
  note: string | null;
}

export interface SensitivityRow {
  labelSmoothing: number;
  alphaBase: number;
  runs: number;
  bleu: Stat;
  asr: Stat;
}

export interface CaveatsSection {
  labelSmoothingValues: number[];
  alphaBaseValues: number[];
  sensitivity: SensitivityRow[];
  sensitivityText: string;
  attacksTested: string[];
  attacksUntested: string[];
  attacksText: string;
  adaptiveText: string;
  other: string[];
}

export interface EpochView {
  epoch: number;
  bleu: number;
  corpusBleu: number;
  exactMatch: number;
  asr: number;
  trainLoss: number;
  seconds: number;
  codeBleu: number | null;
  /** Every other numeric metric the engine recorded (poisonedRowLoss, cleanRowLoss, …). */
  extra: Record<string, number | null>;
}

export interface RunView {
  id: number;
  name: string;
  stage: StageName;
  stageLabel: string;
  loss: string;
  lossLabel: string;
  status: string;
  statusLabel: string;
  seed: number | null;
  attack: string | null;
  poisonRate: number | null;
  scenario: string | null;
  backend: string;
  datasetId: number | null;
  datasetName: string | null;
  tags: string[];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  epochs: EpochView[];
  /** Pretty-printed stored config (as stored, even when it no longer parses). */
  configJson: string;
  configValid: boolean;
  /** App, engine and TensorFlow.js versions the run last started with; null before they were recorded. */
  versions: { app: string; engine: string; tfjs: string } | null;
  /** The command that reproduces the run, or null when no CLI can (see commandNote). */
  command: string | null;
  commandNote: string | null;
}

export interface AppendixSection {
  versions: { app: string; node: string; tfjs: string; schema: number; platform: string };
  backends: string[];
  note: string;
}

/** The Production stage's records, as they stand (sign-offs, steps and probes oldest first). */
export interface ProductionSection {
  hyperparameters: { labelSmoothing: number; alphaBase: number; ignoreIndex: number | null; source: string; fixedBy: string; fixedAt: string } | null;
  rollbackPlan: { text: string; writtenBy: string; writtenAt: string } | null;
  switchSteps: { percent: number; check: string; outcome: 'passed' | 'failed'; actor: string; at: string }[];
  signOffs: { name: string; role: string; decision: 'go' | 'no-go'; comment: string; actor: string; at: string; current: boolean }[];
  probes: {
    id: number;
    attack: string;
    source: 'model' | 'csv';
    sourceName: string;
    triggeredCount: number;
    asr: number;
    maxAsr: number;
    cleanBleu: number | null;
    passed: boolean;
    reopened: boolean;
    actor: string;
    at: string;
  }[];
}

/** One audit-log entry as the report shows it: the action already in the report's language. */
export interface HistoryEntryView {
  at: string;
  actor: string;
  what: string;
  before: string | null;
  after: string | null;
  reason: string | null;
}

export interface ReportData {
  lang: ReportLang;
  generatedAt: string;
  /** IANA zone the dates are shown in. */
  timeZone: string;
  title: string;
  project: { id: number; name: string; description: string; createdAt: string };
  decision: DecisionSection;
  work: WorkSection;
  production: ProductionSection;
  results: ResultsSection;
  earlyLearning: EarlyLearningSection;
  cost: CostSection;
  caveats: CaveatsSection;
  phrases: string[];
  appendix: AppendixSection;
  /** The project's audit trail, newest first (every entry; renderers with little room show the newest). */
  history: HistoryEntryView[];
  /** Every run of the project, with every recorded epoch (the CSV and the appendix). */
  runs: RunView[];
  datasets: DatasetView[];
}
