import type { Locator, Page } from 'playwright-core';

type StageName = 'pilot' | 'benchmark' | 'production';

/** The project wizard: stepper, checklist, runs, charts, gate and decision history. */
export class ProjectPage {
  readonly title: Locator;
  readonly backToProjects: Locator;
  readonly stagePanel: Locator;
  readonly checklistItems: Locator;
  readonly checklistNewText: Locator;
  readonly checklistAdd: Locator;
  readonly launchOpen: Locator;
  readonly exportCsv: Locator;
  readonly reportFormat: Locator;
  readonly reportLang: Locator;
  readonly downloadReport: Locator;
  readonly runRows: Locator;
  readonly liveRuns: Locator;
  readonly charts: Locator;
  readonly gate: Locator;
  readonly gateConditions: Locator;
  readonly gatePass: Locator;
  readonly gateOverride: Locator;
  readonly gateDecisionReason: Locator;
  readonly thresholdMaxAsr: Locator;
  readonly thresholdMaxBleuDrop: Locator;
  readonly thresholdMinRuns: Locator;
  readonly thresholdSave: Locator;
  readonly reasonInput: Locator;
  readonly reasonConfirm: Locator;
  readonly decisionHistory: Locator;

  constructor(readonly page: Page) {
    this.title = page.getByTestId('project-title');
    this.backToProjects = page.getByTestId('back-to-projects');
    this.stagePanel = page.getByTestId('stage-panel');
    this.checklistItems = page.getByTestId('checklist-item');
    this.checklistNewText = page.getByTestId('checklist-new-text');
    this.checklistAdd = page.getByTestId('checklist-add');
    this.launchOpen = page.getByTestId('launch-open');
    this.exportCsv = page.getByTestId('export-csv');
    this.reportFormat = page.getByTestId('report-format');
    this.reportLang = page.getByTestId('report-lang');
    this.downloadReport = page.getByTestId('download-report');
    this.runRows = page.getByTestId('run-row');
    this.liveRuns = page.getByTestId('live-runs');
    this.charts = page.getByTestId('run-charts');
    this.gate = page.getByTestId('gate');
    this.gateConditions = page.getByTestId('gate-condition');
    this.gatePass = page.getByTestId('gate-pass');
    this.gateOverride = page.getByTestId('gate-override');
    this.gateDecisionReason = page.getByTestId('gate-decision-reason');
    this.thresholdMaxAsr = page.getByTestId('threshold-max-asr');
    this.thresholdMaxBleuDrop = page.getByTestId('threshold-max-bleu-drop');
    this.thresholdMinRuns = page.getByTestId('threshold-min-runs');
    this.thresholdSave = page.getByTestId('threshold-save');
    this.reasonInput = page.getByTestId('reason-input');
    this.reasonConfirm = page.getByTestId('reason-confirm');
    this.decisionHistory = page.getByTestId('decision-history');
  }

  stageTab(stage: StageName): Locator {
    return this.page.getByTestId(`stage-tab-${stage}`);
  }

  async openStage(stage: StageName): Promise<void> {
    await this.stageTab(stage).click();
    await this.page.locator(`[data-testid="stage-panel"][data-stage="${stage}"]`).waitFor();
  }

  checklistItem(index: number): Locator {
    return this.checklistItems.nth(index);
  }

  /** Ticks an item and waits until the stored state (reloaded through the API) shows it done. */
  async tick(index: number, answerActor?: () => Promise<void>): Promise<void> {
    const item = this.checklistItem(index);
    await item.getByTestId('checklist-toggle').click();
    if (answerActor) await answerActor();
    await item.and(this.page.locator('[data-done="true"]')).waitFor();
  }

  runRowsWithStatus(status: string): Locator {
    return this.page.locator(`[data-testid="run-row"][data-status="${status}"]`);
  }

  runRowForLoss(loss: string): Locator {
    return this.page.locator(`[data-testid="run-row"][data-loss="${loss}"]`);
  }

  chart(name: 'loss' | 'bleu' | 'asr'): Locator {
    return this.page.getByTestId(`chart-${name}`);
  }

  chartLegend(name: 'loss' | 'bleu' | 'asr'): Locator {
    return this.page.getByTestId(`chart-${name}-legend`);
  }

  async setThresholds(values: { maxAsr: number; maxBleuDrop: number; minRunsPerLoss: number }): Promise<void> {
    await this.thresholdMaxAsr.fill(String(values.maxAsr));
    await this.thresholdMaxBleuDrop.fill(String(values.maxBleuDrop));
    await this.thresholdMinRuns.fill(String(values.minRunsPerLoss));
    await this.thresholdSave.click();
  }
}
