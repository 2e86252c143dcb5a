import { earlyLearningChart, resultsBarChart, type Drawing } from './chart';
import { createFmt, messages, SECTION_IDS, type Fmt, type Messages, type SectionId } from './i18n';
import { sentences } from './sentences';
import type { HistoryEntryView, ReportData, ScenarioResult } from './types';

/**
 * The report as a sequence of sections made of generic blocks (headings, paragraphs, tables, charts,
 * code). Markdown, HTML and PDF render these blocks; the PPTX renderer reuses the tables and charts.
 * Every string here is final text (user text is not escaped yet: each renderer escapes for its format).
 */

export type RowStyle = 'normal' | 'diff' | 'ok' | 'fail';

export interface Table {
  header: string[];
  rows: string[][];
  /** Relative column widths (PDF); default equal. */
  widths?: number[];
  align?: ('left' | 'right' | 'center')[];
  rowStyles?: RowStyle[];
  /** The column coloured by an 'ok' / 'fail' row style. */
  statusColumn?: number;
}

export type Block =
  | { kind: 'heading'; level: 3; text: string }
  | { kind: 'paragraph'; text: string; tone?: 'normal' | 'muted' }
  | { kind: 'recommendation'; recommendation: ReportData['decision']['recommendation']; label: string; text: string }
  | { kind: 'kv'; items: [string, string][]; inline?: boolean }
  | { kind: 'list'; items: string[] }
  | { kind: 'quotes'; items: string[] }
  | { kind: 'table'; table: Table }
  | { kind: 'chart'; drawing: Drawing }
  | { kind: 'code'; text: string };

export interface Section {
  id: SectionId;
  title: string;
  blocks: Block[];
}

export interface ReportDocument {
  title: string;
  subtitle: string;
  sections: Section[];
}

export function gateTable(data: ReportData, m: Messages): Table {
  const d = data.decision;
  return {
    header: [m.condition, m.holds, m.note],
    rows: d.conditions.map((c) => [c.advisory ? `${c.label} ${m.advisory}` : c.label, c.holds ? `✓ ${m.yes}` : `× ${m.no}`, c.detail]),
    widths: [4, 1.4, 4.6],
    rowStyles: d.conditions.map((c) => (c.holds ? 'ok' : 'fail')),
    statusColumn: 1,
  };
}

export function stagesTable(data: ReportData, m: Messages, f: Fmt): Table {
  return {
    header: [m.stage, m.status, m.decision, m.decidedBy, m.decidedAt, m.reason, m.runs, m.thresholds],
    rows: data.work.stages.map((s) => [
      s.label,
      s.statusLabel,
      s.decisionLabel ?? '—',
      s.decidedBy ?? '—',
      f.date(s.decidedAt),
      s.decisionReason ?? '—',
      String(s.runCount),
      m.thresholdsText(f.pctShort(s.thresholds.maxAsr), f.num(s.thresholds.maxBleuDrop, 1), s.thresholds.minRunsPerLoss),
    ]),
    widths: [1.3, 1, 1.2, 1.1, 1.5, 1.6, 0.8, 2.4],
    align: ['left', 'left', 'left', 'left', 'left', 'left', 'right', 'left'],
  };
}

export function checklistTable(data: ReportData, m: Messages, f: Fmt): Table {
  return {
    header: [m.stage, m.item, m.status, m.who, m.when, m.note],
    rows: data.work.checklist.map((c) => [c.stageLabel, c.text, c.done ? `✓ ${m.done}` : m.open, c.doneBy ?? '—', f.date(c.doneAt), c.note ?? '—']),
    widths: [1.2, 3.6, 1, 1.2, 1.5, 1.5],
    rowStyles: data.work.checklist.map((c) => (c.done ? 'ok' : 'normal')),
    statusColumn: 2,
  };
}

function countsText(counts: Record<string, number>, f: Fmt): string {
  return Object.entries(counts)
    .map(([k, v]) => `${k} ${f.num(v, 0)}`)
    .join(', ');
}

export function datasetsTable(data: ReportData, m: Messages, f: Fmt, fullHash: boolean): Table {
  return {
    header: [m.dataset, m.source, 'SHA-256', m.counts, m.runs],
    rows: data.datasets.map((d) => [
      d.name,
      d.sourcePath ? `${d.source}: ${d.sourcePath}` : d.source,
      fullHash ? d.sha256 : `${d.sha256.slice(0, 16)}…`,
      countsText(d.counts, f),
      d.runIds.map((id) => `#${id}`).join(', ') || '—',
    ]),
    widths: fullHash ? [1.4, 1.2, 3.4, 2.2, 0.9] : [1.6, 1.4, 1.8, 2.8, 1],
  };
}

