import packageJson from '../package.json' with { type: 'json' };

/**
 * The app's version, from package.json: the one source for `app.info`, the About dialog, run records and
 * exported models, in every shell (bundled into the Electron build, read directly under tsx).
 */
export const APP_VERSION: string = packageJson.version;
