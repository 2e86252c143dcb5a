import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REPORT_CSP,
  REPORT_FONT_FAMILY,
  REPORT_LANGS,
  collectReport,
  createFmt,
  escapeHtml,
  escapeMarkdown,
  messages,
  renderReport,
  type ReportData,
  type ReportLang,
  type Stat,
} from '../../main/reports/index';
import { SECTION_IDS } from '../../main/reports/i18n';
import type { Store } from '../../main/store/index';
import { FORMULA_PAYLOADS, HTML_PAYLOAD, buildFixture } from './fixture';

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'reports');
const dir = mkdtempSync(join(tmpdir(), 'dece-report-test-'));
const TZ = 'UTC';

let store: Store;
let projectId: number;
const data = {} as Record<ReportLang, ReportData>;
const files = {} as Record<ReportLang, { pdf: Uint8Array; pptx: Uint8Array; md: string; html: string; csv: string }>;

beforeAll(async () => {
  const fixture = await buildFixture(join(dir, 'data'));
  store = fixture.store;
  projectId = fixture.projectId;
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const lang of REPORT_LANGS) {
    data[lang] = collectReport(store, projectId, { lang, timeZone: TZ });
    // ignoreBOM keeps the CSV's byte-order mark in the string, where the test checks it.
    const text = async (format: 'md' | 'html' | 'csv') => new TextDecoder('utf-8', { ignoreBOM: true }).decode(await renderReport(data[lang], format));
    files[lang] = {
      pdf: await renderReport(data[lang], 'pdf'),
      pptx: await renderReport(data[lang], 'pptx'),
      md: await text('md'),
      html: await text('html'),
      csv: await text('csv'),
    };
    for (const [format, bytes] of Object.entries(files[lang])) writeFileSync(join(ARTIFACTS, `report-${lang}.${format}`), bytes);
  }
}, 150_000);

afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Independent of collect.ts: mean and sample SD straight from the store's last epochs. */
function statFrom(values: number[]): Stat {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = values.length > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1)) : null;
  return { mean, sd, n: values.length };
}

function measured(loss: 'ce' | 'dece') {
  const runs = store.runs.list({ projectId, status: 'finished' }).filter((r) => r.lossKind === loss);
  const epochs = runs.map((r) => store.metrics.epochs(r.id));
  const finals = epochs.map((e) => e.at(-1)).filter((e) => e !== undefined);
  return {
    n: runs.length,
    bleu: statFrom(finals.map((e) => e.bleu)),
    asr: statFrom(finals.map((e) => e.asr)),
    exactMatch: statFrom(finals.map((e) => e.exactMatch)),
    secondsPerEpoch: statFrom(epochs.map((list) => list.reduce((a, e) => a + e.seconds, 0) / list.length)),
  };
}

/** The numbers a reader must find, formatted as the report formats them. */
function expectedNumbers(lang: ReportLang): string[] {
  const f = createFmt(lang, TZ);
  const ce = measured('ce');
  const dece = measured('dece');
  expect(ce.n).toBe(2);
  expect(dece.n).toBe(2);
  return [
    f.stat(ce.bleu, 2),
    f.stat(dece.bleu, 2),
    f.stat(ce.asr, 1, '%'),
    f.stat(dece.asr, 1, '%'),
    f.signed(dece.bleu.mean - ce.bleu.mean, 2),
    f.stat(ce.secondsPerEpoch, 1),
    f.stat(dece.secondsPerEpoch, 1),
  ];
}

const squash = (s: string) => s.replace(/\s+/g, ' ');

function pdfText(pdf: Uint8Array, name: string): string {
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, pdf);
  return execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
}