export function resultsTable(sc: ScenarioResult, data: ReportData, m: Messages, f: Fmt): Table {
  const withCode = data.results.codeBleuMeasured;
  const header = [m.loss, m.n, m.seeds, m.bleu, ...(withCode ? [m.codeBleu] : []), m.exactMatch, m.asr];
  const rows = sc.rows.map((r) => [
    r.label,
    String(r.n),
    r.seeds.join(', '),
    f.stat(r.bleu, 2),
    ...(withCode ? [r.codeBleu ? f.stat(r.codeBleu, 2) : m.notMeasured] : []),
    f.stat(r.exactMatch, 1, '%'),
    f.stat(r.asr, 1, '%'),
  ]);
  const diffs = sc.diffs.map((d) => [
    d.label,
    '',
    '',
    f.signed(d.bleu, 2),
    ...(withCode ? [d.codeBleu === null ? m.notMeasured : f.signed(d.codeBleu, 2)] : []),
    `${f.signed(d.exactMatch, 1)}%`,
    `${f.signed(d.asr, 1)}%`,
  ]);
  const numeric = header.map((_, i) => (i === 0 || i === 2 ? 'left' : 'right'));
  return {
    header,
    rows: [...rows, ...diffs],
    widths: withCode ? [2, 0.5, 1, 1.6, 1.6, 1.5, 1.5] : [2.2, 0.5, 1.1, 1.8, 1.7, 1.7],
    align: numeric,
    rowStyles: [...rows.map((): RowStyle => 'normal'), ...diffs.map((): RowStyle => 'diff')],
  };
}

export function epochTable(data: ReportData, m: Messages, f: Fmt): Table | null {
  const series = data.earlyLearning.series;
  if (series.length === 0) return null;
  const epochs = [...new Set(series.flatMap((s) => s.points.map((p) => p.epoch)))].sort((a, b) => a - b);
  return {
    header: [m.epoch, ...series.flatMap((s) => [m.chartBleu(s.label), m.chartAsr(s.label)])],
    rows: epochs.map((e) => [
      String(e),
      ...series.flatMap((s) => {
        const p = s.points.find((q) => q.epoch === e);
        return p ? [f.num(p.bleu, 2), f.pct(p.asr)] : ['—', '—'];
      }),
    ]),
    align: ['right', ...series.flatMap(() => ['right', 'right'] as const)],
  };
}

export function costTable(data: ReportData, m: Messages, f: Fmt): Table {
  return {
    header: [m.loss, m.runs, m.costSecondsPerEpoch, m.costSecondsPerRun],
    rows: data.cost.rows.map((r) => [r.label, String(r.runs), f.stat(r.secondsPerEpoch, 1), f.stat(r.secondsPerRun, 1)]),
    widths: [2, 1, 2, 2],
    align: ['left', 'right', 'right', 'right'],
  };
}

export function switchStepsTable(data: ReportData, m: Messages, f: Fmt): Table {
  const p = m.production;
  return {
    header: [m.when, p.share, p.check, p.outcome, m.who],
    rows: data.production.switchSteps.map((s) => [f.date(s.at), `${s.percent}%`, s.check, p.outcomes[s.outcome], s.actor]),
    widths: [1.5, 1, 4, 1, 1.2],
    align: ['left', 'right', 'left', 'left', 'left'],
    rowStyles: data.production.switchSteps.map((s) => (s.outcome === 'passed' ? 'ok' : 'fail')),
    statusColumn: 3,
  };
}

export function signOffsTable(data: ReportData, m: Messages, f: Fmt): Table {
  const p = m.production;
  return {
    header: [m.when, m.name, p.role, m.decision, p.comment, m.status],
    rows: data.production.signOffs.map((s) => [f.date(s.at), s.name, s.role, p.signOffDecision[s.decision], s.comment || '—', s.current ? p.current : p.superseded]),
    widths: [1.5, 1.3, 1.3, 1.1, 3.2, 1.3],
    rowStyles: data.production.signOffs.map((s) => (s.decision === 'go' ? 'ok' : 'fail')),
    statusColumn: 3,
  };
}

