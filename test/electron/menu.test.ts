import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { parseDataDirArg } from '../../main/electron/args';
import { PROJECT_HOME_PAGE, buildMenuTemplate, pickLanguage, type MenuOptions } from '../../main/electron/menu';
import { isSafeExternalUrl } from '../../main/electron/url-policy';

function options(overrides: Partial<MenuOptions> = {}) {
  const actions = { setLanguage: vi.fn(), about: vi.fn(), openHomePage: vi.fn() };
  return { actions, options: { language: 'en', isDevelopment: false, platform: 'linux', actions, ...overrides } satisfies MenuOptions };
}

function submenu(item: MenuItemConstructorOptions | undefined): MenuItemConstructorOptions[] {
  return Array.isArray(item?.submenu) ? item.submenu : [];
}

function find(template: MenuItemConstructorOptions[], label: string): MenuItemConstructorOptions | undefined {
  return template.find((item) => item.label === label);
}

function click(item: MenuItemConstructorOptions | undefined): void {
  (item?.click as (() => void) | undefined)?.();
}

describe('buildMenuTemplate', () => {
  it('has File, Edit, View, Language and Help, with developer tools only in development', () => {
    const production = buildMenuTemplate(options().options);
    expect(production.map((item) => item.label)).toEqual(['File', 'Edit', 'View', 'Language', 'Help']);
    expect(submenu(find(production, 'File'))).toEqual([{ label: 'Quit', role: 'quit' }]);
    expect(submenu(find(production, 'View')).map((item) => item.role)).toEqual(['reload']);
    const development = buildMenuTemplate(options({ isDevelopment: true }).options);
    expect(submenu(find(development, 'View')).map((item) => item.role)).toEqual(['reload', 'toggleDevTools']);
  });

  it('offers English and 日本語 as radio items that change the language setting', () => {
    const { actions, options: opts } = options({ language: 'ja' });
    const template = buildMenuTemplate(opts);
    const languages = submenu(find(template, '言語'));
    expect(languages.map((item) => [item.label, item.type, item.checked])).toEqual([
      ['English', 'radio', false],
      ['日本語', 'radio', true],
    ]);
    click(languages[0]);
    expect(actions.setLanguage).toHaveBeenCalledExactlyOnceWith('en');
  });

  it('puts About and the home page under Help', () => {
    const { actions, options: opts } = options();
    const help = submenu(find(buildMenuTemplate(opts), 'Help'));
    expect(help.map((item) => item.label)).toEqual(['About DeCE Pilot', 'Project Home Page']);
    click(help[0]);
    click(help[1]);
    expect(actions.about).toHaveBeenCalledOnce();
    expect(actions.openHomePage).toHaveBeenCalledOnce();
    expect(isSafeExternalUrl(PROJECT_HOME_PAGE)).toBe(true);
  });

  it('adds the application menu on macOS', () => {
    expect(buildMenuTemplate(options({ platform: 'darwin' }).options)[0]).toEqual({ role: 'appMenu' });
  });
});

describe('pickLanguage', () => {
  it('prefers the stored setting, then the system locale', () => {
    expect(pickLanguage('ja', 'en-US')).toBe('ja');
    expect(pickLanguage('en', 'ja-JP')).toBe('en');
    expect(pickLanguage(null, 'ja-JP')).toBe('ja');
    expect(pickLanguage(null, 'de-DE')).toBe('en');
    expect(pickLanguage('fr', 'ja')).toBe('ja');
  });
});

describe('parseDataDirArg', () => {
  it('reads --data-dir in both spellings, last one winning', () => {
    expect(parseDataDirArg(['/usr/bin/dece-pilot'])).toBeUndefined();
    expect(parseDataDirArg(['electron', '.', '--data-dir', '/tmp/a'])).toBe('/tmp/a');
    expect(parseDataDirArg(['dece-pilot', '--data-dir=/tmp/b', '--no-sandbox'])).toBe('/tmp/b');
    expect(parseDataDirArg(['dece-pilot', '--data-dir=/tmp/b', '--data-dir', 'c d'])).toBe('c d');
    expect(parseDataDirArg(['dece-pilot', '--data-dir', '--inspect'])).toBeUndefined();
    expect(parseDataDirArg(['dece-pilot', '--', '--data-dir', '/x'])).toBeUndefined();
  });
});
