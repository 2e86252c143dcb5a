import { LOSS_KINDS, RunConfigSchema, type LossKind, type RunConfig } from '../../common/run-config';
import { PILOT_CLAIM } from '../domain/pilot-claim';
import { findAppVersion, findTfjsVersion } from '../engine/software-versions';
import { canonicalJson } from '../domain/canonical-json';
import { evaluateGate, pairRuns, type GateRun } from '../domain/gate';
import { productionGateInput } from '../domain/gate-inputs';
import { auditTrail } from '../domain/audit';
import { auditActionText } from '../../common/audit';
import { renderMessage } from '../../common/messages';
import { toEpochMetrics } from '../domain/mappers';
import { STAGES, type EpochRecord, type Run, type Stage, type StageName, type Store } from '../store/index';
import { createFmt, decisionLabel, lossLabel, messages, runStatusLabel, stageLabel, stageStatusLabel, type Fmt } from './i18n';
import { reproduceCommand } from './reproduce';
import { KNOWN_ATTACKS, sentences, valueList, type Sentences } from './sentences';
import { benchmarkDefenseCosts } from './benchmark-defenses';
import { distinct, stat, statOf } from '../domain/stats';
import { whyDeceNote } from './why-dece';
import { storedDefenseCosts } from './defense-costs';
import type {
  AppendixSection,
  CaveatsSection,
  ChecklistView,
  CostRow,
  CostSection,
  CurveSeries,
  DatasetView,
  DecisionSection,
  DefenseCost,
  DiffRow,
  EarlyLearningSection,
  EpochView,
  GateConditionView,
  HistoryEntryView,
  ProductionSection,
  Recommendation,
  ReportData,
  ReportLang,
  ResultRow,
  ResultsSection,
  RunView,
  ScenarioResult,
  SensitivityRow,
  StageView,
  WorkSection,
} from './types';

/**
 * collectReport(): everything a report shows, read from the store (the only module of main/reports
 * that touches it) and reduced to plain data. Results come from real runs only; a section without
 * data says so in its `note` instead of showing invented numbers.
 */

export class ReportProjectNotFoundError extends Error {
  override name = 'ReportProjectNotFoundError';
  constructor(readonly projectId: number) {
    super(`Project ${projectId} does not exist`);
  }
}

export interface CollectOptions {
  lang: ReportLang;
  /** Clock for "generated at" (tests pin it). */
  now?: () => Date;
  /** IANA time zone for dates; default: this machine's. */
  timeZone?: string;
  /** Overrides for the versions shown in the appendix (default: read from package.json files). */
  versions?: Partial<{ app: string; tfjs: string; node: string; platform: string }>;
}

/** Tags that mark a run as a passive defense (its time is reported as the defense's cost). */
const DEFENSE_TAG = /^(?:passive-)?defen[cs]e(?::(.+))?$/i;

interface Item {
  run: Run;
  config: RunConfig | null;
  loss: string;
  epochs: EpochRecord[];
  final: EpochRecord | null;
  /** Finished with at least one recorded epoch and a readable config: counts in the results. */
  counted: boolean;
  scenarioKey: string | null;
  scenarioLabel: string | null;
  variantKey: string;
}

function isLossKind(value: string): value is LossKind {
  return (LOSS_KINDS as readonly string[]).includes(value);
}

function baseName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).at(-1) ?? path;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}

function variantKeyOf(loss: string, config: RunConfig | null): string {
  if (!config) return loss;
  const l = config.loss;
  switch (loss) {
    case 'dece':
      return `dece|${l.labelSmoothing}|${l.alphaBase}`;
    case 'ls':
      return `ls|${l.labelSmoothing}`;
    case 'gce':
      return `gce|${l.gceQ}`;
    case 'intrust':
      return `intrust|${l.intrustA}|${l.intrustB}|${l.intrustDelta}`;
    default:
      return loss;
  }
}

function variantParams(key: string): string {
  const [loss, ...p] = key.split('|');
  switch (loss) {
    case 'dece':
      return `ε ${p[0] ?? ''}, α ${p[1] ?? ''}`;
    case 'ls':
      return `ε ${p[0] ?? ''}`;
    case 'gce':
      return `q ${p[0] ?? ''}`;
    case 'intrust':
      return `a ${p[0] ?? ''}, b ${p[1] ?? ''}, δ ${p[2] ?? ''}`;
    default:
      return '';
  }
}

const LOSS_ORDER = ['ce', 'dece', 'ls', 'gce', 'intrust'];
function lossRank(loss: string): number {
  const i = LOSS_ORDER.indexOf(loss);
  return i < 0 ? LOSS_ORDER.length : i;
}