export function probesTable(data: ReportData, m: Messages, f: Fmt): Table {
  const p = m.production;
  return {
    header: ['#', m.when, p.attack, m.source, p.triggered, m.asr, p.limit, m.bleu, p.result, m.who],
    rows: data.production.probes.map((x) => [
      String(x.id),
      f.date(x.at),
      x.attack,
      `${p.probeSource[x.source]}: ${x.sourceName}`,
      String(x.triggeredCount),
      f.pct(x.asr),
      f.pct(x.maxAsr),
      f.num(x.cleanBleu, 1),
      x.passed ? p.probePassed : x.reopened ? p.probeReopened : p.probeFailed,
      x.actor,
    ]),
    widths: [0.4, 1.4, 1.1, 2, 0.8, 0.8, 0.7, 0.8, 1.5, 1],
    align: ['right', 'left', 'left', 'left', 'right', 'right', 'right', 'right', 'left', 'left'],
    rowStyles: data.production.probes.map((x) => (x.passed ? 'ok' : 'fail')),
    statusColumn: 8,
  };
}

/** Fixed hyperparameters, rollback plan, switch steps, sign-offs and probes: what is missing says so. */
export function productionBlocks(data: ReportData, m: Messages, f: Fmt): Block[] {
  const p = m.production;
  const pr = data.production;
  const blocks: Block[] = [];
  const empty = pr.hyperparameters === null && pr.rollbackPlan === null && pr.switchSteps.length + pr.signOffs.length + pr.probes.length === 0;
  if (empty) blocks.push({ kind: 'paragraph', text: p.empty, tone: 'muted' });
  blocks.push({ kind: 'heading', level: 3, text: p.hyperparametersTitle });
  const h = pr.hyperparameters;
  if (h === null) blocks.push({ kind: 'paragraph', text: p.notFixed });
  else {
    blocks.push({
      kind: 'kv',
      items: [
        [m.labelSmoothing, String(h.labelSmoothing)],
        [m.alphaBase, String(h.alphaBase)],
        [p.ignoreIndex, h.ignoreIndex === null ? p.ignoreNone : String(h.ignoreIndex)],
        [p.source, h.source],
      ],
      inline: true,
    });
    blocks.push({ kind: 'paragraph', text: p.fixedBy(h.fixedBy, f.date(h.fixedAt)), tone: 'muted' });
  }
  blocks.push({ kind: 'heading', level: 3, text: p.rollbackTitle });
  if (pr.rollbackPlan === null) blocks.push({ kind: 'paragraph', text: p.notWritten });
  else blocks.push({ kind: 'paragraph', text: pr.rollbackPlan.text }, { kind: 'paragraph', text: p.writtenBy(pr.rollbackPlan.writtenBy, f.date(pr.rollbackPlan.writtenAt)), tone: 'muted' });
  blocks.push({ kind: 'heading', level: 3, text: p.switchTitle });
  blocks.push(pr.switchSteps.length > 0 ? { kind: 'table', table: switchStepsTable(data, m, f) } : { kind: 'paragraph', text: p.noSteps });
  blocks.push({ kind: 'heading', level: 3, text: p.signOffsTitle });
  blocks.push(pr.signOffs.length > 0 ? { kind: 'table', table: signOffsTable(data, m, f) } : { kind: 'paragraph', text: p.noSignOffs });
  blocks.push({ kind: 'heading', level: 3, text: p.probesTitle });
  blocks.push(pr.probes.length > 0 ? { kind: 'table', table: probesTable(data, m, f) } : { kind: 'paragraph', text: p.noProbes });
  return blocks;
}

export function headlineScenario(data: ReportData): ScenarioResult | undefined {
  return data.results.scenarios.find((s) => s.label === data.earlyLearning.scenarioLabel) ?? data.results.scenarios[0];
}

