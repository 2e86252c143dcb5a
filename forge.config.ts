import { MakerDeb } from '@electron-forge/maker-deb';
import { MakerSquirrel } from '@electron-forge/maker-squirrel';
import { MakerZIP } from '@electron-forge/maker-zip';
import { AutoUnpackNativesPlugin } from '@electron-forge/plugin-auto-unpack-natives';
import { FusesPlugin } from '@electron-forge/plugin-fuses';
import { VitePlugin } from '@electron-forge/plugin-vite';
import type { ForgeConfig } from '@electron-forge/shared-types';
import { FuseV1Options, FuseVersion } from '@electron/fuses';
import { NATIVE_TENSORFLOW_UNPACK, createPackagerIgnore } from './main/electron/packaging';

/**
 * `npm start` / `npm run package` / `npm run make`.
 *
 * Bundles (Vite, into .vite/): main/electron/main.ts → build/main.js and main/jobs/training-worker.ts →
 * build/training-worker.js (ES modules, side by side: run-worker.ts loads the worker relative to the
 * bundled main), preload/index.ts → build/preload.cjs, the renderer → renderer/main_window/.
 * The packaged app holds .vite/, package.json and the production node_modules (see packaging.ts);
 * better-sqlite3 is rebuilt for Electron and unpacked from the asar; so are the optional native TensorFlow
 * packages' addon and shared libraries, when installed.
 */

/** Lower case, no spaces: what Linux packages and Squirrel expect (the window title stays "DeCE Pilot"). */
const EXECUTABLE_NAME = 'dece-pilot';

const config: ForgeConfig = {
  packagerConfig: {
    // AutoUnpackNativesPlugin adds every *.node file to this pattern.
    asar: { unpack: NATIVE_TENSORFLOW_UNPACK },
    executableName: EXECUTABLE_NAME,
    // packaging.ts selects the production packages itself, without electron's downloader dependencies.
    prune: false,
    ignore: createPackagerIgnore(import.meta.dirname),
  },
  /**
   * Native modules the main process loads, rebuilt against Electron's ABI (at `start`: in node_modules
   * itself; at `package`: in the copy). tree-sitter-* ship a binding.gyp too, but only their .wasm
   * grammars are used (through web-tree-sitter), so they are left alone.
   */
  rebuildConfig: { onlyModules: ['better-sqlite3'] },
  makers: [
    new MakerSquirrel({}),
    new MakerZIP({}, ['darwin', 'linux']),
    // package.json has no author, which is where the .deb's Maintainer field would come from.
    new MakerDeb({ options: { bin: EXECUTABLE_NAME, maintainer: 'DeCE Pilot maintainers', categories: ['Development', 'Science'] } }),
  ],
  plugins: [
    new VitePlugin({
      build: [
        { entry: 'main/electron/main.ts', config: 'vite.main.config.ts', target: 'main' },
        { entry: 'main/jobs/training-worker.ts', config: 'vite.main.config.ts', target: 'main' },
        { entry: 'preload/index.ts', config: 'vite.preload.config.ts', target: 'preload' },
      ],
      renderer: [{ name: 'main_window', config: 'vite.renderer.config.ts' }],
    }),
    new AutoUnpackNativesPlugin({}),
    // Fuses are flipped in the Electron binary at package time, before code signing.
    new FusesPlugin({
      version: FuseVersion.V1,
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableCookieEncryption]: true,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
      // The renderer loads from app:// (main/electron/app-protocol.ts), so file:// pages need no extra rights.
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
    }),
  ],
  hooks: {
    /**
     * electron is an optionalDependency (so `npm ci` survives machines that cannot download its binary),
     * but Forge 7 looks for it among devDependencies only. Forge alone sees it there.
     */
    readPackageJson: (_forgeConfig, packageJson) => {
      const optional = packageJson.optionalDependencies as Record<string, string> | undefined;
      const dev = (packageJson.devDependencies ?? {}) as Record<string, string>;
      if (optional?.electron !== undefined && dev.electron === undefined) {
        packageJson.devDependencies = { ...dev, electron: optional.electron };
      }
      return Promise.resolve(packageJson);
    },
  },
};

export default config;
