import { readFileSync } from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { AppShell } from './pages/app-shell';
import { BenchmarkPanel } from './pages/benchmark-panel';
import { ProjectPage } from './pages/project-page';
import { ProjectsPage } from './pages/projects-page';
import { CHROMIUM, haveChromium, openBrowserSession, type BrowserSession } from './support/browser-mode';

/**
 * The Benchmark stage in browser mode, on a fresh data dir: pass the Pilot by override, plan a tiny
 * matrix (one dataset, one attack, one rate, CE + DeCE, one seed), run it through the real job service,
 * and read its results, heat-map, early-learning pair and CSV; then the same page in Japanese. Every
 * wait is on DOM state produced by API answers and pushed events, never on a fixed sleep.
 */

const ACTOR = 'Bea Benchmark';
const OVERRIDE_REASON = 'The pilot ran on the vendor side; we benchmark here directly (ticket SEC-77).';

const numberIn = async (locator: Locator) => Number(((await locator.textContent()) ?? '').replace(/[^\d.]/g, ''));

if (!haveChromium) console.warn(`e2e: ${CHROMIUM} not found (apt-get install -y chromium, or set CHROMIUM_PATH); skipping`);

describe.skipIf(!haveChromium)('Benchmark stage, end to end', () => {
  let session: BrowserSession | null = null;
  let page: Page;

  beforeAll(async () => {
    session = await openBrowserSession();
    page = session.page;
    // The name audited changes are recorded under, as the "who is making changes?" dialog would store it.
    await page.addInitScript((name) => {
      localStorage.setItem('dece.actor', name);
    }, ACTOR);
  }, 180_000);

  beforeEach(() => {
    onTestFailed(async ({ task }) => {
      await session?.recordFailure(`benchmark-${task.name}`);
    });
  });

  afterAll(async () => {
    await session?.close();
  }, 60_000);

  /** A new project whose Pilot gate is passed by override (with a reason), open on its Benchmark stage. */
  const openBenchmarkStage = async (projectName: string): Promise<BenchmarkPanel> => {
    if (!session) throw new Error('no session');
    const projects = new ProjectsPage(page);
    const project = new ProjectPage(page);
    await projects.goto(session.server.url);
    await projects.createProject(projectName, 'CE vs DeCE on the Benchmark stage.');
    expect(await project.stageTab('benchmark').getAttribute('data-status')).toBe('locked');
    await project.gateOverride.click();
    await project.reasonInput.fill(OVERRIDE_REASON);
    await project.reasonConfirm.click();
    await page.locator('[data-testid="stage-tab-pilot"][data-status="passed"]').waitFor();
    expect(await project.stageTab('benchmark').getAttribute('data-status')).toBe('active');
    await project.openStage('benchmark');
    const bench = new BenchmarkPanel(page);
    await bench.form.waitFor();
    return bench;
  };

  it('plans, runs and reports a tiny CE vs DeCE matrix', async () => {
    if (!session) throw new Error('no session');
    const shell = new AppShell(page);
    const bench = await openBenchmarkStage('Benchmark matrix');
    await bench.benchmarkRows.or(page.getByTestId('benchmarks-empty')).first().waitFor();
    expect(await bench.benchmarkRows.count()).toBe(0);

    // The defaults the issue asks for: rates 1, 2, 5 %, three seeds, CE clean / CE / DeCE.
    expect(await bench.rates.inputValue()).toBe('1, 2, 5');
    expect(await bench.seedCount.inputValue()).toBe('3');
    expect(await bench.arm('ce-clean').isChecked()).toBe(true);
    expect(await bench.arm('ce').isChecked()).toBe(true);
    expect(await bench.arm('dece').isChecked()).toBe(true);
    // Every attack kind is offered, the adaptive one included.
    await bench.attack('spread-trigger').waitFor();

    // A bad rate is named next to its field and blocks the start.
    await bench.rates.fill('5, abc');
    await bench.ratesError.waitFor();
    expect(await bench.ratesError.textContent()).toContain('abc');
    expect(await bench.start.isDisabled()).toBe(true);

    // The tiny matrix.
    await bench.name.fill('Tiny CE vs DeCE');
    await bench.size.selectOption('tiny');
    await bench.dataset('builtin-sql').setChecked(true);
    await bench.dataset('builtin-java').setChecked(false);
    await bench.attack('badpre').setChecked(true);
    await bench.rates.fill('5');
    await bench.ratesError.waitFor({ state: 'detached' });
    await bench.checkOnly({ 'ce-clean': bench.arm('ce-clean'), ce: bench.arm('ce'), dece: bench.arm('dece') }, ['ce', 'dece']);
    await bench.seedCount.fill('1');

    // The live plan: two cells, two or three training runs, a duration, before anything starts.
    await expect.poll(() => bench.planValue.isVisible(), { timeout: 60_000 }).toBe(true);
    await expect.poll(() => numberIn(bench.planFact('cells')), { timeout: 30_000 }).toBe(2);
    const runs = (await numberIn(bench.planFact('newRuns'))) + (await numberIn(bench.planFact('reusedRuns')));
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(runs).toBeLessThanOrEqual(3);
    expect(await bench.planFact('duration').textContent()).toMatch(/\d/);
    await session.shot('bench-01-plan');

    await bench.start.click();
    await bench.benchmarkRows.first().waitFor();
    await bench.detail.waitFor();
    await expect.poll(() => bench.cells.count()).toBe(2);

    // Finished, as the UI says once the cells' runs have ended (run.status events reload it).
    await bench.detailWithStatus('finished').waitFor({ timeout: 840_000 });
    expect(await bench.progress.getAttribute('data-finished')).toBe('2');
    expect(await bench.progress.getAttribute('data-total')).toBe('2');
    expect(await bench.detail.locator('[data-testid="bench-cell"][data-status="finished"]').count()).toBe(2);

    // Results per scenario: a CE row and a DeCE row with mean values; DeCE's difference to CE.
    await expect.poll(() => bench.scenarioRows.count()).toBe(2);
    const deceRow = bench.detail.locator('[data-testid="scenario-row"][data-arm="dece"]');
    expect(await deceRow.getByTestId('scenario-bleu').textContent()).toMatch(/\d/);
    expect(await deceRow.getByTestId('scenario-asr').textContent()).toMatch(/\d/);
    expect(await deceRow.getByTestId('scenario-diff-asr').textContent()).toMatch(/[+\-−]?\d/);
    expect(await bench.detail.locator('[data-testid="scenario-row"][data-arm="ce"]').getByTestId('scenario-bleu').textContent()).toMatch(/\d/);

    // The ASR heat-map: one row (badpre at 5 %), a cell per arm, each labelled for screen readers.
    await expect.poll(() => bench.heatmapCells.count()).toBe(2);
    for (const arm of ['ce', 'dece']) {
      const cell = bench.detail.locator(`[data-testid="heatmap-cell"][data-arm="${arm}"]`);
      expect(await cell.textContent()).toMatch(/\d+\s?%/);
      expect(await cell.getAttribute('aria-label')).toMatch(/ASR \d/);
    }
    await bench.heatmap.getByTestId('heatmap-legend').waitFor();

    // Early learning: the pair's onset is stated in words (an epoch, or "never").
    await bench.ceOnset.waitFor();
    expect(await bench.ceOnset.textContent()).toMatch(/CE (starts learning the trigger at epoch \d+|never learned the trigger)/);
    await bench.earlyLearning.getByTestId('early-asr').locator('canvas').first().waitFor();
    // Where the pair stopped and why: CE at its epoch bound, DeCE with CE.
    expect(await bench.earlyLearning.getByTestId('early-stops').getByTestId('run-stop').evaluateAll((items) => items.map((i) => i.getAttribute('data-reason')))).toEqual([
      'max-epochs',
      'paired-run-stopped',
    ]);
    await session.shot('bench-02-finished');

    // CSV export downloads a file with the scenarios.
    const [download] = await Promise.all([page.waitForEvent('download'), bench.exportCsv.click()]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const csv = readFileSync(await download.path(), 'utf8');
    expect(csv.split('\n').filter((line) => line.trim() !== '').length).toBeGreaterThanOrEqual(3);
    expect(csv).toMatch(/dece/i);

    // More seeds: extend with the next one (offered by default), pause while it runs, resume, finish.
    const extendSeeds = bench.detail.getByTestId('benchmark-extend-seeds');
    expect(await extendSeeds.inputValue()).toBe('2');
    await bench.detail.getByTestId('benchmark-extend').click();
    await bench.detailWithStatus('running').waitFor();
    await expect.poll(() => bench.cells.count()).toBe(4);
    await bench.pause.click();
    await bench.detailWithStatus('paused').waitFor();
    expect(Number(await bench.progress.getAttribute('data-finished'))).toBeLessThan(4);
    await bench.resume.click();
    await bench.detailWithStatus('finished').waitFor({ timeout: 840_000 });
    expect(await bench.progress.getAttribute('data-finished')).toBe('4');
    // Each scenario is now over two seeds.
    await expect.poll(() => deceRow.locator('td').first().textContent()).toBe('2');
    expect(await deceRow.getByTestId('scenario-bleu').textContent()).toContain('±');

    // The same results in Japanese.
    await shell.switchLanguage('ja');
    await expect.poll(() => bench.scenarioTable.locator('thead').textContent()).toContain('シナリオ');
    expect(await bench.heatmap.textContent()).toContain('攻撃成功率のヒートマップ');
    expect(await bench.ceOnset.textContent()).toMatch(/エポック|発現なし/);
    await session.shot('bench-03-japanese');
    await shell.switchLanguage('en');

    expect(session.pageErrors).toEqual([]);
  }, 1_200_000);

  it('searches DeCE hyperparameters on the validation split and shows the explored points', async () => {
    if (!session) throw new Error('no session');
    const bench = await openBenchmarkStage('DeCE search');
    await bench.tab('search').click();
    await bench.search.waitFor();
    await page.getByTestId('searches-empty').waitFor();
    // The objective is stated in words, with the tolerance as typed.
    await bench.searchField('tolerance').fill('100');
    expect(await bench.searchField('objective').textContent()).toMatch(/lowest attack success rate.*validation.*minus 100 points.*test set is never used/);

    // A bad ε list is named next to its field.
    await bench.searchField('labelSmoothing').fill('0.05, 1.5');
    expect(await page.getByTestId('search-labelSmoothing-field-error').textContent()).toContain('1.5');
    expect(await bench.searchField('start').isDisabled()).toBe(true);

    await bench.searchField('size').selectOption('tiny');
    await bench.searchField('method').selectOption('grid');
    await bench.searchField('labelSmoothing').fill('0.05');
    await bench.searchField('alphaBase').fill('0.9, 0.99');
    expect(await bench.searchField('points').textContent()).toContain('2');
    await bench.searchField('start').click();

    const detail = bench.search.getByTestId('search-detail');
    await detail.waitFor();
    await bench.search.locator('[data-testid="search-detail"][data-status="finished"]').waitFor({ timeout: 840_000 });
    // Every explored point is on the chart, right of CE − tolerance (a tolerance of 100 makes all feasible).
    await expect.poll(() => detail.getByTestId('scatter-point').count()).toBeGreaterThanOrEqual(2);
    expect(await detail.locator('[data-testid="scatter-point"][data-feasible="true"]').count()).toBeGreaterThanOrEqual(2);
    await detail.getByTestId('scatter-threshold').waitFor();
    expect(await detail.getByTestId('search-trial').count()).toBeGreaterThanOrEqual(2);
    expect(await detail.getByTestId('search-chosen').getAttribute('data-chosen')).toBe('true');
    await detail.getByTestId('scatter-chosen').waitFor();
    expect(await detail.locator('[data-testid="search-trial"][data-chosen="true"]').count()).toBe(1);
    expect(((await detail.getByTestId('search-explanation').textContent()) ?? '').length).toBeGreaterThan(0);
    await detail.getByTestId('search-sensitivity').waitFor();
    expect(await detail.getByTestId('search-reference').textContent()).toMatch(/BLEU \d/);
    await session.shot('bench-04-search');
    expect(session.pageErrors).toEqual([]);
  }, 1_200_000);
});
