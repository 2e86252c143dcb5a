import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DB_FILE_NAME, resolveDataDir } from '../../main/store/index';
import { open, tempDir } from './helpers';

describe('resolveDataDir', () => {
  const base = { homeDir: '/home/ana', cwd: '/work', platform: 'linux' as const };

  it('prefers --data-dir, then DECE_PILOT_DATA_DIR, then the platform folder', () => {
    const env = { DECE_PILOT_DATA_DIR: '/srv/dece' };
    expect(resolveDataDir({ ...base, cliDataDir: '/mnt/flag', env, platformUserData: '/electron/userData' })).toBe('/mnt/flag');
    expect(resolveDataDir({ ...base, env, platformUserData: '/electron/userData' })).toBe('/srv/dece');
    expect(resolveDataDir({ ...base, env: {}, platformUserData: '/electron/userData' })).toBe('/electron/userData');
    expect(resolveDataDir({ ...base, cliDataDir: '', env: { DECE_PILOT_DATA_DIR: ' ' } })).toBe('/home/ana/.config/dece-pilot');
  });

  it('pins relative and ~ paths', () => {
    expect(resolveDataDir({ ...base, cliDataDir: 'data', env: {} })).toBe('/work/data');
    expect(resolveDataDir({ ...base, env: { DECE_PILOT_DATA_DIR: '~/dece' } })).toBe('/home/ana/dece');
  });

  it('falls back to a per-OS default', () => {
    expect(resolveDataDir({ ...base, env: {} })).toBe('/home/ana/.config/dece-pilot');
    expect(resolveDataDir({ ...base, env: { XDG_CONFIG_HOME: '/xdg' } })).toBe('/xdg/dece-pilot');
    expect(resolveDataDir({ ...base, platform: 'darwin', homeDir: '/Users/ana', env: {} })).toBe('/Users/ana/Library/Application Support/DeCE Pilot');
    expect(resolveDataDir({ platform: 'win32', homeDir: 'C:\\Users\\ana', env: { APPDATA: 'C:\\Users\\ana\\AppData\\Roaming' } })).toBe(
      'C:\\Users\\ana\\AppData\\Roaming\\DeCE Pilot',
    );
    expect(resolveDataDir({ platform: 'win32', homeDir: 'C:\\Users\\ana', env: {} })).toBe('C:\\Users\\ana\\AppData\\Roaming\\DeCE Pilot');
  });
});

describe('openStore locations', () => {
  it('creates <dataDir>/dece-pilot.sqlite, making the directory', () => {
    const dataDir = path.join(tempDir(), 'nested', 'data');
    const store = open({ dataDir });
    expect(store.file).toBe(path.join(dataDir, DB_FILE_NAME));
    expect(fs.existsSync(store.file)).toBe(true);
    store.close();
    store.close();
    expect(store.isOpen).toBe(false);
    expect(open({ dataDir }).projects.list()).toEqual([]);
  });
});
