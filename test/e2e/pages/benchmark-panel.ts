import type { Locator, Page } from 'playwright-core';

type Arm = 'ce-clean' | 'ce' | 'dece' | 'ls' | 'gce' | 'intrust' | 'onion' | 'spectral';

/** The Benchmark stage's panel: matrix form and plan, benchmarks, results, early learning, search. */
export class BenchmarkPanel {
  readonly root: Locator;
  readonly form: Locator;
  readonly name: Locator;
  readonly size: Locator;
  readonly rates: Locator;
  readonly ratesError: Locator;
  readonly seedMode: Locator;
  readonly seedCount: Locator;
  readonly seedList: Locator;
  readonly plan: Locator;
  readonly planValue: Locator;
  readonly start: Locator;
  readonly benchmarkRows: Locator;
  readonly detail: Locator;
  readonly progress: Locator;
  readonly cells: Locator;
  readonly scenarioTable: Locator;
  readonly scenarioRows: Locator;
  readonly heatmap: Locator;
  readonly heatmapCells: Locator;
  readonly exportCsv: Locator;
  readonly earlyLearning: Locator;
  readonly ceOnset: Locator;
  readonly pause: Locator;
  readonly resume: Locator;
  readonly search: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('benchmark-panel');
    this.form = this.root.getByTestId('matrix-form');
    this.name = this.form.getByTestId('matrix-name');
    this.size = this.form.getByTestId('matrix-size');
    this.rates = this.form.getByTestId('matrix-rates');
    this.ratesError = this.form.getByTestId('matrix-rates-field-error');
    this.seedMode = this.form.getByTestId('matrix-seed-mode');
    this.seedCount = this.form.getByTestId('matrix-seed-count');
    this.seedList = this.form.getByTestId('matrix-seed-list');
    this.plan = this.form.getByTestId('matrix-plan');
    this.planValue = this.form.getByTestId('matrix-plan-value');
    this.start = this.form.getByTestId('matrix-start');
    this.benchmarkRows = this.root.getByTestId('benchmark-row');
    this.detail = this.root.getByTestId('benchmark-detail');
    this.progress = this.detail.getByTestId('benchmark-progress');
    this.cells = this.detail.getByTestId('bench-cell');
    this.scenarioTable = this.detail.getByTestId('scenario-table');
    this.scenarioRows = this.detail.getByTestId('scenario-row');
    this.heatmap = this.detail.getByTestId('asr-heatmap');
    this.heatmapCells = this.detail.getByTestId('heatmap-cell');
    this.exportCsv = this.detail.getByTestId('benchmark-export-csv');
    this.earlyLearning = this.detail.getByTestId('early-learning');
    this.ceOnset = this.detail.getByTestId('early-ce-onset');
    this.pause = this.detail.getByTestId('benchmark-pause');
    this.resume = this.detail.getByTestId('benchmark-resume');
    this.search = this.root.getByTestId('search-panel');
  }

  tab(name: 'matrix' | 'search'): Locator {
    return this.root.getByTestId(`benchmark-tab-${name}`);
  }

  dataset(key: string): Locator {
    return this.form.getByTestId(`matrix-dataset-${key}`);
  }

  attack(kind: string): Locator {
    return this.form.getByTestId(`matrix-attack-${kind}`);
  }

  arm(arm: Arm): Locator {
    return this.form.getByTestId(`matrix-arm-${arm}`);
  }

  /** A number of the live plan: 'cells', 'newRuns', 'reusedRuns', 'defenseJobs', 'poisonedDatasets' or 'duration'. */
  planFact(name: string): Locator {
    return this.planValue.getByTestId(`plan-${name}`);
  }

  /** Ticks exactly the given checkboxes of a group (the others are cleared). */
  async checkOnly(boxes: Record<string, Locator>, wanted: readonly string[]): Promise<void> {
    for (const [key, box] of Object.entries(boxes)) await box.setChecked(wanted.includes(key));
  }

  detailWithStatus(status: 'running' | 'paused' | 'finished'): Locator {
    return this.root.locator(`[data-testid="benchmark-detail"][data-status="${status}"]`);
  }

  /** The search tab's pieces. */
  searchField(name: string): Locator {
    return this.search.getByTestId(`search-${name}`);
  }
}
