import { fileURLToPath } from 'node:url';
import { defineConfig, type ConfigEnv, type UserConfig } from 'vite';

/**
 * The renderer build, shared by browser mode (main/cli/web.ts serves the output) and by Electron Forge's
 * Vite plugin (forge.config.ts, renderer 'main_window'). base './' keeps every asset URL relative, so one
 * build loads from the app:// scheme (main/electron/app-protocol.ts) inside Electron and from http://127.0.0.1:<port>/.
 *
 * Output: dist/renderer when built directly (`npx vite build --config vite.renderer.config.ts`);
 * .vite/renderer/<name> under Forge, where its main process looks for it. Forge merges this config over
 * its own defaults, and since `root` is renderer/ here, its relative outDir has to be made absolute.
 */

/** Forge passes the renderer entry it is building in the config env. */
interface ForgeConfigEnv extends ConfigEnv {
  forgeConfigSelf?: { name?: string };
}

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig((env: ForgeConfigEnv): UserConfig => {
  const forgeName = env.forgeConfigSelf?.name;
  return {
    root: here('./renderer/'),
    base: './',
    // React's automatic JSX runtime, without a React plugin (no fast refresh; a reload is fine here).
    oxc: { jsx: { runtime: 'automatic' } },
    build: {
      outDir: forgeName === undefined ? here('./dist/renderer/') : here(`./.vite/renderer/${forgeName}/`),
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: true,
      // Every asset a file: no data: URLs for scripts, and no inline <script> (script-src 'self').
      assetsInlineLimit: 0,
      chunkSizeWarningLimit: 1024,
    },
    server: {
      // `npx vite --config vite.renderer.config.ts` next to a running `npm run web`: DECE_API=http://127.0.0.1:<port>.
      ...(process.env['DECE_API'] ? { proxy: { '/api': { target: process.env['DECE_API'], changeOrigin: true } } } : {}),
    },
  };
});