export function buildDocument(data: ReportData): ReportDocument {
  const m = messages(data.lang);
  const f = createFmt(data.lang, data.timeZone);
  const section = (id: SectionId, blocks: Block[]): Section => ({ id, title: m.sectionHeading(id), blocks });
  const sections: Section[] = [];

  // 1. Decision summary
  const d = data.decision;
  sections.push(
    section('decision', [
      { kind: 'recommendation', recommendation: d.recommendation, label: `${m.recommendationLead}: ${d.recommendationLabel}`, text: m.gateOf(d.stageLabel) },
      { kind: 'table', table: gateTable(data, m) },
      { kind: 'paragraph', text: m.gateSourceNote, tone: 'muted' },
      {
        kind: 'kv',
        items: [
          [m.risk, d.risk],
          [m.cost, d.cost],
          [m.next, d.next],
        ],
      },
    ]),
  );

  // 2. What was done
  const w = data.work;
  const work: Block[] = [{ kind: 'paragraph', text: w.note ?? m.runCountsText(w.runCounts.total, w.runCounts.finished, w.runCounts.unfinished) }];
  work.push({ kind: 'heading', level: 3, text: m.stagesTitle }, { kind: 'table', table: stagesTable(data, m, f) });
  work.push({ kind: 'heading', level: 3, text: m.checklistTitle });
  work.push(w.checklist.length > 0 ? { kind: 'table', table: checklistTable(data, m, f) } : { kind: 'paragraph', text: sentences(data.lang).noChecklist });
  work.push({ kind: 'heading', level: 3, text: m.datasetsTitle });
  work.push(w.datasets.length > 0 ? { kind: 'table', table: datasetsTable(data, m, f, false) } : { kind: 'paragraph', text: sentences(data.lang).noDatasets });
  work.push({
    kind: 'kv',
    items: [
      [m.attacksUsed, w.attacks.length > 0 ? f.list(w.attacks) : m.none],
      [m.scenariosUsed, w.scenarios.length > 0 ? w.scenarios.join(' / ') : m.none],
    ],
  });
  sections.push(section('work', work));

  // 2b. Production: switch, sign-off and monitoring
  sections.push(section('production', productionBlocks(data, m, f)));

  // 3. Results
  const results: Block[] = [];
  if (data.results.note) results.push({ kind: 'paragraph', text: data.results.note });
  else {
    results.push({ kind: 'paragraph', text: m.meanSdNote, tone: 'muted' });
    for (const sc of data.results.scenarios) {
      results.push({ kind: 'heading', level: 3, text: `${m.scenario}: ${sc.label}` }, { kind: 'table', table: resultsTable(sc, data, m, f) });
      if (sc.unfinished > 0) results.push({ kind: 'paragraph', text: m.unfinishedInScenario(sc.unfinished), tone: 'muted' });
    }
    const head = headlineScenario(data);
    if (head && head.rows.length > 0) results.push({ kind: 'chart', drawing: resultsBarChart(head.rows, m) });
  }
  sections.push(section('results', results));

  // 4. Early learning
  const e = data.earlyLearning;
  const early: Block[] = [];
  if (e.note) early.push({ kind: 'paragraph', text: e.note });
  else {
    if (e.scenarioLabel) early.push({ kind: 'paragraph', text: `${m.scenario}: ${e.scenarioLabel}`, tone: 'muted' });
    early.push({ kind: 'chart', drawing: earlyLearningChart(e.series, m) });
    if (e.reading) early.push({ kind: 'paragraph', text: e.reading });
    const table = epochTable(data, m, f);
    if (table) early.push({ kind: 'table', table });
  }
  sections.push(section('early', early));

  // 5. Cost
  const c = data.cost;
  const cost: Block[] = [];
  if (c.note) cost.push({ kind: 'paragraph', text: c.note });
  else {
    if (c.scenarioLabel) cost.push({ kind: 'paragraph', text: `${m.scenario}: ${c.scenarioLabel}`, tone: 'muted' });
    cost.push({ kind: 'table', table: costTable(data, m, f) });
    if (c.summary) cost.push({ kind: 'paragraph', text: c.summary });
  }
  cost.push({ kind: 'heading', level: 3, text: m.defensesTitle }, { kind: 'paragraph', text: c.defensesNote });
  if (c.defenses.length > 0) {
    cost.push({
      kind: 'table',
      table: {
        header: [m.defense, m.runs, m.costSecondsPerRun, m.extraOverCe],
        rows: c.defenses.map((x) => [x.label, String(x.runs), f.stat(x.secondsPerRun, 1), f.ratio(x.extraOverCe)]),
        align: ['left', 'right', 'right', 'right'],
      },
    });
  }
  sections.push(section('cost', cost));

  // 6. Caveats
  const cv = data.caveats;
  const caveats: Block[] = [{ kind: 'heading', level: 3, text: m.sensitivityTitle }, { kind: 'paragraph', text: cv.sensitivityText }];
  if (cv.sensitivity.length > 1) {
    caveats.push({
      kind: 'table',
      table: {
        header: [m.labelSmoothing, m.alphaBase, m.runs, m.bleu, m.asr],
        rows: cv.sensitivity.map((r) => [String(r.labelSmoothing), String(r.alphaBase), String(r.runs), f.stat(r.bleu, 2), f.stat(r.asr, 1, '%')]),
        align: ['right', 'right', 'right', 'right', 'right'],
      },
    });
  }
  caveats.push({ kind: 'heading', level: 3, text: m.attacksTitle }, { kind: 'paragraph', text: cv.attacksText });
  caveats.push({ kind: 'heading', level: 3, text: m.adaptiveTitle }, { kind: 'paragraph', text: cv.adaptiveText });
  if (cv.other.length > 0) caveats.push({ kind: 'heading', level: 3, text: m.otherCaveats }, { kind: 'list', items: cv.other });
  sections.push(section('caveats', caveats));

  // 7. Phrases
  sections.push(section('phrases', [{ kind: 'quotes', items: data.phrases }]));

  // 8. Appendix
  const a = data.appendix;
  const appendix: Block[] = [
    { kind: 'heading', level: 3, text: m.versionsTitle },
    {
      kind: 'kv',
      items: [
        [m.appVersion, a.versions.app],
        [m.nodeVersion, a.versions.node],
        [m.tfjsVersion, a.versions.tfjs],
        [m.schemaVersion, String(a.versions.schema)],
        [m.platform, a.versions.platform],
        [m.backendsUsed, a.backends.length > 0 ? a.backends.join(', ') : m.none],
      ],
    },
    { kind: 'paragraph', text: a.note, tone: 'muted' },
  ];
  appendix.push(
    { kind: 'heading', level: 3, text: m.historyTitle },
    { kind: 'paragraph', text: m.historyNote(data.history.length, data.history.length), tone: 'muted' },
    { kind: 'table', table: historyTable(data.history, m, f) },
  );
  if (data.datasets.length > 0) appendix.push({ kind: 'heading', level: 3, text: m.datasetsTitle }, { kind: 'table', table: datasetsTable(data, m, f, true) });
  for (const r of data.runs) {
    appendix.push({ kind: 'heading', level: 3, text: `${m.run} #${r.id}: ${r.name}` });
    const kv: [string, string][] = [
      [m.stage, r.stageLabel],
      [m.loss, r.lossLabel],
      [m.status, r.statusLabel],
      [m.seeds, r.seed === null ? '—' : String(r.seed)],
      [m.scenario, r.scenario ?? '—'],
      [m.dataset, r.datasetName ?? '—'],
      [m.backend, r.backend],
      [m.tags, r.tags.length > 0 ? r.tags.join(', ') : m.none],
      [m.started, f.date(r.startedAt)],
      [m.finished, f.date(r.finishedAt)],
      [m.epoch, String(r.epochs.length)],
      [m.versionsTitle, r.versions === null ? '—' : `${m.appVersion} ${r.versions.app}, engine ${r.versions.engine}, ${m.tfjsVersion} ${r.versions.tfjs}`],
    ];
    if (r.error) kv.push([m.error, r.error]);
    appendix.push({ kind: 'kv', items: kv, inline: true });
    appendix.push({ kind: 'paragraph', text: `${m.reproduce}:` });
    if (r.command) appendix.push({ kind: 'code', text: r.command });
    if (r.commandNote) appendix.push({ kind: 'paragraph', text: r.commandNote, tone: 'muted' });
    appendix.push({ kind: 'paragraph', text: `${m.config}${r.configValid ? '' : ` (${m.configInvalid})`}:` }, { kind: 'code', text: r.configJson });
  }
  sections.push(section('appendix', appendix));

  return { title: data.title, subtitle: m.generated(f.date(data.generatedAt)), sections: SECTION_IDS.map((id) => sections.find((s) => s.id === id)).filter((s): s is Section => s !== undefined) };
}


/** The audit trail as a table: time, who, what, before → after, reason (shared by every format that lays out blocks, and the PPTX slide). */
export function historyTable(history: readonly HistoryEntryView[], m: Messages, f: Fmt): Table {
  return {
    header: [...m.historyColumns],
    rows: history.map((e) => [f.date(e.at), e.actor, e.what, e.before === null && e.after === null ? '—' : `${e.before ?? '—'} → ${e.after ?? '—'}`, e.reason ?? '']),
    align: ['left', 'left', 'left', 'left', 'left'],
  };
}
