import JSZip from 'jszip';
import PptxGenJS from 'pptxgenjs';
import { colorFor, textWidth } from './chart';
import { REPORT_FONT_FAMILY } from './fonts';
import { createFmt, messages, type Messages, type SectionId } from './i18n';
import { checklistTable, costTable, gateTable, headlineScenario, historyTable, probesTable, resultsTable, signOffsTable, stagesTable, switchStepsTable, type Table } from './layout';
import type { ReportData } from './types';

/**
 * PowerPoint: a title slide, then one slide per section (a long table continues on extra slides),
 * with native, editable charts: a line chart for the early-learning picture and a bar chart for
 * clean BLEU and ASR. Every text run carries an East-Asian typeface (<a:ea>), so Japanese renders
 * with a Japanese font: pptxgenjs sets it on text boxes and tables but not in charts or on empty
 * runs, so the saved package is post-processed (see ensureEastAsianFont).
 */

const FONT = REPORT_FONT_FAMILY;
const W = 13.333;
const MARGIN = 0.5;
const INNER = W - 2 * MARGIN;
/** Audit entries on the deck's history slide; the app's History page and its CSV have every one. */
const PPTX_HISTORY_ROWS = 40;
/** Where tables start on a continuation slide (below the section heading), as autoPage does. */
const TABLE_TOP = 1.2;
/**
 * The lowest a table (or its heading) may start: pptxgenjs' auto-paging breaks ("addTable: Array
 * expected!") when a table starts below the slide, which long text in the table above it causes.
 */
const LOWEST_TABLE_TOP = 6.3;
const HEX = (c: string) => c.replace('#', '').toUpperCase();
const REC_COLOR: Record<string, string> = { go: '1D7A35', 'not-yet': 'C98A00', 'no-go': 'B3261E' };

type Slide = PptxGenJS.Slide;

/** Charset hint for the ea font: 128 = Shift-JIS (pptxgenjs writes -122, GB2312). */
const EA_CHARSET = '-128';

/**
 * Gives every run-property element (<a:rPr>, <a:defRPr>, <a:endParaRPr>) a latin, an ea and a cs
 * typeface: adds the ea (and cs) next to an existing latin, or all three where none is set, in the
 * schema's order (after fills and underline, before hyperlinks and extLst).
 */
export function ensureEastAsianFont(xml: string, font: string, lang: string | null): string {
  const fonts = `<a:latin typeface="${font}"/><a:ea typeface="${font}" charset="${EA_CHARSET}"/><a:cs typeface="${font}"/>`;
  let out = xml.replace(/<a:(rPr|defRPr|endParaRPr)\b([^>]*?)\/>/g, (_m, tag: string, attrs: string) => `<a:${tag}${attrs}>${fonts}</a:${tag}>`);
  out = out.replace(/<a:(rPr|defRPr|endParaRPr)\b([^>]*)>([\s\S]*?)<\/a:\1>/g, (whole, tag: string, attrs: string, inner: string) => {
    // An ea that names another face (a theme reference, a Latin font) is pointed at ours.
    if (/<a:ea\b/.test(inner)) return `<a:${tag}${attrs}>${inner.replace(/<a:ea\b[^>]*\/>/, `<a:ea typeface="${font}" charset="${EA_CHARSET}"/>`)}</a:${tag}>`;
    const latin = /<a:latin\b[^>]*\/>/.exec(inner);
    let body: string;
    if (latin) {
      const extra = `<a:ea typeface="${font}" charset="${EA_CHARSET}"/>${/<a:cs\b/.test(inner) ? '' : `<a:cs typeface="${font}"/>`}`;
      body = inner.replace(latin[0], `${latin[0]}${extra}`);
    } else {
      const at = inner.search(/<a:(sym|hlinkClick|hlinkMouseOver|rtl|extLst)\b/);
      body = at < 0 ? `${inner}${fonts}` : `${inner.slice(0, at)}${fonts}${inner.slice(at)}`;
    }
    return `<a:${tag}${attrs}>${body}</a:${tag}>`;
  });
  if (lang) out = out.replace(/\blang="en-US"/g, `lang="${lang}"`);
  return out;
}

