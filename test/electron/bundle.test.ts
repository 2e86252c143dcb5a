import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { Worker } from 'node:worker_threads';
import type { ForgeConfig } from '@electron-forge/shared-types';
import type { InlineConfig } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METHOD_NAMES } from '../../common/contract';
import type { WorkerMessage } from '../../main/jobs/messages';
import type { DecePreloadApi } from '../../renderer/api/types';

/**
 * Builds the main, training-worker and preload bundles exactly as `electron-forge package` would (Forge's
 * own config generator over forge.config.ts and the vite.*.config.ts files, loaded with jiti as Forge
 * loads them), without the Electron binary, then checks what came out. The renderer is not built here.
 */

const root = path.resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
// Inside the project, so the bundles resolve their external packages from its node_modules.
const outDir = path.join(root, 'test-artifacts', `electron-bundle-${String(process.pid)}`, 'build');

interface ViteConfigGeneratorClass {
  new (pluginConfig: unknown, projectDir: string, isProd: boolean): { getBuildConfigs(): Promise<InlineConfig[]> };
}

const runtimePackages = (() => {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies?: object; optionalDependencies?: object };
  return new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.optionalDependencies ?? {})]);
})();

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** Every module an ES bundle imports. */
function esImports(code: string): string[] {
  return [...code.matchAll(/^\s*(?:import|export)\s[^;]*?from\s*"([^"]+)"|^\s*import\s*"([^"]+)"/gm)].map((m) => m[1] ?? m[2] ?? '');
}

function isAllowedExternal(specifier: string): boolean {
  if (specifier === 'electron' || specifier.startsWith('node:') || builtinModules.includes(specifier)) return true;
  return runtimePackages.has(packageName(specifier));
}

const file = (name: string) => path.join(outDir, name);

