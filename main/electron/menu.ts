import type { MenuItemConstructorOptions } from 'electron';

/**
 * The application menu as a template (type-only electron import, so this runs under plain Node).
 * Labels follow the UI language; the language items change it through the same `settings.set` service
 * the renderer uses.
 */

export const LANGUAGES = ['en', 'ja'] as const;
export type Language = (typeof LANGUAGES)[number];

/** The DeCE paper: the method this app adopts. */
export const PROJECT_HOME_PAGE = 'https://arxiv.org/abs/2407.08956';

const LABELS = {
  en: {
    file: 'File',
    quit: 'Quit',
    edit: 'Edit',
    view: 'View',
    reload: 'Reload',
    devTools: 'Toggle Developer Tools',
    language: 'Language',
    help: 'Help',
    about: 'About DeCE Pilot',
    homePage: 'Project Home Page',
  },
  ja: {
    file: 'ファイル',
    quit: '終了',
    edit: '編集',
    view: '表示',
    reload: '再読み込み',
    devTools: '開発者ツールの切り替え',
    language: '言語',
    help: 'ヘルプ',
    about: 'DeCE Pilot について',
    homePage: 'プロジェクトのホームページ',
  },
} as const satisfies Record<Language, Record<string, string>>;

/** Each language is named in itself, whatever the current language is. */
const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', ja: '日本語' };

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** A stored choice wins; otherwise Japanese system locales get Japanese, everyone else English. */
export function pickLanguage(stored: string | null, systemLocale: string): Language {
  if (isLanguage(stored)) return stored;
  return systemLocale.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

export interface MenuActions {
  setLanguage(language: Language): void;
  about(): void;
  openHomePage(): void;
}

export interface MenuOptions {
  language: Language;
  /** Developer tools are offered only when running from source (`electron-forge start`). */
  isDevelopment: boolean;
  platform: NodeJS.Platform;
  actions: MenuActions;
}

export function buildMenuTemplate(options: MenuOptions): MenuItemConstructorOptions[] {
  const label = LABELS[options.language];
  const { actions } = options;
  const view: MenuItemConstructorOptions[] = [{ label: label.reload, role: 'reload' }];
  if (options.isDevelopment) view.push({ label: label.devTools, role: 'toggleDevTools' });
  const template: MenuItemConstructorOptions[] = [];
  // macOS shows the first menu under the app's name; it holds About and Quit there by convention.
  if (options.platform === 'darwin') template.push({ role: 'appMenu' });
  template.push(
    { label: label.file, submenu: [{ label: label.quit, role: 'quit' }] },
    // Without an Edit menu, macOS has no copy/paste shortcuts in text fields.
    { label: label.edit, role: 'editMenu' },
    { label: label.view, submenu: view },
    {
      label: label.language,
      submenu: LANGUAGES.map((language) => ({
        label: LANGUAGE_NAMES[language],
        type: 'radio' as const,
        checked: language === options.language,
        click: () => {
          actions.setLanguage(language);
        },
      })),
    },
    {
      label: label.help,
      role: 'help',
      submenu: [
        { label: label.about, click: () => { actions.about(); } },
        { label: label.homePage, click: () => { actions.openHomePage(); } },
      ],
    },
  );
  return template;
}