async function postProcess(bytes: Uint8Array, lang: string | null): Promise<Uint8Array> {
  const zip = await JSZip.loadAsync(bytes);
  const parts = Object.keys(zip.files).filter((name) => /^ppt\/(slides|charts|notesSlides|slideLayouts|slideMasters|notesMasters)\/[^/]+\.xml$/.test(name));
  for (const name of parts) {
    const file = zip.file(name);
    if (!file) continue;
    zip.file(name, ensureEastAsianFont(await file.async('string'), FONT, lang));
  }
  const theme = zip.file('ppt/theme/theme1.xml');
  if (theme) {
    const xml = await theme.async('string');
    zip.file('ppt/theme/theme1.xml', xml.replace(/<a:ea typeface=""\/>/g, `<a:ea typeface="${FONT}"/>`).replace(/<a:font script="Jpan" typeface="[^"]*"\/>/g, `<a:font script="Jpan" typeface="${FONT}"/>`));
  }
  return zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE', compressionOptions: { level: 6 } });
}

/** Estimated height (inches) of a table as PowerPoint will lay it out: wrapped lines per cell. */
export function estimateTableHeight(t: Table, width: number, fontSize: number): number {
  const weights = t.widths ?? t.header.map(() => 1);
  const total = weights.reduce((a, b) => a + b, 0);
  const colPts = t.header.map((_, i) => ((weights[i] ?? 1) / total) * width * 72 - 8);
  const lineIn = (fontSize * 1.25) / 72;
  const row = (cells: string[]) => Math.max(...cells.map((c, i) => Math.max(1, Math.ceil(textWidth(c, fontSize) / Math.max(10, colPts[i] ?? 10))))) * lineIn + 0.1;
  return row(t.header) + t.rows.reduce((a, r) => a + row(r), 0);
}

function tableRows(t: Table, fontSize: number): PptxGenJS.TableRow[] {
  const header: PptxGenJS.TableRow = t.header.map((h, i) => ({
    text: h,
    options: { bold: true, fill: { color: 'EEF2F8' }, align: t.align?.[i] === 'right' ? 'right' : 'left', fontSize },
  }));
  const body = t.rows.map((row, ri): PptxGenJS.TableRow => {
    const style = t.rowStyles?.[ri] ?? 'normal';
    return row.map((cell, i) => ({
      text: cell,
      options: {
        fontSize,
        align: t.align?.[i] === 'right' ? 'right' : 'left',
        bold: style === 'diff',
        ...(style === 'diff' ? { fill: { color: 'F3F3F3' } } : {}),
        ...(i === t.statusColumn && style === 'ok' ? { color: '1D7A35' } : {}),
        ...(i === t.statusColumn && style === 'fail' ? { color: 'B3261E' } : {}),
      },
    }));
  });
  return [header, ...body];
}

export function renderPptx(data: ReportData): Promise<Uint8Array> {
  const m: Messages = messages(data.lang);
  const f = createFmt(data.lang, data.timeZone);
  const lang = data.lang === 'ja' ? 'ja-JP' : 'en-US';
  const pptx = new PptxGenJS();
  pptx.layout = 'LAYOUT_WIDE';
  pptx.title = data.title;
  pptx.author = 'DeCE Pilot';
  pptx.company = 'DeCE Pilot';
  pptx.subject = m.sections.decision;
  pptx.theme = { headFontFace: FONT, bodyFontFace: FONT };
  const text = { fontFace: FONT, lang, color: '222222' } as const;

  const table = (slide: Slide, t: Table, y: number, options: { x?: number; w?: number; fontSize?: number; h?: number } = {}) => {
    const w = options.w ?? INNER;
    const weights = t.widths ?? t.header.map(() => 1);
    const total = weights.reduce((a, b) => a + b, 0);
    slide.addTable(tableRows(t, options.fontSize ?? 11), {
      x: options.x ?? MARGIN,
      y,
      w,
      colW: t.header.map((_, i) => ((weights[i] ?? 1) / total) * w),
      ...text,
      fontSize: options.fontSize ?? 11,
      border: { type: 'solid', pt: 0.5, color: 'BBBBBB' },
      margin: 0.05,
      valign: 'top',
      autoPage: true,
      autoPageRepeatHeader: true,
      autoPageHeaderRows: 1,
      autoPageSlideStartY: TABLE_TOP,
      ...(options.h === undefined ? {} : { h: options.h }),
    });
  };
  const sectionSlide = (id: SectionId): Slide => {
    const slide = pptx.addSlide();
    slide.addText(m.sectionHeading(id), { x: MARGIN, y: 0.3, w: INNER, h: 0.7, fontSize: 26, bold: true, ...text });
    slide.addShape(pptx.ShapeType.line, { x: MARGIN, y: 1.0, w: INNER, h: 0, line: { color: '3B6FB6', width: 2 } });
    return slide;
  };
  /**
   * Headings and tables one below another, each below the estimated height of the one before; one that
   * would start too low goes to a new slide of the same section (after the slides an over-tall table
   * auto-paged onto), so every text length lays out.
   */
  const tableFlow = (id: SectionId, first: Slide, top: number) => {
    let slide = first;
    let y = top;
    const room = () => {
      if (y <= LOWEST_TABLE_TOP) return;
      slide = sectionSlide(id);
      y = TABLE_TOP;
    };
    return {
      heading(title: string) {
        room();
        slide.addText(title, { x: MARGIN, y, w: INNER, h: 0.3, fontSize: 12, bold: true, ...text });
        y += 0.35;
      },
      table(t: Table, fontSize: number) {
        room();
        table(slide, t, y, { fontSize });
        y += estimateTableHeight(t, INNER, fontSize) + 0.2;
      },
    };
  };
  const paragraphs = (slide: Slide, items: { label?: string; text: string }[], box: { x: number; y: number; w: number; h: number }, fontSize = 14) => {
    const runs: PptxGenJS.TextProps[] = items.flatMap((item, i) => {
      const end = i < items.length - 1;
      const body: PptxGenJS.TextProps = { text: item.text, options: { ...text, fontSize, breakLine: end, paraSpaceAfter: 6 } };
      return item.label ? [{ text: `${item.label}: `, options: { ...text, fontSize, bold: true } }, body] : [body];
    });
    slide.addText(runs, { ...box, ...text, fontSize, valign: 'top', fit: 'shrink' });
  };

  // Title slide
  const title = pptx.addSlide();
  title.addText(data.title, { x: MARGIN, y: 1.6, w: INNER, h: 1.2, fontSize: 34, bold: true, ...text });
  title.addText(m.generated(f.date(data.generatedAt)), { x: MARGIN, y: 2.9, w: INNER, h: 0.5, fontSize: 14, ...text, color: '666666' });
  if (data.project.description.trim() !== '') title.addText(data.project.description, { x: MARGIN, y: 3.5, w: INNER, h: 1, fontSize: 16, ...text, fit: 'shrink' });
  title.addText(`${m.recommendationLead}: ${data.decision.recommendationLabel}`, {
    x: MARGIN,
    y: 5,
    w: 6.5,
    h: 0.9,
    fontSize: 24,
    bold: true,
    ...text,
    color: 'FFFFFF',
    fill: { color: REC_COLOR[data.decision.recommendation] ?? '666666' },
    align: 'center',
  });

  // 1. Decision summary
  const d = data.decision;
  const s1 = sectionSlide('decision');
  s1.addText([
    { text: `${m.recommendationLead}: ${d.recommendationLabel}`, options: { ...text, fontSize: 22, bold: true, color: REC_COLOR[d.recommendation] ?? '222222', breakLine: true } },
    { text: m.gateOf(d.stageLabel), options: { ...text, fontSize: 13, color: '666666' } },
  ], { x: MARGIN, y: 1.15, w: INNER, h: 0.9, ...text, valign: 'top' });
  table(s1, gateTable(data, m), 2.1, { fontSize: 11 });
  paragraphs(s1, [
    { label: m.risk, text: d.risk },
    { label: m.cost, text: d.cost },
    { label: m.next, text: d.next },
  ], { x: MARGIN, y: 4.9, w: INNER, h: 2.4 }, 13);

  // 2. What was done
  const w2 = data.work;
  const s2 = sectionSlide('work');
  paragraphs(s2, [
    { text: w2.note ?? m.runCountsText(w2.runCounts.total, w2.runCounts.finished, w2.runCounts.unfinished) },
    { label: m.attacksUsed, text: w2.attacks.length > 0 ? f.list(w2.attacks) : m.none },
    { label: m.datasetsTitle, text: data.datasets.length > 0 ? data.datasets.map((x) => `${x.name} (SHA-256 ${x.sha256.slice(0, 12)}…)`).join(', ') : m.none },
  ], { x: MARGIN, y: 1.1, w: INNER, h: 1.0 }, 12);
  const work = tableFlow('work', s2, 2.15);
  work.table(stagesTable(data, m, f), 9.5);
  // Below the stages as PowerPoint will wrap them; what does not fit continues on further slides.
  if (w2.checklist.length > 0) work.table(checklistTable(data, m, f), 9.5);

  // Production: switch, sign-off and monitoring (the same tables as the documents, stacked; long ones continue).
  const pr = data.production;
  const pm = m.production;
  const sp = sectionSlide('production');
  const hyper = pr.hyperparameters;
  paragraphs(sp, [
    ...(hyper === null && pr.rollbackPlan === null && pr.signOffs.length + pr.switchSteps.length + pr.probes.length === 0 ? [{ text: pm.empty }] : []),
    {
      label: pm.hyperparametersTitle,
      text: hyper === null ? pm.notFixed : `${m.labelSmoothing} ${hyper.labelSmoothing}, ${m.alphaBase} ${hyper.alphaBase}, ${pm.ignoreIndex} ${hyper.ignoreIndex ?? pm.ignoreNone} (${hyper.source}); ${pm.fixedBy(hyper.fixedBy, f.date(hyper.fixedAt))}`,
    },
    { label: pm.rollbackTitle, text: pr.rollbackPlan === null ? pm.notWritten : `${pr.rollbackPlan.text} (${pm.writtenBy(pr.rollbackPlan.writtenBy, f.date(pr.rollbackPlan.writtenAt))})` },
  ], { x: MARGIN, y: 1.1, w: INNER, h: 1.3 }, 11);
  const production = tableFlow('production', sp, 2.5);
  for (const [title, rows, build] of [
    [pm.signOffsTitle, pr.signOffs.length, signOffsTable],
    [pm.switchTitle, pr.switchSteps.length, switchStepsTable],
    [pm.probesTitle, pr.probes.length, probesTable],
  ] as const) {
    production.heading(rows > 0 ? title : `${title}: ${m.none}`);
    if (rows > 0) production.table(build(data, m, f), 9);
  }

  // 3. Results
  const s3 = sectionSlide('results');
  const head = headlineScenario(data);
  if (data.results.note || !head) {
    paragraphs(s3, [{ text: data.results.note ?? m.none }], { x: MARGIN, y: 1.3, w: INNER, h: 1.5 });
  } else {
    const combined: Table = { header: [], rows: [], widths: [], align: [], rowStyles: [] };
    for (const sc of data.results.scenarios) {
      const t = resultsTable(sc, data, m, f);
      combined.header = [m.scenario, ...t.header];
      combined.widths = [2.2, ...(t.widths ?? [])];
      combined.align = ['left', ...(t.align ?? [])];
      combined.rows.push(...t.rows.map((r, i) => [i === 0 ? sc.label : '', ...r]));
      combined.rowStyles?.push(...(t.rowStyles ?? []));
    }
    table(s3, combined, 1.2, { w: 8.1, fontSize: 10 });
    s3.addText(m.meanSdNote, { x: MARGIN, y: 6.5, w: 8.1, h: 0.8, fontSize: 9, ...text, color: '666666', valign: 'top', fit: 'shrink' });
    const labels = [m.bleu, m.asr];
    s3.addChart(
      pptx.ChartType.bar,
      head.rows.map((r) => ({ name: r.label, labels, values: [r.bleu.mean, r.asr.mean] })),
      {
        x: 8.8,
        y: 1.2,
        w: 4.0,
        h: 4.6,
        barDir: 'col',
        barGrouping: 'clustered',
        chartColors: head.rows.map((r) => HEX(colorFor(r.loss))),
        showLegend: true,
        legendPos: 'b',
        legendFontFace: FONT,
        legendFontSize: 11,
        showValue: true,
        dataLabelFormatCode: '0.0',
        dataLabelFontFace: FONT,
        dataLabelFontSize: 10,
        catAxisLabelFontFace: FONT,
        catAxisLabelFontSize: 11,
        valAxisLabelFontFace: FONT,
        valAxisLabelFontSize: 10,
        valAxisMinVal: 0,
        // Percent-scale metrics: a fixed 0–100 axis keeps a 1% ASR looking like 1%.
        valAxisMaxVal: 100,
        valAxisLabelFormatCode: '0',
        showTitle: true,
        title: head.label,
        titleFontFace: FONT,
        titleFontSize: 11,
        lang,
      },
    );
  }

  // 4. Early learning
  const e = data.earlyLearning;
  const s4 = sectionSlide('early');
  if (e.note || e.series.length === 0) {
    paragraphs(s4, [{ text: e.note ?? m.none }], { x: MARGIN, y: 1.3, w: INNER, h: 1.5 });
  } else {
    const epochs = [...new Set(e.series.flatMap((s) => s.points.map((p) => p.epoch)))].sort((a, b) => a - b);
    const labels = epochs.map(String);
    const valuesFor = (s: (typeof e.series)[number], metric: 'bleu' | 'asr') => epochs.map((ep) => s.points.find((p) => p.epoch === ep)?.[metric] ?? 0);
    const colors = e.series.map((s) => HEX(colorFor(s.loss)));
    const lineOptions = { lineDataSymbol: 'circle', lineDataSymbolSize: 7, lineSize: 2.5, chartColors: colors } as const;
    s4.addChart(
      [
        { type: pptx.ChartType.line, data: e.series.map((s) => ({ name: m.chartBleu(s.label), labels, values: valuesFor(s, 'bleu') })), options: { ...lineOptions, lineDash: 'solid' } },
        { type: pptx.ChartType.line, data: e.series.map((s) => ({ name: m.chartAsr(s.label), labels, values: valuesFor(s, 'asr') })), options: { ...lineOptions, lineDash: 'dash' } },
      ],
      // A multi-type chart takes its options as the third argument and no data argument (pptxgenjs reads `data || options`).
      undefined as unknown as [],
      {
        x: MARGIN,
        y: 1.15,
        w: INNER,
        h: 4.7,
        showLegend: true,
        legendPos: 'r',
        legendFontFace: FONT,
        legendFontSize: 12,
        catAxisLabelFontFace: FONT,
        catAxisLabelFontSize: 12,
        valAxisLabelFontFace: FONT,
        valAxisLabelFontSize: 12,
        valAxisMinVal: 0,
        // Percent-scale metrics: a fixed 0–100 axis keeps a 1% ASR looking like 1%.
        valAxisMaxVal: 100,
        valAxisLabelFormatCode: '0',
        showCatAxisTitle: true,
        catAxisTitle: m.chartXAxis,
        catAxisTitleFontFace: FONT,
        showValAxisTitle: true,
        valAxisTitle: m.chartYAxis,
        valAxisTitleFontFace: FONT,
        showTitle: true,
        title: m.chartTitle,
        titleFontFace: FONT,
        titleFontSize: 14,
        lang,
      },
    );
    paragraphs(s4, [{ text: [e.scenarioLabel ? `${m.scenario}: ${e.scenarioLabel}.` : '', e.reading ?? ''].filter(Boolean).join(' ') }], { x: MARGIN, y: 6.0, w: INNER, h: 1.3 }, 13);
  }

  // 5. Cost
  const c = data.cost;
  const s5 = sectionSlide('cost');
  if (c.note) paragraphs(s5, [{ text: c.note }], { x: MARGIN, y: 1.3, w: INNER, h: 1.2 });
  else {
    table(s5, costTable(data, m, f), 1.3, { fontSize: 12 });
    paragraphs(s5, [{ text: [c.scenarioLabel ? `${m.scenario}: ${c.scenarioLabel}.` : '', c.summary ?? ''].filter(Boolean).join(' ') }], { x: MARGIN, y: 3.3, w: INNER, h: 1.2 });
  }
  const defenses = c.defenses.map((x) => `${x.label}: ${f.stat(x.secondsPerRun, 1)} s (${m.extraOverCe} ${f.ratio(x.extraOverCe)})`);
  paragraphs(s5, [{ label: m.defensesTitle, text: [c.defensesNote, ...defenses].join(' ') }], { x: MARGIN, y: 4.8, w: INNER, h: 1.6 });

  // 6. Caveats
  const cv = data.caveats;
  const s6 = sectionSlide('caveats');
  const sens = cv.sensitivity.length > 1 ? ` ${cv.sensitivity.map((r) => `ε ${r.labelSmoothing} / α ${r.alphaBase}: BLEU ${f.stat(r.bleu, 1)}, ASR ${f.stat(r.asr, 1, '%')} (n ${r.runs})`).join('; ')}` : '';
  paragraphs(s6, [
    { label: m.sensitivityTitle, text: `${cv.sensitivityText}${sens}` },
    { label: m.attacksTitle, text: cv.attacksText },
    { label: m.adaptiveTitle, text: cv.adaptiveText },
    ...(cv.other.length > 0 ? [{ label: m.otherCaveats, text: cv.other.join(' ') }] : []),
  ], { x: MARGIN, y: 1.2, w: INNER, h: 6.0 }, 14);

  // 7. Phrases for the meeting
  const s7 = sectionSlide('phrases');
  s7.addText(
    data.phrases.map((p, i) => ({ text: p, options: { ...text, fontSize: 18, bullet: { code: '201C' }, breakLine: i < data.phrases.length - 1, paraSpaceAfter: 14 } })),
    { x: MARGIN, y: 1.3, w: INNER, h: 5.8, ...text, valign: 'top', fit: 'shrink' },
  );

  // 8. Appendix: versions and one row per run; the full configurations go in the speaker notes.
  const a = data.appendix;
  const s8 = sectionSlide('appendix');
  paragraphs(s8, [
    { label: m.versionsTitle, text: `${m.appVersion} ${a.versions.app}, ${m.nodeVersion} ${a.versions.node}, ${m.tfjsVersion} ${a.versions.tfjs}, ${m.schemaVersion} ${a.versions.schema}, ${a.versions.platform}; ${m.backendsUsed}: ${a.backends.join(', ') || m.none}.` },
    { text: a.note },
  ], { x: MARGIN, y: 1.1, w: INNER, h: 0.9 }, 11);
  table(
    s8,
    {
      header: [m.run, m.name, m.loss, m.seeds, m.backend, m.reproduce],
      rows: data.runs.map((r) => [`#${r.id}`, r.name, r.lossLabel, r.seed === null ? '—' : String(r.seed), r.backend, r.command ?? r.commandNote ?? '—']),
      widths: [0.5, 2, 0.9, 0.6, 0.8, 6.5],
    },
    2.1,
    { fontSize: 8 },
  );
  s8.addNotes(data.runs.map((r) => `${m.run} #${r.id} ${r.name}\n${r.command ?? ''}\n${r.commandNote ?? ''}\n${r.configJson}`).join('\n\n'));

  // The audit trail, newest first: a deck shows the latest entries (the table continues on further slides).
  const s9 = sectionSlide('appendix');
  const shownHistory = data.history.slice(0, PPTX_HISTORY_ROWS);
  paragraphs(s9, [{ label: m.historyTitle, text: m.historyNote(shownHistory.length, data.history.length) }], { x: MARGIN, y: 1.1, w: INNER, h: 0.6 }, 11);
  table(s9, { ...historyTable(shownHistory, m, f), widths: [1.6, 1.4, 3.4, 3.4, 3.0] }, 1.8, { fontSize: 8 });

  return pptx.write({ outputType: 'uint8array', compression: true }).then((out) => {
    if (!(out instanceof Uint8Array)) throw new Error('pptxgenjs did not return bytes');
    return postProcess(out, data.lang === 'ja' ? 'ja-JP' : null);
  });
}
