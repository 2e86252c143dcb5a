import type { Locator, Page } from 'playwright-core';

export class LaunchDialog {
  readonly root: Locator;
  readonly name: Locator;
  readonly epochs: Locator;
  readonly seed: Locator;
  readonly dataset: Locator;
  readonly loss: Locator;
  readonly poisonRate: Locator;
  readonly estimate: Locator;
  readonly estimateValue: Locator;
  readonly submit: Locator;
  readonly pair: Locator;
  readonly importOpen: Locator;
  readonly importPanel: Locator;
  readonly importName: Locator;
  readonly importSubmit: Locator;
  readonly errors: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('launch-dialog');
    this.name = this.root.getByTestId('launch-name');
    this.epochs = this.root.getByTestId('launch-epochs');
    this.seed = this.root.getByTestId('launch-seed');
    this.dataset = this.root.getByTestId('launch-dataset');
    this.loss = this.root.getByTestId('launch-loss');
    this.poisonRate = this.root.getByTestId('launch-poison-rate');
    this.estimate = this.root.getByTestId('launch-estimate');
    this.estimateValue = this.root.getByTestId('launch-estimate-value');
    this.submit = this.root.getByTestId('launch-submit');
    this.pair = this.root.getByTestId('launch-pair');
    this.importOpen = this.root.getByTestId('dataset-import-open');
    this.importPanel = this.root.getByTestId('dataset-import');
    this.importName = this.root.getByTestId('import-name');
    this.importSubmit = this.root.getByTestId('import-submit');
    this.errors = this.root.getByTestId('modal-error');
  }

  importFile(split: 'train' | 'test' | 'valid' | 'pretrain'): Locator {
    return this.root.getByTestId(`import-${split}`);
  }

  size(preset: 'tiny' | 'quick' | 'standard'): Locator {
    return this.root.getByTestId(`size-${preset}`);
  }
}
