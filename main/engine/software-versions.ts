import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { APP_VERSION } from '../../common/app-version';
import { ENGINE_VERSION } from './version';

/**
 * The versions of the software that produces a run's numbers: this app (APP_VERSION), the engine (see
 * version.ts) and TensorFlow.js, read from its installed package file ('unknown' where it cannot be read).
 */

/** The app's version: APP_VERSION, its one source (package.json). */
export function findAppVersion(): string {
  return APP_VERSION;
}

export function findTfjsVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    const pkg = JSON.parse(readFileSync(require.resolve('@tensorflow/tfjs/package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Read once per process: the files do not change while it runs. */
let cached: { app: string; engine: string; tfjs: string } | null = null;
export function softwareVersions(): { app: string; engine: string; tfjs: string } {
  cached ??= { app: findAppVersion(), engine: ENGINE_VERSION, tfjs: findTfjsVersion() };
  return cached;
}
