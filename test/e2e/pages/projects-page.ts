import type { Locator, Page } from 'playwright-core';

export class ProjectsPage {
  readonly name: Locator;
  readonly description: Locator;
  readonly create: Locator;
  readonly items: Locator;
  readonly empty: Locator;

  constructor(readonly page: Page) {
    this.name = page.getByTestId('project-name');
    this.description = page.getByTestId('project-description');
    this.create = page.getByTestId('project-create');
    this.items = page.getByTestId('project-item');
    this.empty = page.getByTestId('projects-empty');
  }

  async goto(baseUrl: string): Promise<void> {
    await this.page.goto(baseUrl);
    await this.name.waitFor();
  }

  async createProject(name: string, description: string): Promise<void> {
    await this.name.fill(name);
    await this.description.fill(description);
    await this.create.click();
    await this.page.getByTestId('stage-panel').waitFor();
  }

  itemNamed(name: string): Locator {
    return this.items.filter({ has: this.page.getByTestId('project-item-name').getByText(name, { exact: true }) });
  }
}