beforeAll(async () => {
  rmSync(path.dirname(outDir), { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const { createJiti } = require('jiti') as { createJiti: (from: string) => { import: (id: string, options: { default: true }) => Promise<unknown> } };
  const forgeConfig = (await createJiti(import.meta.url).import(path.join(root, 'forge.config.ts'), { default: true })) as ForgeConfig;
  const vitePlugin = (forgeConfig.plugins ?? []).find((p) => p.name === 'vite') as unknown as { config: unknown };
  const { default: ViteConfigGenerator } = require('@electron-forge/plugin-vite/dist/ViteConfig') as { default: ViteConfigGeneratorClass };
  // isProd: the configs of `electron-forge package` (command 'build', no watch).
  const configs = await new ViteConfigGenerator(vitePlugin.config, root, true).getBuildConfigs();
  const vite = require('vite') as typeof import('vite');
  for (const config of configs) {
    await vite.build({ configFile: false, logLevel: 'error', ...config, build: { ...config.build, outDir }, clearScreen: false });
  }
}, 120_000);

afterAll(() => {
  rmSync(path.dirname(outDir), { recursive: true, force: true });
});

describe('Forge Vite bundles', () => {
  it('emits main.js, training-worker.js and preload.cjs side by side, and nothing else', () => {
    expect(readdirSync(outDir).sort()).toEqual(['main.js', 'preload.cjs', 'training-worker.js']);
  });

  it('main.js is an ES module importing only electron, Node built-ins and runtime packages', () => {
    const code = readFileSync(file('main.js'), 'utf8');
    const imports = esImports(code);
    expect(imports).toContain('electron');
    expect(imports).toContain('better-sqlite3');
    expect(imports.filter((s) => !isAllowedExternal(s))).toEqual([]);
    expect(code).not.toMatch(/\brequire\(\s*["']/);
    // Forge's dev-server define is resolved at build time.
    expect(code).not.toContain('MAIN_WINDOW_VITE_DEV_SERVER_URL');
  });

  it('main.js finds the worker next to itself', () => {
    const code = readFileSync(file('main.js'), 'utf8');
    // run-worker.ts's URL survives as written: no asset glob, no data: URL of the TypeScript source.
    expect(code).toContain('new URL(`./training-worker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url)');
    expect(code).not.toContain('data:video/mp2t');
    const resolved = new URL('./training-worker.js', pathToFileURL(file('main.js')));
    expect(existsSync(fileURLToPath(resolved))).toBe(true);
  });

  it('training-worker.js runs under Node and reaches tfjs and its wasm backend from node_modules', async () => {
    const code = readFileSync(file('training-worker.js'), 'utf8');
    expect(esImports(code).filter((s) => !isAllowedExternal(s))).toEqual([]);
    // A request that selects the wasm backend and then fails on purpose (no data config): proves the
    // bundle loads, its imports resolve and the .wasm binaries are found, without training anything.
    const worker = new Worker(file('training-worker.js'), {
      workerData: { request: { kind: 'train', jobId: 'bundle-smoke', config: { backend: 'wasm' } }, cancelFlag: new SharedArrayBuffer(4) },
    });
    const messages: WorkerMessage[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        worker.on('message', (message: WorkerMessage) => {
          messages.push(message);
          if (message.type !== 'backend') resolve();
        });
        worker.on('error', reject);
        worker.on('exit', (code) => {
          reject(new Error(`worker exited with ${String(code)}`));
        });
      });
    } finally {
      await worker.terminate();
    }
    expect(messages[0]).toMatchObject({ type: 'backend', jobId: 'bundle-smoke', backend: { name: 'wasm' } });
    expect(messages[1]).toMatchObject({ type: 'error', jobId: 'bundle-smoke' });
  }, 60_000);

  it('training-worker.js runs the backend doctor job (Settings → Backend doctor) in the packaged layout', async () => {
    const worker = new Worker(file('training-worker.js'), {
      workerData: { request: { kind: 'doctor', jobId: 'bundle-doctor', options: { steps: 0, size: 'tiny' } }, cancelFlag: new SharedArrayBuffer(4) },
    });
    try {
      const done = await new Promise<WorkerMessage>((resolve, reject) => {
        worker.on('message', (message: WorkerMessage) => {
          if (message.type === 'done' || message.type === 'error') resolve(message);
        });
        worker.on('error', reject);
      });
      expect(done).toMatchObject({ type: 'done', jobId: 'bundle-doctor', result: { probeModel: 'tiny' } });
      const report = done.type === 'done' ? (done.result as { chosen: string; backends: { name: string; available: boolean; reason?: string }[] }) : null;
      expect(report?.backends.map((b) => b.name)).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
      expect(report?.backends.slice(2).every((b) => b.available)).toBe(true);
      // Native TensorFlow is optional: where it did not install, the report says why.
      for (const b of report?.backends ?? []) if (!b.available) expect(b.reason, b.name).toMatch(/\S/);
      expect(report?.chosen).toBe(report?.backends.find((b) => b.available)?.name);
    } finally {
      await worker.terminate();
    }
  }, 60_000);

  it('preload.cjs is one CommonJS script that runs with a require() knowing only electron', async () => {
    const code = readFileSync(file('preload.cjs'), 'utf8');
    expect(code).not.toMatch(/^\s*(?:import|export)\s/m);
    expect(new Set([...code.matchAll(/\brequire\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1]))).toEqual(new Set(['electron']));

    // What a sandboxed preload gets: a fresh context, `require` for 'electron' only, module/exports.
    const exposed: [string, DecePreloadApi][] = [];
    const invoked: unknown[][] = [];
    const electron = {
      contextBridge: {
        exposeInMainWorld: (key: string, api: DecePreloadApi) => exposed.push([key, api]),
      },
      ipcRenderer: {
        invoke: (...args: unknown[]) => {
          invoked.push(args);
          return Promise.resolve({ ok: true, value: 'pong' });
        },
        on: () => undefined,
        removeListener: () => undefined,
      },
    };
    const sandboxRequire = (id: string) => {
      if (id === 'electron') return electron;
      throw new Error(`a sandboxed preload cannot require ${id}`);
    };
    const module = { exports: {} };
    vm.runInNewContext(code, { require: sandboxRequire, module, exports: module.exports, console }, { filename: 'preload.cjs' });

    expect(exposed.map(([key]) => key)).toEqual(['dece']);
    const api = exposed[0]?.[1];
    expect(Object.keys(api ?? {}).sort()).toEqual(['invoke', 'onEvent']);
    expect(Object.keys(api?.invoke ?? {}).sort()).toEqual([...METHOD_NAMES].sort());
    await expect(api?.invoke['runs.get']({ runId: 5 })).resolves.toBe('pong');
    expect(invoked).toEqual([['dece:runs.get', { runId: 5 }]]);
  });
});
