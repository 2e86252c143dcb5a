import type { Locator, Page } from 'playwright-core';

/** The Production stage's panel: hyperparameters, rollback plan, exports, switch plan, sign-off and probes. */
export class ProductionPanel {
  readonly root: Locator;
  readonly hyperCurrent: Locator;
  readonly labelSmoothing: Locator;
  readonly alphaBase: Locator;
  readonly ignoreIndex: Locator;
  readonly fix: Locator;
  readonly rollbackText: Locator;
  readonly rollbackSave: Locator;
  readonly rollbackWrittenBy: Locator;
  readonly lossShow: Locator;
  readonly lossDownload: Locator;
  readonly lossCode: Locator;
  readonly switchPercent: Locator;
  readonly switchCheck: Locator;
  readonly switchRecord: Locator;
  readonly switchSteps: Locator;
  readonly signOffName: Locator;
  readonly signOffRole: Locator;
  readonly signOffComment: Locator;
  readonly signOffSubmit: Locator;
  readonly signOffs: Locator;
  readonly probeFile: Locator;
  readonly probeRun: Locator;
  readonly probeResult: Locator;
  readonly probeReopened: Locator;
  readonly probeRows: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('production-panel');
    this.hyperCurrent = page.getByTestId('hyper-current');
    this.labelSmoothing = page.getByTestId('hyper-label-smoothing');
    this.alphaBase = page.getByTestId('hyper-alpha-base');
    this.ignoreIndex = page.getByTestId('hyper-ignore-index');
    this.fix = page.getByTestId('hyper-fix');
    this.rollbackText = page.getByTestId('rollback-text');
    this.rollbackSave = page.getByTestId('rollback-save');
    this.rollbackWrittenBy = page.getByTestId('rollback-written-by');
    this.lossShow = page.getByTestId('loss-show');
    this.lossDownload = page.getByTestId('loss-download');
    this.lossCode = page.getByTestId('loss-code');
    this.switchPercent = page.getByTestId('switch-percent');
    this.switchCheck = page.getByTestId('switch-check');
    this.switchRecord = page.getByTestId('switch-record');
    this.switchSteps = page.getByTestId('switch-step');
    this.signOffName = page.getByTestId('sign-off-name');
    this.signOffRole = page.getByTestId('sign-off-role');
    this.signOffComment = page.getByTestId('sign-off-comment');
    this.signOffSubmit = page.getByTestId('sign-off-submit');
    this.signOffs = page.getByTestId('sign-off');
    this.probeFile = page.getByTestId('probe-file');
    this.probeRun = page.getByTestId('probe-run');
    this.probeResult = page.getByTestId('probe-result');
    this.probeReopened = page.getByTestId('probe-reopened');
    this.probeRows = page.getByTestId('probe-row');
  }

  lossFramework(framework: 'pytorch' | 'keras' | 'jax' | 'tfjs'): Locator {
    return this.page.getByTestId(`loss-framework-${framework}`);
  }

  switchOutcome(outcome: 'passed' | 'failed'): Locator {
    return this.page.getByTestId(`switch-outcome-${outcome}`);
  }

  signOffDecision(decision: 'go' | 'no-go'): Locator {
    return this.page.getByTestId(`sign-off-${decision}`);
  }
}