async function slideTexts(pptx: Uint8Array): Promise<{ zip: JSZip; slides: string[]; charts: string[]; text: string }> {
  const zip = await JSZip.loadAsync(pptx);
  const read = (prefix: string) =>
    Promise.all(
      Object.keys(zip.files)
        .filter((n) => n.startsWith(prefix) && n.endsWith('.xml'))
        .sort()
        .map((n) => zip.file(n)?.async('string') ?? Promise.resolve('')),
    );
  const slides = await read('ppt/slides/slide');
  const charts = await read('ppt/charts/chart');
  const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  const text = slides.map((x) => [...x.matchAll(/<a:t>([^<]*)<\/a:t>/g)].map((m) => decode(m[1] ?? '')).join(' ')).join('\n');
  return { zip, slides, charts, text };
}

describe('decision report from real runs', () => {
  it('collects every section from the store and says where data is missing', () => {
    const en = data.en;
    expect(en.results.scenarios).toHaveLength(1);
    const rows = en.results.scenarios[0]?.rows ?? [];
    expect(rows.map((r) => [r.loss, r.n, r.seeds])).toEqual([
      ['ce', 2, [3, 4]],
      ['dece', 2, [3, 4]],
    ]);
    // CodeBLEU is shown exactly when the engine recorded it (extra.codeBleu), never invented.
    const codeBleuStored = store.runs.list({ projectId }).some((r) => typeof store.metrics.epochs(r.id).at(-1)?.extra['codeBleu'] === 'number');
    expect(en.results.codeBleuMeasured).toBe(codeBleuStored);
    expect(en.decision.stage).toBe('benchmark');
    // Two finished runs per loss against the benchmark's three: the gate cannot pass yet.
    expect(en.decision.conditions.find((c) => c.id === 'min-runs')?.holds).toBe(false);
    expect(en.decision.recommendation).not.toBe('go');
    expect(en.work.stages.find((s) => s.stage === 'pilot')).toMatchObject({ status: 'passed', decision: 'override', decidedBy: 'carol' });
    expect(en.work.checklist.filter((c) => c.done).map((c) => c.doneBy)).toEqual(['bob', 'bob']);
    expect(en.cost.defensesNote).toMatch(/^Not measured/);
    expect(en.caveats.attacksUntested).toEqual(['RIPPLe', 'grammar (syntactic) trigger', 'dead-code insertion', 'identifier renaming', 'spread (adaptive) trigger']);
    expect(en.caveats.alphaBaseValues).toEqual([0.9]);
    expect(en.phrases.length).toBeGreaterThanOrEqual(3);
    expect(en.phrases.length).toBeLessThanOrEqual(4);
    expect(en.runs).toHaveLength(6);
    expect(en.runs.find((r) => r.name === HTML_PAYLOAD)?.command).toMatch(/^npm run pilot -- --seed 3 --epochs 2 /);
    expect(en.appendix.versions.tfjs).toMatch(/^\d+\.\d+\.\d+/);
  });

  for (const lang of REPORT_LANGS) {
    describe(lang, () => {
      const m = messages(lang);
      const titles = SECTION_IDS.map((id) => m.sectionHeading(id));

      it('PDF: Japanese-capable embedded font, section titles, measured numbers, payloads as literal text; page images kept', () => {
        const text = pdfText(files[lang].pdf, `report-${lang}`);
        const flat = squash(text);
        for (const title of titles) expect(flat).toContain(title);
        for (const n of expectedNumbers(lang)) expect(flat).toContain(n);
        expect(flat).toContain(HTML_PAYLOAD);
        for (const p of FORMULA_PAYLOADS) expect(flat).toContain(p);
        if (lang === 'ja') expect(flat).toContain('結論');
        const fonts = execFileSync('pdffonts', [join(dir, `report-${lang}.pdf`)], { encoding: 'utf8' });
        expect(fonts).toMatch(/NotoSansJP-Regular\s+CID TrueType\s+Identity-H\s+yes yes yes/);
        // Every font is embedded: nothing is left to the viewer's system fonts.
        for (const line of fonts.split('\n').slice(2).filter(Boolean)) expect(line).toMatch(/\s+yes\s+yes\s+yes\s+\d+\s+\d+\s*$/);
        // No bitmaps: the charts are vector graphics.
        expect(Buffer.from(files[lang].pdf).toString('latin1')).not.toMatch(/\/Subtype\s*\/Image/);

        // The first page and the early-learning chart page, as PNG test artifacts.
        const pages = text.split('\f');
        const chartPage = pages.findIndex((p) => squash(p).includes(m.sectionHeading('early'))) + 1;
        expect(chartPage).toBeGreaterThan(0);
        for (const page of [1, chartPage]) {
          const prefix = join(ARTIFACTS, `report-${lang}-page${page}`);
          execFileSync('pdftoppm', ['-r', '60', '-png', '-singlefile', '-f', String(page), '-l', String(page), join(dir, `report-${lang}.pdf`), prefix]);
          expect(statSync(`${prefix}.png`).size).toBeGreaterThan(10_000);
        }
      });

      it('PPTX: one slide per section, native line and bar charts, an East-Asian font on every run', async () => {
        const { slides, charts, text } = await slideTexts(files[lang].pptx);
        expect(slides.length).toBeGreaterThanOrEqual(1 + SECTION_IDS.length);
        const flat = squash(text);
        for (const title of titles) expect(flat).toContain(title);
        for (const n of expectedNumbers(lang).slice(0, 5)) expect(flat).toContain(n);
        expect(flat).toContain(HTML_PAYLOAD);
        for (const p of FORMULA_PAYLOADS) expect(flat).toContain(p);
        expect(charts.some((c) => c.includes('<c:lineChart>'))).toBe(true);
        expect(charts.some((c) => c.includes('<c:barChart>'))).toBe(true);
        for (const xml of [...slides, ...charts]) {
          expect(xml).not.toMatch(/<script/i);
          const props = [...xml.matchAll(/<a:(rPr|defRPr|endParaRPr)\b[^>]*?(\/>|>([\s\S]*?)<\/a:\1>)/g)];
          expect(props.length).toBeGreaterThan(0);
          for (const p of props) expect(p[3] ?? '').toContain(`<a:ea typeface="${REPORT_FONT_FAMILY}"`);
        }
        if (lang === 'ja') expect(slides.join('')).toContain('lang="ja-JP"');
      });

      it('History: the appendix of the PDF, the PPTX and the Markdown lists the audit trail, actions in the report language', async () => {
        const override = lang === 'ja' ? 'ゲートのオーバーライド' : 'Gate overridden';
        const reason = 'Tiny pilot; the benchmark decides';
        const md = files[lang].md;
        expect(md).toContain(`### ${escapeMarkdown(m.historyTitle)}`);
        const historyPart = md.slice(md.indexOf(m.historyTitle));
        expect(historyPart).toContain(override);
        expect(historyPart).toContain(escapeMarkdown(reason));
        expect(historyPart).toContain('carol');
        const pdf = squash(pdfText(files[lang].pdf, `history-${lang}`));
        expect(pdf).toContain(m.historyTitle);
        // Table cells wrap Japanese anywhere, so the PDF is checked on the actor and the reason's first words.
        expect(pdf.slice(pdf.indexOf(m.historyTitle))).toMatch(/carol[\s\S]*Tiny pilot;/);
        const { text } = await slideTexts(files[lang].pptx);
        const deck = squash(text);
        expect(deck).toContain(m.historyTitle);
        expect(deck.slice(deck.indexOf(m.historyTitle))).toContain(reason);
      });

      it('HTML: self-contained, scripts impossible, user text escaped', () => {
        const html = files[lang].html;
        expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`);
        expect(html).not.toMatch(/<script/i);
        expect(html).not.toMatch(/<img/i);
        expect(html).not.toMatch(/<[a-z][^>]*\s(src|href)=/i);
        expect(html).toContain(escapeHtml(HTML_PAYLOAD));
        expect(html).toContain('<svg');
        for (const title of titles) expect(html).toContain(escapeHtml(title));
        for (const n of expectedNumbers(lang)) expect(html).toContain(escapeHtml(n));
      });

      it('Markdown: every section, the numbers, payloads escaped to literal text', () => {
        const md = files[lang].md;
        for (const title of titles) expect(md).toContain(`## ${escapeMarkdown(title)}`);
        for (const n of expectedNumbers(lang)) expect(md).toContain(n);
        // Only the escaped form \<script\> may appear.
        expect(md).not.toMatch(/(^|[^\\])<script/im);
        expect(md).toContain(escapeMarkdown(HTML_PAYLOAD));
        for (const p of FORMULA_PAYLOADS) expect(md).toContain(escapeMarkdown(p));
      });

      it('CSV: one row per run × epoch with every metric, formula payloads neutralised', () => {
        const csv = files[lang].csv;
        expect(csv.startsWith('\uFEFF')).toBe(true);
        const rows = parse(csv.slice(1));
        const [header, ...body] = rows;
        expect(header?.slice(0, m.csvHeader.length)).toEqual([...m.csvHeader]);
        const runs = store.runs.list({ projectId });
        const expectedRows = runs.reduce((n, r) => n + Math.max(1, store.metrics.epochs(r.id).length), 0);
        expect(body).toHaveLength(expectedRows);
        const nameColumn = 3;
        const names = new Set(body.map((r) => r[nameColumn]));
        expect(names).toContain(HTML_PAYLOAD);
        for (const p of FORMULA_PAYLOADS) {
          expect(names).toContain(`'${p}`);
          expect(names).not.toContain(p);
        }
        for (const row of body) for (const cell of row) expect(cell === '' || /^-?\d/.test(cell) || !/^[=+\-@\t\r]/.test(cell)).toBe(true);
        // Metrics are the stored values, unrounded.
        const epochColumn = m.csvHeader.length - 8;
        for (const run of runs) {
          for (const e of store.metrics.epochs(run.id)) {
            const row = body.find((r) => r[2] === String(run.id) && r[epochColumn] === String(e.epoch));
            const codeBleu = e.extra['codeBleu'];
            expect(row?.slice(epochColumn, epochColumn + 8)).toEqual(
              [e.epoch, e.bleu, e.corpusBleu, typeof codeBleu === 'number' ? codeBleu : '', e.exactMatch, e.asr, e.trainLoss, e.seconds].map(String),
            );
          }
        }
      });
    });
  }

  it('npm run report: writes the file; bad arguments and unknown projects exit 2 with one line', () => {
    const cli = (args: string[], locale = 'en_US.UTF-8') => {
      try {
        const env = { ...process.env, LC_ALL: locale };
        const stdout = execFileSync(process.execPath, ['--import', 'tsx', 'main/cli/report.ts', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env });
        return { code: 0, stdout, stderr: '' };
      } catch (error) {
        const e = error as { status: number; stdout: string; stderr: string };
        return { code: e.status, stdout: e.stdout, stderr: e.stderr };
      }
    };
    const bad = cli(['--project', 'x', '--format', 'md']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('--project must be a positive integer');
    const unknown = cli(['--project', '999', '--data-dir', join(dir, 'data'), '--format', 'md']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe(`report: project 999 does not exist in ${join(dir, 'data')}`);
    const out = join(dir, 'cli', 'report.md');
    const ok = cli(['--project', String(projectId), '--data-dir', join(dir, 'data'), '--format', 'md', '--lang', 'ja', '--out', out]);
    expect(ok.code).toBe(0);
    expect(readdirSync(join(dir, 'cli'))).toEqual(['report.md']);
    // Without --lang the report follows the OS locale.
    const localeOut = join(dir, 'cli', 'locale.md');
    expect(cli(['--project', String(projectId), '--data-dir', join(dir, 'data'), '--format', 'md', '--out', localeOut], 'ja_JP.UTF-8').code).toBe(0);
    expect(readFileSync(localeOut, 'utf8')).toContain(messages('ja').historyTitle);
    expect(cli(['--project', String(projectId), '--data-dir', join(dir, 'data'), '--format', 'md', '--out', localeOut], 'en_GB.UTF-8').code).toBe(0);
    expect(readFileSync(localeOut, 'utf8')).toContain(messages('en').historyTitle);
  });
});
