import { mkdirSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { TrainingTargetSchema, type TrainingTarget } from '../../common/contract-settings';
import { writeFileAtomically } from '../files/atomic-write';
import { settingsFile } from '../files/data-folder';

/**
 * App settings (the UI language, where training runs) in <dataDir>/settings.json. The store has no settings
 * table; a small JSON file, written to a temporary name and renamed, is enough for a few keys, and it belongs
 * to the machine rather than to a project's evidence. It may hold a Redis password, so only its owner may read it.
 */

/** The stored training target: the last remote URL is kept while training runs locally, for switching back. */
const StoredTrainingTargetSchema = z.object({ kind: z.enum(['local', 'remote']), redisUrl: z.string().optional() });
const SettingsSchema = z
  .object({ language: z.enum(['en', 'ja']).optional(), trainingTarget: StoredTrainingTargetSchema.optional() })
  .catchall(z.unknown());
export type SettingKey = 'language';

/** Where training runs, with the last remote URL (unredacted) even when local. */
export interface StoredTrainingTarget {
  target: TrainingTarget;
  lastRedisUrl: string | null;
}

export interface SettingsFile {
  get(key: SettingKey): string | null;
  set(key: SettingKey, value: string): void;
  trainingTarget(): StoredTrainingTarget;
  setTrainingTarget(target: TrainingTarget): void;
}

export function openSettings(dataDir: string): SettingsFile {
  const file = settingsFile(dataDir);
  const read = (): z.infer<typeof SettingsSchema> => {
    try {
      const parsed = SettingsSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      // A hand-edited, broken file falls back to defaults rather than breaking start-up.
      return parsed.success ? parsed.data : {};
    } catch {
      return {};
    }
  };
  const write = (next: Record<string, unknown>) => {
    mkdirSync(dataDir, { recursive: true });
    writeFileAtomically(file, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  };
  return {
    get(key) {
      const value = read()[key];
      return typeof value === 'string' ? value : null;
    },
    set(key, value) {
      write({ ...read(), [key]: value });
    },
    trainingTarget() {
      const stored = read().trainingTarget;
      const lastRedisUrl = stored?.redisUrl ?? null;
      // A stored URL that no longer parses (edited by hand) means this machine, as no setting does.
      const target = TrainingTargetSchema.safeParse(stored?.kind === 'remote' ? { kind: 'remote', redisUrl: lastRedisUrl } : { kind: 'local' });
      return { target: target.success ? target.data : { kind: 'local' }, lastRedisUrl };
    },
    setTrainingTarget(target) {
      const current = read();
      const redisUrl = target.kind === 'remote' ? target.redisUrl : current.trainingTarget?.redisUrl;
      write({ ...current, trainingTarget: { kind: target.kind, ...(redisUrl === undefined ? {} : { redisUrl }) } });
    },
  };
}
