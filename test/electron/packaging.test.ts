import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { ForgeConfig } from '@electron-forge/shared-types';
import { afterEach, describe, expect, it } from 'vitest';
import { NATIVE_TENSORFLOW_UNPACK, createPackagerIgnore, productionPackageDirs } from '../../main/electron/packaging';

const root = path.resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);

interface Manifest {
  main?: string;
  scripts?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  allowScripts?: Record<string, boolean>;
  [key: string]: unknown;
}
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;

/** forge.config.ts loaded the way Forge 7 loads a TypeScript config (jiti). */
async function loadForgeConfig(): Promise<ForgeConfig> {
  const { createJiti } = require('jiti') as { createJiti: (from: string) => { import: (id: string, options: { default: true }) => Promise<unknown> } };
  return (await createJiti(import.meta.url).import(path.join(root, 'forge.config.ts'), { default: true })) as ForgeConfig;
}

describe('package.json for Electron', () => {
  it('points main at the bundled ES module and has the Forge scripts', () => {
    expect(manifest.main).toBe('.vite/build/main.js');
    // npm start checks the Electron binary first (main/cli/start.ts), then hands over to `electron-forge start`.
    expect(manifest.scripts).toMatchObject({ start: 'tsx main/cli/start.ts', package: 'electron-forge package', make: 'electron-forge make' });
    expect(readFileSync(path.join(root, 'main/cli/start.ts'), 'utf8')).toMatch(/spawn\(forge, \['start'/);
  });

  it('keeps electron optional and exact, with its install script allowed', () => {
    expect(manifest.optionalDependencies?.electron).toMatch(/^40\.\d+\.\d+$/);
    expect(manifest.devDependencies?.electron).toBeUndefined();
    expect(manifest.allowScripts?.electron).toBe(true);
  });

  it('installs the electron.d.ts of exactly that version as @types/electron, for type-checking without the package', () => {
    const spec = manifest.devDependencies?.['@types/electron'] ?? '';
    expect(spec).toBe(`file:resources/electron-types/types-electron-${manifest.optionalDependencies?.electron ?? ''}.tgz`);
    expect(existsSync(path.join(root, spec.slice('file:'.length)))).toBe(true);
    const installed = path.join(root, 'node_modules/@types/electron');
    const types = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8')) as { version: string; types: string; scripts?: unknown };
    expect(types).toMatchObject({ version: manifest.optionalDependencies?.electron, types: 'electron.d.ts' });
    expect(types.scripts).toBeUndefined();
    const dts = readFileSync(path.join(installed, 'electron.d.ts'), 'utf8');
    expect(dts.split('\n', 1)[0]).toBe(`// Type definitions for Electron ${types.version}`);
    const real = path.join(root, 'node_modules/electron/electron.d.ts');
    // Where the optional package did install, the copy must match it byte for byte.
    if (existsSync(real)) expect(readFileSync(real, 'utf8')).toBe(dts);
  });
});

describe('forge.config.ts', () => {
  it('builds main, the training worker and the preload, flips the fuses and unpacks natives', async () => {
    const config = await loadForgeConfig();
    expect(config.packagerConfig).toMatchObject({ asar: { unpack: NATIVE_TENSORFLOW_UNPACK }, prune: false });
    expect(config.rebuildConfig).toEqual({ onlyModules: ['better-sqlite3'] });
    const ignore = config.packagerConfig?.ignore as (file: string) => boolean;
    // Resolved against this project (forge.config.ts's own folder, as Forge loads it).
    expect(ignore('/node_modules/zod/package.json')).toBe(false);
    expect(ignore('/node_modules/vitest/package.json')).toBe(true);
    expect(ignore('/.vite/build/main.js')).toBe(false);
    expect(ignore('/renderer/main.tsx')).toBe(true);
    const plugins = (config.plugins ?? []) as unknown as { name: string; config: Record<string | number, unknown> }[];
    expect(plugins.map((p) => p.name).sort()).toEqual(['auto-unpack-natives', 'fuses', 'vite']);
    const vite = plugins.find((p) => p.name === 'vite')?.config as { build: { entry: string; config: string; target: string }[]; renderer: { name: string }[] };
    expect(vite.build).toEqual([
      { entry: 'main/electron/main.ts', config: 'vite.main.config.ts', target: 'main' },
      { entry: 'main/jobs/training-worker.ts', config: 'vite.main.config.ts', target: 'main' },
      { entry: 'preload/index.ts', config: 'vite.preload.config.ts', target: 'preload' },
    ]);
    expect(vite.renderer).toEqual([{ name: 'main_window', config: 'vite.renderer.config.ts' }]);

    const { FuseV1Options } = require('@electron/fuses') as typeof import('@electron/fuses');
    const fuses = plugins.find((p) => p.name === 'fuses')?.config ?? {};
    expect(fuses[FuseV1Options.RunAsNode]).toBe(false);
    expect(fuses[FuseV1Options.EnableCookieEncryption]).toBe(true);
    expect(fuses[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false);
    expect(fuses[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false);
    expect(fuses[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true);
    expect(fuses[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true);
    expect(fuses[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(false);

    const makers = (config.makers ?? []) as unknown as { name: string }[];
    expect(makers.map((m) => m.name).sort()).toEqual(['deb', 'squirrel', 'zip']);
  });

  it('unpacks the native TensorFlow addon and its shared libraries from the asar, besides every .node file', async () => {
    const config = await loadForgeConfig();
    const { AutoUnpackNativesPlugin } = require('@electron-forge/plugin-auto-unpack-natives') as typeof import('@electron-forge/plugin-auto-unpack-natives');
    const plugin = new AutoUnpackNativesPlugin({}) as unknown as { resolveForgeConfig: (c: ForgeConfig) => Promise<ForgeConfig> };
    const resolved = await plugin.resolveForgeConfig(structuredClone({ packagerConfig: { asar: config.packagerConfig?.asar } }));
    const unpack = (resolved.packagerConfig?.asar as { unpack: string }).unpack;
    // The matcher @electron/asar applies to each file it packs.
    const asarRequire = createRequire(require.resolve('@electron/asar'));
    const minimatch = asarRequire('minimatch') as (file: string, pattern: string, options: { matchBase: boolean }) => boolean;
    const unpacked = (file: string) => minimatch(`/tmp/staging/resources/app/${file}`, unpack, { matchBase: true });
    for (const pkg of ['tfjs-node', 'tfjs-node-gpu']) {
      expect(unpacked(`node_modules/@tensorflow/${pkg}/lib/napi-v8/tfjs_binding.node`)).toBe(true);
      expect(unpacked(`node_modules/@tensorflow/${pkg}/deps/lib/libtensorflow.so.2`)).toBe(true);
      expect(unpacked(`node_modules/@tensorflow/${pkg}/deps/lib/libtensorflow_framework.so.2.9.1`)).toBe(true);
      expect(unpacked(`node_modules/@tensorflow/${pkg}/lib/napi-v8/tensorflow.dll`)).toBe(true);
      expect(unpacked(`node_modules/@tensorflow/${pkg}/dist/index.js`)).toBe(false);
    }
    expect(unpacked('node_modules/better-sqlite3/build/Release/better_sqlite3.node')).toBe(true);
    expect(unpacked('node_modules/@tensorflow/tfjs-core/dist/index.js')).toBe(false);
  });

  it('shows Forge the optional electron as a devDependency, and only Forge', async () => {
    const config = await loadForgeConfig();
    const hook = config.hooks?.readPackageJson;
    const copy = structuredClone(manifest) as Record<string, unknown>;
    const result = (await hook?.({} as never, copy)) as Manifest;
    expect(result.devDependencies?.electron).toBe(manifest.optionalDependencies?.electron);
    expect(manifest.devDependencies?.electron).toBeUndefined();
  });
});

describe('packaged files', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  function pkg(at: string, manifest: Record<string, unknown>): void {
    mkdirSync(at, { recursive: true });
    writeFileSync(path.join(at, 'package.json'), JSON.stringify(manifest));
  }

  it('keeps the production closure, resolved as Node resolves it, and nothing of electron or the dev tools', () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dece-packaging-'));
    pkg(dir, { dependencies: { a: '1', b: '1' }, optionalDependencies: { electron: '40.8.5', gone: '1' }, devDependencies: { dev: '1' } });
    pkg(path.join(dir, 'node_modules/a'), { dependencies: { c: '2', '@s/d': '1' }, optionalDependencies: { 'not-built': '1' } });
    pkg(path.join(dir, 'node_modules/a/node_modules/c'), {});
    pkg(path.join(dir, 'node_modules/c'), {});
    pkg(path.join(dir, 'node_modules/@s/d'), { peerDependencies: { peer: '1', 'opt-peer': '1' }, peerDependenciesMeta: { 'opt-peer': { optional: true } } });
    pkg(path.join(dir, 'node_modules/peer'), {});
    pkg(path.join(dir, 'node_modules/opt-peer'), {});
    pkg(path.join(dir, 'node_modules/b'), { dependencies: { c: '1' } });
    pkg(path.join(dir, 'node_modules/electron'), { dependencies: { '@electron/get': '2' } });
    pkg(path.join(dir, 'node_modules/@electron/get'), {});
    pkg(path.join(dir, 'node_modules/dev'), {});

    expect([...productionPackageDirs(dir)].sort()).toEqual([
      'node_modules/@s/d',
      'node_modules/a',
      'node_modules/a/node_modules/c',
      'node_modules/b',
      'node_modules/c',
      'node_modules/peer',
    ]);

    const ignore = createPackagerIgnore(dir);
    const kept = (file: string) => !ignore(file);
    expect(kept('/package.json')).toBe(true);
    expect(kept('/.vite')).toBe(true);
    expect(kept('/.vite/build/main.js')).toBe(true);
    expect(kept('/node_modules')).toBe(true);
    expect(kept('/node_modules/@s')).toBe(true);
    expect(kept('/node_modules/a/node_modules')).toBe(true);
    expect(kept('/node_modules/a/node_modules/c/index.js')).toBe(true);
    expect(kept('/node_modules/a/build/Release/addon.node')).toBe(true);
    expect(kept('/node_modules/a/build/Release/obj.target/addon/src/addon.o')).toBe(false);
    expect(kept('/node_modules/.bin')).toBe(false);
    expect(kept('/node_modules/a/dist/index.js')).toBe(true);
    expect(kept('/node_modules/a/dist/index.js.map')).toBe(false);
    expect(kept('/node_modules/a/dist/index.d.ts')).toBe(false);
    expect(kept('/node_modules/a/README.md')).toBe(false);
    expect(kept('/node_modules/a/LICENSE')).toBe(true);
    expect(kept('/node_modules/electron')).toBe(false);
    expect(kept('/node_modules/@electron')).toBe(false);
    expect(kept('/node_modules/dev/index.js')).toBe(false);
    expect(kept('/node_modules/opt-peer')).toBe(false);
    expect(kept('/main/electron/main.ts')).toBe(false);
    expect(kept('/package-lock.json')).toBe(false);
    expect(kept('/resources/electron-types/electron.d.ts')).toBe(false);
    expect(kept('/out/make/app.zip')).toBe(false);
  });

  it('refuses to package without a required dependency', () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dece-packaging-'));
    pkg(dir, { dependencies: { a: '1' } });
    pkg(path.join(dir, 'node_modules/a'), { dependencies: { missing: '1' } });
    expect(() => productionPackageDirs(dir ?? '')).toThrow(/"missing" \(needed by node_modules\/a\) is not installed/);
  });

  it('ships this project with better-sqlite3, tfjs and zod, and without electron or the tooling', () => {
    const dirs = productionPackageDirs(root);
    for (const needed of ['better-sqlite3', 'bindings', 'file-uri-to-path', 'zod', '@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', 'csv-parse', 'seedrandom']) {
      expect(dirs.has(`node_modules/${needed}`), needed).toBe(true);
    }
    for (const excluded of ['electron', '@types/electron', '@electron-forge/cli', '@electron/get', 'vitest', 'vite', 'typescript', 'eslint', 'tsx']) {
      expect(dirs.has(`node_modules/${excluded}`), excluded).toBe(false);
    }
  });
});
