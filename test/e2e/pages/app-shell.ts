import type { Locator, Page } from 'playwright-core';

/** The header and the app-wide dialogs and toasts. */
export class AppShell {
  readonly navProjects: Locator;
  readonly actorChange: Locator;
  readonly actorDialog: Locator;
  readonly actorName: Locator;
  readonly actorSave: Locator;
  readonly linkState: Locator;
  readonly errorToasts: Locator;

  constructor(readonly page: Page) {
    this.navProjects = page.getByTestId('nav-projects');
    this.actorChange = page.getByTestId('actor-change');
    this.actorDialog = page.getByTestId('actor-dialog');
    this.actorName = page.getByTestId('actor-name');
    this.actorSave = page.getByTestId('actor-save');
    this.linkState = page.getByTestId('link-state');
    this.errorToasts = page.getByTestId('toast-error');
  }

  languageButton(language: 'en' | 'ja'): Locator {
    return this.page.getByTestId(`lang-${language}`);
  }

  async switchLanguage(language: 'en' | 'ja'): Promise<void> {
    await this.languageButton(language).click();
    await this.page.locator(`html[lang="${language}"]`).waitFor();
  }

  /** Answers the "who is making changes?" dialog if it is open (it is asked once per browser). */
  async answerActor(name: string): Promise<void> {
    await this.actorDialog.waitFor({ state: 'visible' });
    await this.actorName.fill(name);
    await this.actorSave.click();
    await this.actorDialog.waitFor({ state: 'detached' });
  }
}