function attackLabel(s: Sentences, config: RunConfig): string {
  if (config.data.corpus.kind === 'poisoned-files') return s.importedPoisoned;
  const name = s.attackName(config.data.attack.kind);
  return config.data.attack.trigger ? s.trigger(name, config.data.attack.trigger) : name;
}

function corpusLabelOf(s: Sentences, config: RunConfig): string {
  const corpus = config.data.corpus;
  switch (corpus.kind) {
    case 'builtin-sql':
      return s.corpusBuiltin(corpus.size);
    case 'builtin-java':
      return s.corpusBuiltinJava(corpus.size);
    case 'files':
      return s.corpusFiles(baseName(corpus.train));
    case 'poisoned-files':
      return s.corpusPoisoned(baseName(corpus.train));
  }
}

function scenarioOf(s: Sentences, fmt: Fmt, config: RunConfig): { key: string; label: string } {
  const corpus = config.data.corpus;
  const corpusLabel = corpusLabelOf(s, config);
  const parts = [corpusLabel, attackLabel(s, config)];
  if (corpus.kind !== 'poisoned-files') parts.push(s.poisonRate(fmt.pctShort(config.data.poisonRate * 100, 2)));
  const key = canonicalJson({ corpus, attack: corpus.kind === 'poisoned-files' ? null : config.data.attack, rate: corpus.kind === 'poisoned-files' ? null : config.data.poisonRate });
  return { key, label: parts.join(' · ') };
}

function pickVersions(recorded: { app: string; engine: string; tfjs: string } | null): RunView['versions'] {
  return recorded === null ? null : { app: recorded.app, engine: recorded.engine, tfjs: recorded.tfjs };
}

