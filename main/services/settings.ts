import { mkdirSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomically } from '../files/atomic-write';
import { settingsFile } from '../files/data-folder';

/**
 * App settings (today only the UI language) in <dataDir>/settings.json. The store has no settings
 * table; a small JSON file, written to a temporary name and renamed, is enough for a few keys.
 */

const SettingsSchema = z.object({ language: z.enum(['en', 'ja']).optional() }).catchall(z.unknown());
export type SettingKey = 'language';

export interface SettingsFile {
  get(key: SettingKey): string | null;
  set(key: SettingKey, value: string): void;
}

export function openSettings(dataDir: string): SettingsFile {
  const file = settingsFile(dataDir);
  const read = (): Record<string, unknown> => {
    try {
      const parsed = SettingsSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      // A hand-edited, broken file falls back to defaults rather than breaking start-up.
      return parsed.success ? parsed.data : {};
    } catch {
      return {};
    }
  };
  return {
    get(key) {
      const value = read()[key];
      return typeof value === 'string' ? value : null;
    },
    set(key, value) {
      const next = { ...read(), [key]: value };
      mkdirSync(dataDir, { recursive: true });
      writeFileAtomically(file, `${JSON.stringify(next, null, 2)}\n`);
    },
  };
}
