import os from 'node:os';
import path from 'node:path';

export const DB_FILE_NAME = 'dece-pilot.sqlite';
export const DATA_DIR_ENV = 'DECE_PILOT_DATA_DIR';

export interface ResolveDataDirOptions {
  /** Value of the --data-dir flag, if given. */
  cliDataDir?: string | undefined;
  env: NodeJS.ProcessEnv;
  /** Electron's app.getPath('userData'), supplied by the Electron layer (the store never imports electron). */
  platformUserData?: string | undefined;
  /** Overrides for tests; default to the running process. */
  platform?: NodeJS.Platform;
  homeDir?: string;
  cwd?: string;
}

function given(value: string | undefined): string | undefined {
  // An exported-but-empty variable (DECE_PILOT_DATA_DIR=) means "not set", not "the current directory".
  return value !== undefined && value.trim() !== '' ? value : undefined;
}

/** Precedence: --data-dir, then $DECE_PILOT_DATA_DIR, then Electron's userData, then a per-OS default. */
export function resolveDataDir(options: ResolveDataDirOptions): string {
  const platform = options.platform ?? process.platform;
  const p = platform === 'win32' ? path.win32 : path.posix;
  const home = options.homeDir ?? os.homedir();
  const explicit = given(options.cliDataDir) ?? given(options.env[DATA_DIR_ENV]);
  if (explicit !== undefined) {
    // A quoted "~/x" reaches us unexpanded; a relative path is pinned now so a later chdir can't move the store.
    const expanded = /^~(?=$|[\\/])/.test(explicit) ? p.join(home, explicit.slice(1)) : explicit;
    return p.isAbsolute(expanded) ? p.normalize(expanded) : p.resolve(options.cwd ?? process.cwd(), expanded);
  }
  const userData = given(options.platformUserData);
  if (userData !== undefined) return userData;
  switch (platform) {
    case 'win32':
      return p.join(given(options.env.APPDATA) ?? p.join(home, 'AppData', 'Roaming'), 'DeCE Pilot');
    case 'darwin':
      return p.join(home, 'Library', 'Application Support', 'DeCE Pilot');
    default: {
      const xdg = given(options.env.XDG_CONFIG_HOME);
      // The XDG spec says to ignore a relative XDG_CONFIG_HOME.
      return p.join(xdg !== undefined && p.isAbsolute(xdg) ? xdg : p.join(home, '.config'), 'dece-pilot');
    }
  }
}