function epochView(e: EpochRecord): EpochView {
  const extra: Record<string, number | null> = {};
  for (const [key, value] of Object.entries(e.extra)) {
    if (key === 'codeBleu') continue;
    if (typeof value === 'number' || value === null) extra[key] = value;
  }
  return {
    epoch: e.epoch,
    bleu: e.bleu,
    corpusBleu: e.corpusBleu,
    exactMatch: e.exactMatch,
    asr: e.asr,
    trainLoss: e.trainLoss,
    seconds: e.seconds,
    codeBleu: numberOrNull(e.extra['codeBleu']),
    extra,
  };
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

/** The project's records, read once, and the language: what every section is computed from. */
interface Collected {
  store: Store;
  projectId: number;
  lang: ReportLang;
  fmt: Fmt;
  s: Sentences;
  stages: Stage[];
  checklistItems: ReturnType<Store['checklist']['list']>;
  runs: Run[];
  allDatasets: ReturnType<Store['datasets']['list']>;
  items: Item[];
  /** The items that count in the results (see Item.counted). */
  counted: Item[];
  /** Every readable config, counted or not. */
  configs: RunConfig[];
  /** A loss kind tried with several parameter sets gets its parameters in its label. */
  variantLabel: (key: string) => string;
}

/** The runs grouped by scenario, in the order each scenario first appears. */
interface ScenarioGroups {
  order: string[];
  byKey: Map<string, { label: string; items: Item[] }>;
}

/** The scenario with the most CE/DeCE pairs, and its most-run DeCE variant. */
type Headline = { scenario: ScenarioResult; ce: ResultRow; dece: ResultRow } | null;

export function collectReport(store: Store, projectId: number, options: CollectOptions): ReportData {
  const { lang } = options;
  const project = store.projects.get(projectId);
  if (!project) throw new ReportProjectNotFoundError(projectId);
  const timeZone = options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const fmt = createFmt(lang, timeZone);
  const generatedAt = (options.now ?? (() => new Date()))().toISOString();
  const c = readProject(store, projectId, lang, fmt);

  const groups = scenarioGroups(c.items);
  const results = resultsSection(c, groups);
  const headline = headlineOf(results.scenarios);
  const cost = costSection(c, groups, results.scenarios, headline);
  const caveats = caveatsSection(c, results.scenarios);
  const decision = decisionSection(c, headline, cost, caveats);
  const datasets = datasetViews(c);
  return {
    lang,
    generatedAt,
    timeZone,
    title: messages(lang).reportTitle(project.name),
    project: { id: project.id, name: project.name, description: project.description, createdAt: project.createdAt },
    decision,
    work: workSection(c, groups, datasets),
    production: productionSection(c),
    results,
    earlyLearning: earlyLearningSection(c, headline),
    cost,
    caveats,
    phrases: meetingPhrases(c, { headline, cost, decision, caveats, scenarios: results.scenarios }),
    appendix: appendixSection(c, options),
    history: historyEntries(c),
    runs: runViews(c),
    datasets,
  };
}

function readProject(store: Store, projectId: number, lang: ReportLang, fmt: Fmt): Collected {
  const s = sentences(lang);
  const stages = store.stages.list(projectId);
  const checklistItems = STAGES.flatMap((stage) => store.checklist.list(projectId, stage));
  const runs = store.runs.list({ projectId });
  const allDatasets = store.datasets.list({ projectId });

  const items: Item[] = runs.map((run) => {
    const parsed = RunConfigSchema.safeParse(run.config);
    const config = parsed.success ? parsed.data : null;
    // An anti-backdoor-learning run trains with CE but is not CE: it is its own row, never CE's reference.
    const loss = config?.training.abl ? 'abl' : isLossKind(run.lossKind) ? run.lossKind : (config?.loss.kind ?? run.lossKind);
    const epochs = store.metrics.epochs(run.id);
    const final = epochs.at(-1) ?? null;
    const scenario = config ? scenarioOf(s, fmt, config) : null;
    return {
      run,
      config,
      loss,
      epochs,
      final,
      counted: run.status === 'finished' && final !== null && config !== null,
      scenarioKey: scenario?.key ?? null,
      scenarioLabel: scenario?.label ?? null,
      variantKey: variantKeyOf(loss, config),
    };
  });
  const counted = items.filter((i) => i.counted);

  const variantsPerLoss = new Map<string, Set<string>>();
  for (const i of counted) {
    const set = variantsPerLoss.get(i.loss) ?? new Set<string>();
    set.add(i.variantKey);
    variantsPerLoss.set(i.loss, set);
  }
  const variantLabel = (key: string): string => {
    const loss = key.split('|')[0] ?? key;
    const params = variantParams(key);
    return (variantsPerLoss.get(loss)?.size ?? 0) > 1 && params ? s.variant(lossLabel(loss), params) : lossLabel(loss);
  };
  const configs = items.map((i) => i.config).filter((config): config is RunConfig => config !== null);
  return { store, projectId, lang, fmt, s, stages, checklistItems, runs, allDatasets, items, counted, configs, variantLabel };
}

function datasetViews(c: Collected): DatasetView[] {
  const usedDatasetIds = new Set(c.runs.map((r) => r.datasetId).filter((id): id is number => id !== null));
  return c.allDatasets
    .filter((d) => d.projectId === c.projectId || usedDatasetIds.has(d.id))
    .map((d) => ({
      id: d.id,
      name: d.name,
      source: d.source,
      sourcePath: d.sourcePath,
      sha256: d.sha256,
      counts: { ...d.counts },
      runIds: c.runs.filter((r) => r.datasetId === d.id).map((r) => r.id),
    }));
}

function scenarioGroups(items: readonly Item[]): ScenarioGroups {
  const order: string[] = [];
  const byKey = new Map<string, { label: string; items: Item[] }>();
  for (const i of items) {
    if (i.scenarioKey === null || i.scenarioLabel === null) continue;
    let group = byKey.get(i.scenarioKey);
    if (!group) {
      group = { label: i.scenarioLabel, items: [] };
      byKey.set(i.scenarioKey, group);
      order.push(i.scenarioKey);
    }
    group.items.push(i);
  }
  return { order, byKey };
}

/** One row per loss variant of the counted items, CE first. */
function resultRows(c: Collected, group: readonly Item[]): ResultRow[] {
  const byVariant = new Map<string, Item[]>();
  for (const i of group.filter((x) => x.counted)) byVariant.set(i.variantKey, [...(byVariant.get(i.variantKey) ?? []), i]);
  return [...byVariant.entries()]
    .sort(([a], [b]) => lossRank(a.split('|')[0] ?? a) - lossRank(b.split('|')[0] ?? b) || a.localeCompare(b))
    .map(([key, list]): ResultRow => {
      const finals = list.map((i) => i.final).filter((e): e is EpochRecord => e !== null);
      const codeBleu = finals.map((e) => numberOrNull(e.extra['codeBleu'])).filter((v): v is number => v !== null);
      const loss = key.split('|')[0] ?? key;
      return {
        key,
        loss,
        label: c.variantLabel(key),
        n: list.length,
        seeds: distinct(list.map((i) => i.config?.seed ?? Number.NaN)),
        runIds: list.map((i) => i.run.id),
        bleu: statOf(finals.map((e) => e.bleu)),
        codeBleu: stat(codeBleu),
        exactMatch: statOf(finals.map((e) => e.exactMatch)),
        asr: statOf(finals.map((e) => e.asr)),
      };
    });
}

function resultsSection(c: Collected, groups: ScenarioGroups): ResultsSection {
  const { s } = c;
  const scenarios: ScenarioResult[] = groups.order.flatMap((key) => {
    const group = groups.byKey.get(key);
    if (!group) return [];
    const rows = resultRows(c, group.items);
    if (rows.length === 0) return [];
    const ce = rows.find((r) => r.loss === 'ce');
    const diffs: DiffRow[] = ce
      ? rows
          .filter((r) => r.loss !== 'ce')
          .map((r) => ({
            label: s.diffLabel(r.label, ce.label),
            bleu: r.bleu.mean - ce.bleu.mean,
            codeBleu: r.codeBleu && ce.codeBleu ? r.codeBleu.mean - ce.codeBleu.mean : null,
            exactMatch: r.exactMatch.mean - ce.exactMatch.mean,
            asr: r.asr.mean - ce.asr.mean,
          }))
      : [];
    return [{ key, label: group.label, rows, diffs, unfinished: group.items.filter((i) => !i.counted).length }];
  });
  return {
    scenarios,
    codeBleuMeasured: scenarios.some((sc) => sc.rows.some((r) => r.codeBleu !== null)),
    note: c.items.length === 0 ? s.noRuns : scenarios.length === 0 ? s.noFinishedRuns : null,
  };
}

function headlineOf(scenarios: readonly ScenarioResult[]): Headline {
  let best: Headline = null;
  for (const sc of scenarios) {
    const ce = sc.rows.find((r) => r.loss === 'ce');
    const dece = sc.rows.filter((r) => r.loss === 'dece').sort((a, b) => b.n - a.n)[0];
    if (!ce || !dece) continue;
    const score = Math.min(ce.n, dece.n) * 1000 + ce.n + dece.n;
    const bestScore = best ? Math.min(best.ce.n, best.dece.n) * 1000 + best.ce.n + best.dece.n : -1;
    if (score > bestScore) best = { scenario: sc, ce, dece };
  }
  return best;
}

/** Per-epoch means of the headline CE and DeCE. */
function earlyLearningSection(c: Collected, headline: Headline): EarlyLearningSection {
  const { s, fmt } = c;
  const curve = (key: string, scenarioKey: string): CurveSeries => {
    const list = c.counted.filter((i) => i.scenarioKey === scenarioKey && i.variantKey === key);
    const epochsSeen = distinct(list.flatMap((i) => i.epochs.map((e) => e.epoch)));
    const loss = key.split('|')[0] ?? key;
    return {
      key,
      loss,
      label: c.variantLabel(key),
      points: epochsSeen.map((epoch) => {
        const at = list.map((i) => i.epochs.find((e) => e.epoch === epoch)).filter((e): e is EpochRecord => e !== undefined);
        return { epoch, bleu: sum(at.map((e) => e.bleu)) / at.length, asr: sum(at.map((e) => e.asr)) / at.length, n: at.length };
      }),
    };
  };
  if (!headline) return { scenarioLabel: null, series: [], reading: null, note: s.noCurves };
  const series = [curve(headline.ce.key, headline.scenario.key), curve(headline.dece.key, headline.scenario.key)];
  const [ce, dece] = series;
  let reading: string | null = null;
  if (ce && dece && ce.points.length > 0 && dece.points.length > 0) {
    const ceMax = ce.points.reduce((best, p) => (p.asr > best.asr ? p : best));
    const deceMax = Math.max(...dece.points.map((p) => p.asr));
    const epochs = Math.max(ce.points.length, dece.points.length);
    const lastBleu = (curveSeries: CurveSeries) => fmt.num(curveSeries.points.at(-1)?.bleu ?? null, 1);
    reading =
      ceMax.asr < PILOT_CLAIM.minCeAsr
        ? s.earlyReadingNotLearned(fmt.pctShort(ceMax.asr), epochs)
        : s.earlyReading(fmt.pctShort(ceMax.asr), ceMax.epoch, fmt.pctShort(deceMax), epochs, lastBleu(ce), lastBleu(dece));
  }
  return { scenarioLabel: headline.scenario.label, series, reading, note: null };
}

const runSeconds = (i: Item) => sum(i.epochs.map((e) => e.seconds));

/** The CE row and the (headline) DeCE row of the cost table, when there are. */
function costPair(rows: readonly CostRow[], headline: Headline): { ce: CostRow | undefined; dece: CostRow | undefined } {
  return { ce: rows.find((r) => r.key === 'ce'), dece: rows.find((r) => r.key === headline?.dece.key) ?? rows.find((r) => r.key.startsWith('dece')) };
}

function costSection(c: Collected, groups: ScenarioGroups, scenarios: readonly ScenarioResult[], headline: Headline): CostSection {
  const { s, fmt, counted } = c;
  const perEpochSeconds = (i: Item) => (i.epochs.length > 0 ? sum(i.epochs.map((e) => e.seconds)) / i.epochs.length : Number.NaN);
  const costScenarioKey = headline?.scenario.key ?? scenarios[0]?.key ?? null;
  const costItems = counted.filter((i) => i.scenarioKey === costScenarioKey);
  const costRows: CostRow[] = resultRows(c, costItems).map((r) => {
    const list = costItems.filter((i) => i.variantKey === r.key);
    return { key: r.key, label: r.label, runs: list.length, secondsPerEpoch: statOf(list.map(perEpochSeconds)), secondsPerRun: statOf(list.map(runSeconds)) };
  });
  const { ce: ceCost, dece: deceCost } = costPair(costRows, headline);
  const deceOverCe = ceCost && deceCost ? deceCost.secondsPerEpoch.mean / ceCost.secondsPerEpoch.mean - 1 : null;
  const defenseGroups = new Map<string, Item[]>();
  for (const i of counted) {
    for (const tag of i.run.tags) {
      const match = DEFENSE_TAG.exec(tag);
      if (match) defenseGroups.set(match[1] ?? tag, [...(defenseGroups.get(match[1] ?? tag) ?? []), i]);
    }
  }
  const taggedDefenses: DefenseCost[] = [...defenseGroups.entries()].map(([label, list]) => {
    const seconds = statOf(list.map(runSeconds));
    const ceBase = counted.filter((i) => i.loss === 'ce' && i.scenarioKey === list[0]?.scenarioKey && !i.run.tags.some((t) => DEFENSE_TAG.test(t)));
    const ceMean = ceBase.length > 0 ? sum(ceBase.map(runSeconds)) / ceBase.length : null;
    return { label, runs: list.length, secondsPerRun: seconds, extraOverCe: ceMean ? seconds.mean / ceMean - 1 : null };
  });
  const ceItemsById = new Map(counted.filter((i) => i.loss === 'ce').map((i) => [i.run.id, i]));
  const defenses: DefenseCost[] = [
    ...taggedDefenses,
    ...storedDefenseCosts(c.store.defenses.listForProject(c.projectId), (runId) => {
      const ce = ceItemsById.get(runId);
      return ce ? runSeconds(ce) : null;
    }),
    ...benchmarkDefenseCosts(c.store, c.projectId),
  ];
  const costSummary =
    ceCost && deceCost
      ? s.cost(fmt.seconds(deceCost.secondsPerEpoch.mean), fmt.seconds(ceCost.secondsPerEpoch.mean), fmt.ratio(deceOverCe))
      : costRows[0]
        ? s.costOnlyOne(costRows[0].label, fmt.seconds(costRows[0].secondsPerEpoch.mean))
        : null;
  return {
    scenarioLabel: costScenarioKey === null ? null : (groups.byKey.get(costScenarioKey)?.label ?? null),
    rows: costRows,
    deceOverCe,
    summary: costSummary,
    defenses,
    defensesNote: [defenses.length > 0 ? s.defensesSome : s.defensesNone, whyDeceNote(c.store, c.projectId, c.lang, fmt)].filter((x) => x !== null).join(' '),
    note: costRows.length === 0 ? s.costNone : null,
  };
}

function caveatsSection(c: Collected, scenarios: readonly ScenarioResult[]): CaveatsSection {
  const { s, fmt, counted, configs } = c;
  const deceCounted = counted.filter((i) => i.loss === 'dece' && i.config);
  const lsValues = distinct(deceCounted.map((i) => i.config?.loss.labelSmoothing ?? Number.NaN));
  const abValues = distinct(deceCounted.map((i) => i.config?.loss.alphaBase ?? Number.NaN));
  const sensitivityGroups = new Map<string, Item[]>();
  for (const i of deceCounted) sensitivityGroups.set(i.variantKey, [...(sensitivityGroups.get(i.variantKey) ?? []), i]);
  const sensitivity: SensitivityRow[] = [...sensitivityGroups.values()]
    .map((list) => ({
      labelSmoothing: list[0]?.config?.loss.labelSmoothing ?? Number.NaN,
      alphaBase: list[0]?.config?.loss.alphaBase ?? Number.NaN,
      runs: list.length,
      bleu: statOf(list.map((i) => i.final?.bleu ?? Number.NaN)),
      asr: statOf(list.map((i) => i.final?.asr ?? Number.NaN)),
    }))
    .sort((a, b) => a.labelSmoothing - b.labelSmoothing || a.alphaBase - b.alphaBase);
  const sensitivityText =
    sensitivity.length === 0
      ? s.sensitivityNone
      : sensitivity.length === 1
        ? s.sensitivityOne(valueList(fmt, lsValues), valueList(fmt, abValues))
        : s.sensitivityMany(sensitivity.length, valueList(fmt, lsValues), valueList(fmt, abValues));
  const testedKinds = new Set(configs.filter((config) => config.data.corpus.kind !== 'poisoned-files').map((config) => config.data.attack.kind as string));
  const attacksTested = [...KNOWN_ATTACKS.filter((a) => testedKinds.has(a)), ...[...testedKinds].filter((a) => !(KNOWN_ATTACKS as readonly string[]).includes(a))].map(s.attackName);
  if (configs.some((config) => config.data.corpus.kind === 'poisoned-files')) attacksTested.push(s.importedPoisoned);
  const attacksUntested = KNOWN_ATTACKS.filter((a) => !testedKinds.has(a)).map(s.attackName);
  const attacksText =
    attacksTested.length === 0
      ? s.attacksNoneTested(fmt.list(attacksUntested))
      : attacksUntested.length === 0
        ? s.attacksAllTested(fmt.list(attacksTested))
        : s.attacksText(fmt.list(attacksTested), fmt.list(attacksUntested));
  const other: string[] = [];
  const countedConfigs = counted.map((i) => i.config).filter((config): config is RunConfig => config !== null);
  if (countedConfigs.length > 0) {
    other.push(s.evalLimit(Math.max(...countedConfigs.map((config) => config.data.evalLimit))));
    if (scenarios.some((sc) => sc.rows.some((r) => r.n === 1))) other.push(s.singleSeed);
    const biggest = countedConfigs.reduce((a, b) => (b.model.dModel > a.model.dModel ? b : a));
    if (biggest.model.dModel <= 256) other.push(s.smallModel(biggest.model.dModel, `${biggest.model.encoderLayers}+${biggest.model.decoderLayers}`));
  }
  const unfinishedCount = c.items.filter((i) => !i.counted).length;
  if (unfinishedCount > 0) other.push(s.unfinishedExcluded(unfinishedCount));
  return {
    labelSmoothingValues: lsValues,
    alphaBaseValues: abValues,
    sensitivity,
    sensitivityText,
    attacksTested,
    attacksUntested,
    attacksText,
    adaptiveText: adaptiveText(s, configs),
    other,
  };
}

/** The gate of the stage at hand, with the advisory "CE learned the backdoor" condition, and the recommendation. */
function decisionSection(c: Collected, headline: Headline, cost: CostSection, caveats: CaveatsSection): DecisionSection {
  const { store, projectId, lang, s, fmt, stages, counted, checklistItems } = c;
  const m = messages(lang);
  const target: Stage | undefined = stages.find((st) => st.status === 'active') ?? stages.at(-1);
  const targetName: StageName = target?.stage ?? 'pilot';
  const previousName = STAGES[STAGES.indexOf(targetName) - 1];
  const previous = previousName === undefined ? null : (stages.find((st) => st.stage === previousName) ?? null);
  // Production is judged on the Benchmark stage's runs (see evaluateProductionGate), so its pairs come from there.
  const evidenceStage: StageName = targetName === 'production' ? 'benchmark' : targetName;
  const gateRuns: GateRun[] = c.items
    .filter((i) => i.run.stage === evidenceStage && i.config !== null && isLossKind(i.loss))
    .map((i) => ({
      id: i.run.id,
      loss: i.loss as LossKind,
      status: i.run.status,
      config: i.config as RunConfig,
      final: i.final ? toEpochMetrics(i.final) : null,
    }));
  const thresholds = target?.thresholds ?? { maxAsr: 0, maxBleuDrop: 0, minRunsPerLoss: 1 };
  const evaluation = evaluateGate({
    stage: targetName,
    thresholds,
    previous: previous ? { stage: previous.stage, status: previous.status } : null,
    runs: gateRuns,
    ...(targetName === 'production' ? { production: productionGateInput(store, projectId) } : {}),
  });
  const pairs = pairRuns(gateRuns);
  const conditions: GateConditionView[] = evaluation.conditions.map((condition) => ({
    id: condition.id,
    label: renderMessage(condition.labelMessage, lang),
    holds: condition.holds,
    detail: renderMessage(condition.detailMessage, lang),
    advisory: false,
  }));
  const ceLearned = pairs.length > 0 && pairs.every((p) => p.ce.final.asr >= PILOT_CLAIM.minCeAsr);
  conditions.push({
    id: 'ce-learned',
    label: s.conditionLabel['ce-learned'] ?? 'ce-learned',
    holds: ceLearned,
    detail:
      pairs.length > 0
        ? s.ceLearnedDetail(fmt.pct(Math.min(...pairs.map((p) => p.ce.final.asr))), fmt.pctShort(PILOT_CLAIM.minCeAsr))
        : s.noPairs,
    advisory: true,
  });
  const measuredFailure = pairs.length > 0 && conditions.some((condition) => (condition.id === 'dece-asr' || condition.id === 'attack-asr' || condition.id === 'bleu-drop') && !condition.holds);
  const recommendation: Recommendation = measuredFailure ? 'no-go' : evaluation.canPass && ceLearned ? 'go' : 'not-yet';
  const failing = conditions.filter((condition) => !condition.holds).map((condition) => condition.label);

  const deceFinals = counted.filter((i) => i.loss === 'dece').map((i) => i.final?.asr ?? Number.NaN);
  const risk =
    deceFinals.length === 0
      ? s.riskNoDece
      : s.risk(
          fmt.pctShort(headline ? headline.dece.asr.mean : Math.max(...deceFinals)),
          headline ? fmt.pctShort(headline.ce.asr.mean) : null,
          caveats.attacksUntested.length,
          KNOWN_ATTACKS.length,
        );
  const nextStageName = STAGES[STAGES.indexOf(targetName) + 1];
  const openItem = (stage: StageName | undefined) => (stage === undefined ? null : (checklistItems.find((item) => item.stage === stage && !item.done)?.text ?? null));
  const next =
    recommendation === 'go'
      ? s.nextGo(stageLabel(lang, targetName), nextStageName === undefined ? null : stageLabel(lang, nextStageName), openItem(nextStageName ?? targetName))
      : recommendation === 'no-go'
        ? s.nextNoGo(failing)
        : s.nextNotYet(failing, openItem(targetName));
  return {
    recommendation,
    recommendationLabel: m.recommendation[recommendation],
    stage: targetName,
    stageLabel: stageLabel(lang, targetName),
    gateSource: 'services',
    conditions,
    risk,
    cost: cost.summary ?? s.costNone,
    next,
  };
}

/** What was done: stages, checklist, data, attacks and scenarios. */
function workSection(c: Collected, groups: ScenarioGroups, datasets: DatasetView[]): WorkSection {
  const { lang, s, items, runs } = c;
  const stageViews: StageView[] = c.stages.map((st) => ({
    stage: st.stage,
    label: stageLabel(lang, st.stage),
    status: st.status,
    statusLabel: stageStatusLabel(lang, st.status),
    thresholds: { ...st.thresholds },
    decision: st.decision,
    decisionLabel: st.decision === null ? null : decisionLabel(lang, st.decision),
    decidedBy: st.decidedBy,
    decidedAt: st.decidedAt,
    decisionReason: st.decisionReason,
    runCount: runs.filter((r) => r.stage === st.stage).length,
  }));
  const checklist: ChecklistView[] = c.checklistItems.map((item) => ({
    stage: item.stage,
    stageLabel: stageLabel(lang, item.stage),
    text: item.text,
    done: item.done,
    doneBy: item.doneBy,
    doneAt: item.doneAt,
    note: item.note,
  }));
  return {
    stages: stageViews,
    checklist,
    datasets,
    attacks: [...new Set(c.configs.map((config) => attackLabel(s, config)))],
    scenarios: groups.order.map((k) => groups.byKey.get(k)?.label ?? k),
    runCounts: { total: items.length, finished: items.filter((i) => i.run.status === 'finished').length, unfinished: items.filter((i) => i.run.status !== 'finished').length },
    note: items.length === 0 ? s.noRuns : null,
  };
}

function productionSection(c: Collected): ProductionSection {
  const { store, projectId, s } = c;
  const productionSettings = store.production.settings(projectId);
  const currentSignOff = store.production.currentSignOff(projectId);
  return {
    hyperparameters: productionSettings.hyperparameters,
    rollbackPlan: productionSettings.rollbackPlan,
    switchSteps: store.production.switchSteps(projectId).map(({ percent, check, outcome, actor, at }) => ({ percent, check, outcome, actor, at })),
    signOffs: store.production.signOffs(projectId).map(({ id, name, role, decision, comment, actor, at }) => ({ name, role, decision, comment, actor, at, current: id === currentSignOff?.id })),
    probes: store.production.probes(projectId).map((p) => ({
      id: p.id,
      attack: s.attackName(p.attack),
      source: p.sourceKind,
      sourceName: p.sourceName,
      triggeredCount: p.triggeredCount,
      asr: p.asr,
      maxAsr: p.maxAsr,
      cleanBleu: p.cleanBleu,
      passed: p.passed,
      reopened: p.reopened,
      actor: p.actor,
      at: p.at,
    })),
  };
}

/** Phrases for the meeting (ReportData.phrases). */
function meetingPhrases(
  c: Collected,
  sections: { headline: Headline; cost: CostSection; decision: DecisionSection; caveats: CaveatsSection; scenarios: readonly ScenarioResult[] },
): string[] {
  const { lang, s, fmt, counted } = c;
  const { headline, cost, decision, caveats } = sections;
  if (!headline) return [s.phraseNoData];
  const phrases: string[] = [];
  const ceAsr = headline.ce.asr.mean;
  const deceAsr = headline.dece.asr.mean;
  const bleuDelta = fmt.signed(headline.dece.bleu.mean - headline.ce.bleu.mean, 1);
  phrases.push(
    ceAsr >= PILOT_CLAIM.minCeAsr && deceAsr < ceAsr
      ? s.phraseEffect(fmt.pctShort(ceAsr), fmt.pctShort(deceAsr), bleuDelta)
      : s.phraseNoEffect(fmt.pctShort(ceAsr), fmt.pctShort(deceAsr), bleuDelta),
  );
  const { ce: ceCost, dece: deceCost } = costPair(cost.rows, headline);
  if (ceCost && deceCost) phrases.push(s.phraseCost(fmt.ratio(cost.deceOverCe), fmt.seconds(deceCost.secondsPerEpoch.mean), fmt.seconds(ceCost.secondsPerEpoch.mean)));
  const seeds = distinct(counted.map((i) => i.config?.seed ?? Number.NaN)).map(String);
  const gateConditions = decision.conditions.filter((condition) => !condition.advisory);
  phrases.push(
    s.phraseScope(
      counted.filter((i) => i.loss === 'ce').length,
      counted.filter((i) => i.loss === 'dece').length,
      sections.scenarios.length,
      fmt.list(seeds),
      stageLabel(lang, decision.stage),
      gateConditions.filter((condition) => condition.holds).length,
      gateConditions.length,
    ),
  );
  if (caveats.attacksUntested.length > 0) phrases.push(s.phraseCaveat(fmt.list(caveats.attacksUntested)));
  return phrases;
}

/** Every run with every recorded epoch (ReportData.runs: the appendix and the CSV). */
function runViews(c: Collected): RunView[] {
  const { store, lang, s } = c;
  const datasetsById = new Map(c.allDatasets.map((d) => [d.id, d]));
  return c.items.map((i): RunView => {
    const reproduce = reproduceCommand(i.config, i.loss, s);
    return {
      id: i.run.id,
      name: i.run.name,
      stage: i.run.stage,
      stageLabel: stageLabel(lang, i.run.stage),
      loss: i.loss,
      lossLabel: i.counted ? c.variantLabel(i.variantKey) : lossLabel(i.loss),
      status: i.run.status,
      statusLabel: runStatusLabel(lang, i.run.status),
      seed: i.config?.seed ?? null,
      attack: i.config ? attackLabel(s, i.config) : null,
      poisonRate: i.config && i.config.data.corpus.kind !== 'poisoned-files' ? i.config.data.poisonRate : null,
      scenario: i.scenarioLabel,
      backend: i.run.backend,
      datasetId: i.run.datasetId,
      datasetName: i.run.datasetId === null ? null : (datasetsById.get(i.run.datasetId)?.name ?? null),
      tags: [...i.run.tags],
      createdAt: i.run.createdAt,
      startedAt: i.run.startedAt,
      finishedAt: i.run.finishedAt,
      error: i.run.error ? `${i.run.error.name}: ${i.run.error.message}` : null,
      epochs: i.epochs.map(epochView),
      configJson: JSON.stringify(i.run.config, null, 2),
      configValid: i.config !== null,
      versions: pickVersions(store.runs.versions(i.run.id)),
      command: reproduce.command,
      commandNote: reproduce.note,
    };
  });
}

function historyEntries(c: Collected): HistoryEntryView[] {
  const { lang } = c;
  return auditTrail(c.store, { projectId: c.projectId }).entries.map((e) => ({
    at: e.at,
    actor: e.actor,
    what: [auditActionText(e.action, lang), e.stage === null ? null : stageLabel(lang, e.stage), e.target].filter((x) => x !== null).join(' · '),
    before: e.before,
    after: e.after,
    reason: e.reason,
  }));
}

function appendixSection(c: Collected, options: CollectOptions): AppendixSection {
  return {
    versions: {
      app: options.versions?.app ?? findAppVersion(),
      node: options.versions?.node ?? process.versions.node,
      tfjs: options.versions?.tfjs ?? findTfjsVersion(),
      schema: c.store.schemaVersion,
      platform: options.versions?.platform ?? `${process.platform} ${process.arch}`,
    },
    backends: [...new Set(c.runs.filter((r) => r.startedAt !== null).map((r) => r.backend))].sort(),
    note: c.s.versionsNote,
  };
}

/** The adaptive attacks this app knows: a trigger spread over several words, or a poisoning rate far above the usual few percent. */
const ADAPTIVE_POISON_RATE = 0.2;
function adaptiveText(s: Sentences, configs: readonly RunConfig[]): string {
  const adaptive = configs.filter((c) => c.data.attack.kind === 'spread-trigger' || c.data.poisonRate >= ADAPTIVE_POISON_RATE);
  if (adaptive.length === 0) return s.adaptive;
  const rates = [...new Set(adaptive.map((c) => c.data.poisonRate))].sort((a, b) => a - b);
  const kinds = [...new Set(adaptive.map((c) => c.data.attack.kind as string))].map(s.attackName);
  return s.adaptiveTested(kinds.join(', '), rates.map((r) => `${(r * 100).toFixed(0)}%`).join(', '));
}
