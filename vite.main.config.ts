import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { defineConfig, type ConfigEnv, type LibraryOptions } from 'vite';

/**
 * Main-process bundles (forge.config.ts builds main/electron/main.ts and main/jobs/training-worker.ts with
 * this file): ES modules named after their entry, side by side in .vite/build, so worker-host.ts's
 * `new URL('./training-worker.js', import.meta.url)` finds the worker next to main.js. Forge's defaults
 * (outDir, the MAIN_WINDOW_VITE_* defines, Node built-ins and electron as externals) are merged under this.
 */

/** Forge passes the build entry it is building in the config env. */
interface ForgeConfigEnv extends ConfigEnv {
  forgeConfigSelf?: { entry?: LibraryOptions['entry'] };
}

interface PackageJson {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const packageJson = JSON.parse(readFileSync(path.join(import.meta.dirname, 'package.json'), 'utf8')) as PackageJson;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Runtime packages stay in node_modules rather than in the bundle: better-sqlite3 is native (rebuilt for
 * Electron, unpacked from the asar), and tfjs must stay a single module instance that its wasm backend
 * registers with and finds its .wasm files beside.
 */
export const mainExternal: (string | RegExp)[] = [
  'electron',
  /^electron\//,
  ...builtinModules.flatMap((name) => [name, `node:${name}`]),
  ...[...Object.keys(packageJson.dependencies ?? {}), ...Object.keys(packageJson.optionalDependencies ?? {})].map(
    (name) => new RegExp(`^${escapeRegExp(name)}(?:/.*)?$`),
  ),
];

export default defineConfig((env) => {
  const entry = (env as ForgeConfigEnv).forgeConfigSelf?.entry ?? 'main/electron/main.ts';
  return {
    build: {
      // Electron 40 runs Node 24; node22 keeps the output valid for plain Node 22 as well.
      target: 'node22',
      // Readable stack traces from a packaged app matter more than a few hundred kB inside the asar.
      minify: false,
      // A server-consumer (SSR) build: Vite's client-side rewrite of `new URL(`./x${…}`, import.meta.url)`
      // into an asset glob would replace worker-host.ts's worker URL with a data: URL of the .ts source.
      ssr: true,
      lib: { entry, formats: ['es'], fileName: (_format, entryName) => `${entryName}.js` },
      rolldownOptions: {
        external: mainExternal,
        // One file per entry: no shared chunks whose location could differ from the entry's.
        output: { codeSplitting: false },
      },
    },
    // Forge leaves the dev server URL undefined in a build; say so explicitly so the identifier is replaced.
    define: env.command === 'build' ? { MAIN_WINDOW_VITE_DEV_SERVER_URL: 'undefined' } : {},
  };
});
