import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINE_VERSION } from './version';

/**
 * The versions of the software that produces a run's numbers: this app, the engine (see version.ts) and
 * TensorFlow.js, read from the installed package files ('unknown' where they cannot be read).
 */

export function findAppVersion(): string {
  try {
    let dir = dirname(fileURLToPath(import.meta.url));
    for (let i = 0; i < 6; i++) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
        if (pkg.name === 'dece-pilot' && typeof pkg.version === 'string') return pkg.version;
      } catch {
        // not here; keep climbing
      }
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  } catch {
    // fall through
  }
  return 'unknown';
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
