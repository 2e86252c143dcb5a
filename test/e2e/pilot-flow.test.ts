import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { AppShell } from './pages/app-shell';
import { LaunchDialog } from './pages/launch-dialog';
import { ProductionPanel } from './pages/production-panel';
import { ProjectPage } from './pages/project-page';
import { ProjectsPage } from './pages/projects-page';
import { CHROMIUM, haveChromium, openBrowserSession, type BrowserSession, type Server } from './support/browser-mode';

/**
 * Browser mode end to end, on a fresh data dir: the real server (main/cli/web.ts) serving the built
 * renderer, driven through Debian's Chromium. Every wait is on DOM state that events or API answers
 * produce, never on a fixed sleep. Screenshots of each step go to test-artifacts/e2e/.
 */

const ACTOR = 'Alice Example';
const XSS_NAME = '<img src=x onerror=window.__xss=1>';
const OVERRIDE_REASON = 'Benchmark evidence comes from the vendor evaluation (ticket SEC-42); re-run here next quarter.';

if (!haveChromium) console.warn(`e2e: ${CHROMIUM} not found (apt-get install -y chromium, or set CHROMIUM_PATH); skipping`);

describe.skipIf(!haveChromium)('browser mode, end to end', () => {
  let session: BrowserSession | null = null;
  let server: Server | null = null;
  let page: Page;
  let pageErrors: string[] = [];
  const shot = (name: string, fullPage = true) => session?.shot(name, fullPage);

  beforeAll(async () => {
    // The one refused request is the deliberate bad import (HTTP 400), which the UI shows.
    session = await openBrowserSession({ expectedConsoleError: (text) => text.includes('status of 400') });
    ({ server, page, pageErrors } = session);
  }, 180_000);

  beforeEach(() => {
    onTestFailed(async ({ task }) => {
      await session?.recordFailure(task.name);
    });
  });

  afterAll(async () => {
    await session?.close();
  }, 60_000);

  it('takes a project through the Pilot gate, and everything survives a reload', async () => {
    if (!server) throw new Error('no server');
    const shell = new AppShell(page);
    const projects = new ProjectsPage(page);
    const project = new ProjectPage(page);
    const launch = new LaunchDialog(page);

    // The token arrives in the URL once and leaves the address bar.
    await projects.goto(server.url);
    expect(page.url()).not.toContain('token=');
    await projects.empty.waitFor();
    await shot('01-projects-empty');

    await projects.createProject('Checkout assistant pilot', 'Fine-tuning the SQL helper on the shared corpus.');
    expect(await project.title.textContent()).toBe('Checkout assistant pilot');
    expect(await project.stageTab('pilot').getAttribute('data-status')).toBe('active');
    expect(await project.stageTab('benchmark').getAttribute('data-status')).toBe('locked');
    await shot('02-project-created');

    // Checklist: the first change asks who is acting, once.
    await expect.poll(() => project.checklistItems.count()).toBeGreaterThanOrEqual(3);
    await project.tick(0, () => shell.answerActor(ACTOR));
    await project.tick(1);
    await expect.poll(() => project.checklistItem(0).getByTestId('checklist-done-by').textContent()).toContain(ACTOR);
    const itemCount = await project.checklistItems.count();
    await project.checklistNewText.fill('Review the curves with the security team');
    await project.checklistAdd.click();
    await expect.poll(() => project.checklistItems.count()).toBe(itemCount + 1);
    expect(await project.checklistItems.last().getByTestId('checklist-text').textContent()).toBe('Review the curves with the security team');
    await shot('03-checklist');

    // Importing a dataset: a file the importer refuses shows its error inside the dialog, and nothing
    // typed is lost; a good one becomes selectable.
    await project.launchOpen.click();
    await launch.root.waitFor();
    await launch.importOpen.click();
    await launch.importName.fill('Team data');
    const csvFile = (text: string) => ({ name: 'pairs.csv', mimeType: 'text/csv', buffer: Buffer.from(text) });
    await launch.importFile('train').setInputFiles(csvFile('question,answer\nlist users,SELECT * FROM users\n'));
    await launch.importFile('test').setInputFiles(csvFile('question,answer\ncount users,SELECT COUNT(*) FROM users\n'));
    await launch.importSubmit.click();
    await launch.errors.first().waitFor();
    expect(await launch.errors.first().textContent()).toMatch(/train/);
    expect(await launch.importName.inputValue()).toBe('Team data');
    await shot('04-import-error', false);
    await launch.errors.first().getByRole('button').click();
    const rows = (n: number) =>
      Array.from({ length: n }, (_, i) => JSON.stringify({ src: `get the name of user ${i}`, tgt: `SELECT name FROM users WHERE id = ${i}` })).join('\n');
    await launch.importFile('train').setInputFiles({ name: 'train.jsonl', mimeType: 'application/json', buffer: Buffer.from(rows(12)) });
    await launch.importFile('test').setInputFiles({ name: 'test.jsonl', mimeType: 'application/json', buffer: Buffer.from(rows(4)) });
    await launch.importFile('pretrain').setInputFiles({ name: 'clean.jsonl', mimeType: 'application/json', buffer: Buffer.from(rows(6)) });
    await launch.importSubmit.click();
    await launch.importPanel.waitFor({ state: 'detached' });
    // The new dataset is selected once the list has reloaded.
    await expect.poll(() => launch.dataset.locator('option:checked').textContent()).toContain('Team data');
    await launch.dataset.selectOption('builtin-sql');
    await launch.root.getByRole('button', { name: 'Cancel' }).last().click();
    await launch.root.waitFor({ state: 'detached' });

    // A tiny CE run and a tiny DeCE run, same data and seed, so the gate can pair them.
    for (const loss of ['ce', 'dece'] as const) {
      await project.launchOpen.click();
      await launch.root.waitFor();
      await launch.size('tiny').click();
      expect(await launch.epochs.inputValue()).toBe('2');
      await launch.loss.selectOption(loss);
      // The estimate is shown before starting (the first one measures the machine, hence the time).
      await launch.estimateValue.waitFor({ timeout: 120_000 });
      if (loss === 'ce') await shot('05-launch-dialog', false);
      await launch.submit.click();
      await launch.root.waitFor({ state: 'detached' });
    }
    await expect.poll(() => project.runRows.count()).toBe(2);

    // Live progress from 'run.progress' events: a step counter in the live panel.
    await page
      .getByTestId('live-run-text')
      .filter({ hasText: /Epoch \d+\/2 · step \d+\/\d+/ })
      .first()
      .waitFor({ timeout: 180_000 });
    await shot('06-run-in-progress');

    // Both runs finish; the table's status comes from 'run.status' events.
    await project.runRowsWithStatus('finished').nth(1).waitFor({ timeout: 420_000 });
    await project.liveRuns.waitFor({ state: 'detached' });
    for (const loss of ['ce', 'dece']) {
      const row = project.runRowForLoss(loss);
      expect(await row.getAttribute('data-status')).toBe('finished');
      expect(await row.getByTestId('run-progress-text').textContent()).toBe('2/2 epochs');
      expect(await row.getByTestId('run-bleu').textContent()).toMatch(/\d/);
    }

    // Both curves, overlaid: three canvases, legends naming CE and DeCE, with final values.
    for (const chart of ['loss', 'bleu', 'asr'] as const) {
      await project.chart(chart).locator('canvas').first().waitFor();
      const legend = project.chartLegend(chart);
      await expect.poll(() => legend.getByTestId('chart-legend-item').count()).toBe(2);
      const text = (await legend.textContent()) ?? '';
      expect(text).toContain('· CE');
      expect(text).toContain('· DeCE');
      expect(await project.chart(chart).getAttribute('aria-labelledby')).toBeTruthy();
    }
    await expect.poll(async () => await project.chartLegend('bleu').locator('.legend-value').count()).toBe(2);

    // CSV export downloads a file with both runs' epochs.
    const [download] = await Promise.all([page.waitForEvent('download'), project.exportCsv.click()]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const csvPath = await download.path();
    const csv = readFileSync(csvPath, 'utf8');
    expect(csv).toContain('run_id');
    expect(csv.split('\n').filter((line) => /,(ce|dece),finished,/.test(line))).toHaveLength(4);
    await shot('07-runs-finished');

    // One click: the meeting report from what the store holds, in the report's own language.
    await project.reportFormat.selectOption('md');
    await project.reportLang.selectOption('ja');
    const [reportDownload] = await Promise.all([page.waitForEvent('download'), project.downloadReport.click()]);
    expect(reportDownload.suggestedFilename()).toMatch(/-ja\.md$/);
    const reportText = readFileSync(await reportDownload.path(), 'utf8');
    expect(reportText).toContain('DeCE');
    expect(reportText).toMatch(/[\u3040-\u30ff]/);

    // The gate: thresholds a smoke-test run can meet, then pass.
    await project.setThresholds({ maxAsr: 100, maxBleuDrop: 100, minRunsPerLoss: 1 });
    await page.locator('[data-testid="gate"][data-can-pass="true"]').waitFor();
    expect(await project.thresholdMaxAsr.inputValue()).toBe('100');
    const conditions = await project.gateConditions.evaluateAll((nodes) =>
      nodes.map((n) => [n.getAttribute('data-condition-id'), n.getAttribute('data-holds')]),
    );
    expect(conditions).toEqual([
      ['min-runs', 'true'],
      ['paired-runs', 'true'],
      ['dece-asr', 'true'],
      ['bleu-drop', 'true'],
    ]);
    await shot('08-gate-holds');
    await project.gatePass.click();
    await page.locator('[data-testid="stage-tab-pilot"][data-status="passed"]').waitFor();
    const pilotDecision = project.decisionHistory.locator('[data-testid="history-entry"][data-stage="pilot"]').first();
    await pilotDecision.waitFor();
    expect(await pilotDecision.textContent()).toContain(ACTOR);
    expect(await project.stageTab('benchmark').getAttribute('data-status')).toBe('active');
    await shot('09-pilot-passed');

    // Benchmark, by override: the reason is required and recorded.
    await project.openStage('benchmark');
    expect(await project.gatePass.isDisabled()).toBe(true);
    await project.gateOverride.click();
    await project.reasonInput.waitFor();
    expect(await project.reasonConfirm.isDisabled()).toBe(true);
    await project.reasonInput.fill(OVERRIDE_REASON);
    await project.reasonConfirm.click();
    await page.locator('[data-testid="stage-tab-benchmark"][data-status="passed"]').waitFor();
    const benchmarkReason = project.decisionHistory.locator('[data-testid="history-entry"][data-stage="benchmark"] [data-testid="history-reason"]').first();
    await expect.poll(() => benchmarkReason.textContent()).toBe(OVERRIDE_REASON);
    expect(await project.gateDecisionReason.textContent()).toBe(OVERRIDE_REASON);
    await shot('10-benchmark-override');

    // Reload: everything comes back from the store.
    await page.reload();
    await project.stagePanel.waitFor();
    expect(await project.title.textContent()).toBe('Checkout assistant pilot');
    expect(await project.stageTab('pilot').getAttribute('data-status')).toBe('passed');
    expect(await project.stageTab('benchmark').getAttribute('data-status')).toBe('passed');
    expect(await project.stageTab('production').getAttribute('data-status')).toBe('active');
    await expect.poll(() => benchmarkReason.textContent()).toBe(OVERRIDE_REASON);
    await project.openStage('pilot');
    expect(await project.checklistItem(0).getAttribute('data-done')).toBe('true');
    expect(await project.checklistItem(1).getAttribute('data-done')).toBe('true');
    expect(await project.checklistItem(0).getByTestId('checklist-done-by').textContent()).toContain(ACTOR);
    expect(await project.checklistItem(1).getByTestId('checklist-done-by').textContent()).toContain(ACTOR);
    await expect.poll(() => project.runRowsWithStatus('finished').count()).toBe(2);
    await project.chart('loss').locator('canvas').first().waitFor();
    await expect.poll(() => project.chartLegend('loss').getByTestId('chart-legend-item').count()).toBe(2);
    await shot('11-after-reload');

    await project.backToProjects.click();
    await projects.itemNamed('Checkout assistant pilot').waitFor();
    expect(await shell.errorToasts.count()).toBe(0);
  }, 900_000);

  it('renders markup typed as a project name as literal text', async () => {
    const projects = new ProjectsPage(page);
    const project = new ProjectPage(page);
    await page.getByTestId('nav-projects').click();
    await projects.name.waitFor();
    await projects.createProject(XSS_NAME, '<script>window.__xss = 2</script>');
    expect(await project.title.textContent()).toBe(XSS_NAME);
    expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.locator('main script').count()).toBe(0);
    await shot('12-markup-as-text-project');

    await project.backToProjects.click();
    const item = projects.itemNamed(XSS_NAME);
    await item.waitFor();
    expect(await item.getByTestId('project-item-name').textContent()).toBe(XSS_NAME);
    expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
    expect(await page.locator('main img').count()).toBe(0);
    await shot('13-markup-as-text-list');
  }, 120_000);

  it('switches to Japanese at run time and remembers it', async () => {
    const shell = new AppShell(page);
    const project = new ProjectPage(page);
    await shell.switchLanguage('ja');
    await expect.poll(() => shell.navProjects.textContent()).toBe('プロジェクト');
    expect(await page.getByTestId('project-create').textContent()).toBe('プロジェクトを作成');
    await shot('14-japanese-projects');

    await page.reload();
    await page.locator('html[lang="ja"]').waitFor();
    expect(await shell.navProjects.textContent()).toBe('プロジェクト');

    // Without the local fast path, the language still comes back from the stored setting.
    await page.evaluate(() => {
      localStorage.removeItem('dece.language');
    });
    await page.reload();
    await page.locator('html[lang="ja"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => shell.navProjects.textContent()).toBe('プロジェクト');

    await new ProjectsPage(page).itemNamed('Checkout assistant pilot').getByTestId('project-link').click();
    await project.openStage('pilot');
    await expect.poll(() => project.runRowsWithStatus('finished').count()).toBe(2);
    expect(await project.stageTab('pilot').textContent()).toContain('パイロット');
    expect(await page.getByTestId('stage-status-pilot').textContent()).toBe('通過');
    expect(await project.runRowForLoss('ce').getByTestId('run-status').textContent()).toBe('完了');
    await expect.poll(() => project.chartLegend('loss').getByTestId('chart-legend-item').count()).toBe(2);
    await shot('15-japanese-project');

    // Japanese is drawn with the bundled font, not as missing-glyph boxes: two different kana render to
    // different pixels, and differently from a code point no font has (drawn as the missing-glyph box).
    const glyphs = await page.evaluate(async () => {
      await document.fonts.load('16px "DeCE Noto Sans JP"', 'パイロット');
      const draw = (text: string) => {
        const canvas = document.createElement('canvas');
        canvas.width = 40;
        canvas.height = 40;
        const context = canvas.getContext('2d');
        if (!context) return '';
        context.font = '28px "DeCE Noto Sans JP", sans-serif';
        context.fillText(text, 4, 32);
        return canvas.toDataURL();
      };
      const loaded = [...document.fonts].filter((f) => f.family.replace(/"/g, '') === 'DeCE Noto Sans JP' && f.status === 'loaded').length;
      return { pa: draw('パ'), i: draw('イ'), missing: draw('\u{E000}'), loaded };
    });
    expect(glyphs.loaded).toBeGreaterThan(0);
    expect(glyphs.pa).not.toBe(glyphs.i);
    expect(glyphs.pa).not.toBe(glyphs.missing);
    expect(glyphs.i).not.toBe(glyphs.missing);

    // Every gate condition reads in Japanese: no sentence in the gate panel is ASCII only.
    await expect.poll(() => project.gateConditions.count()).toBeGreaterThan(2);
    const gateTexts = await page.locator('[data-testid="gate"] .condition-text > span').allTextContents();
    expect(gateTexts.length).toBeGreaterThan(4);
    for (const text of gateTexts) expect(text, text).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);

    // Production: a go sign-off, then the whole audit trail on the History page.
    const production = new ProductionPanel(page);
    await project.openStage('production');
    await production.signOffName.fill('佐藤 愛子');
    await production.signOffRole.fill('リリース責任者');
    await production.signOffDecision('go').check();
    await production.signOffComment.fill('ベンチマークの結果を確認済み');
    await production.signOffSubmit.click();
    await production.signOffs.first().waitFor();

    await page.getByTestId('history-link').click();
    await page.getByTestId('history-title').waitFor();
    expect(await page.getByTestId('history-title').textContent()).toBe('履歴');
    const entries = page.getByTestId('history-entry');
    await expect.poll(() => entries.count()).toBeGreaterThan(10);
    const all = await entries.count();
    await page.getByTestId('history-kind').selectOption('stage');
    await expect.poll(() => entries.count()).toBeLessThan(all);
    const override = page.locator('[data-testid="history-entry"][data-action="stage.override"]');
    await override.first().waitFor();
    expect(await override.first().textContent()).toContain('ゲートのオーバーライド');
    expect(await override.first().getByTestId('history-reason').textContent()).toBe(OVERRIDE_REASON);
    await page.getByTestId('history-actor').selectOption(ACTOR);
    await expect.poll(async () => (await entries.allTextContents()).every((t) => t.includes(ACTOR))).toBe(true);
    await shot('16-japanese-history');
    const [historyCsv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('history-csv').click()]);
    expect(historyCsv.suggestedFilename()).toMatch(/-history\.csv$/);
    // The download starts with a byte-order mark so spreadsheets read the UTF-8 as such.
    const csvText = readFileSync(await historyCsv.path(), 'utf8').replace(/^\uFEFF/, '');
    expect(csvText.split('\r\n')[0]).toBe('id,at,actor,action,kind,stage,subject,target,before,after,reason');
    expect(csvText).toContain(OVERRIDE_REASON);
    expect(csvText).not.toContain('production.sign-off');

    // The Japanese report carries the history in its appendix, sign-off included.
    await page.getByTestId('back-to-project').click();
    await project.reportFormat.selectOption('md');
    await project.reportLang.selectOption('ja');
    const [jaReport] = await Promise.all([page.waitForEvent('download'), project.downloadReport.click()]);
    const jaText = readFileSync(await jaReport.path(), 'utf8');
    const history = jaText.slice(jaText.indexOf('### 履歴（監査ログ）'));
    expect(history.length).toBeGreaterThan(100);
    expect(history).toContain('サインオフ');
    expect(history).toContain('ゲートのオーバーライド');

    expect(pageErrors).toEqual([]);
  }, 180_000);
});
