import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The renderer's name in forge.config.ts; Forge derives MAIN_WINDOW_VITE_* and .vite/renderer/<name> from it. */
export const RENDERER_NAME = 'main_window';

export interface BundleLayout {
  /** .vite/build: main.js, training-worker.js and preload.cjs sit side by side. */
  buildDir: string;
  preload: string;
  /** The job runner (main/jobs/worker-host.ts) finds this itself, next to the bundled main. */
  trainingWorker: string;
  rendererIndex: string;
}

/**
 * Where Forge's Vite plugin puts the bundles, given the bundled main's own URL. The same layout holds
 * under `electron-forge start` (<project>/.vite) and in a package (app.asar/.vite).
 */
export function bundleLayout(mainModuleUrl: string, rendererName: string = RENDERER_NAME): BundleLayout {
  const buildDir = path.dirname(fileURLToPath(mainModuleUrl));
  return {
    buildDir,
    preload: path.join(buildDir, 'preload.cjs'),
    trainingWorker: path.join(buildDir, 'training-worker.js'),
    rendererIndex: path.join(buildDir, '..', 'renderer', rendererName, 'index.html'),
  };
}
