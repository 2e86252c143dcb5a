// Defined by @electron-forge/plugin-vite for the renderer named `main_window` (see forge.config.ts):
// the dev server's URL under `electron-forge start`, undefined in a packaged build.
declare const MAIN_WINDOW_VITE_DEV_SERVER_URL: string | undefined;
declare const MAIN_WINDOW_VITE_NAME: string;
