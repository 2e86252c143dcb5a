import { defineConfig } from 'vite';

/**
 * The preload bundle. A sandboxed preload is run by Electron as a classic script with a `require` that
 * knows only 'electron' (and a few polyfills): it must be one CommonJS file with everything else inlined.
 * `.cjs`, because package.json is "type": "module". Forge's preload defaults (cjs output, externals, watch
 * mode under `electron-forge start`) are merged under this.
 */
export default defineConfig({
  build: {
    // Electron 40 ships Chromium 144.
    target: 'chrome130',
    minify: false,
    rolldownOptions: {
      // Forge's preload defaults already keep it to one file (no chunks).
      output: {
        format: 'cjs',
        entryFileNames: 'preload.cjs',
      },
    },
  },
});
