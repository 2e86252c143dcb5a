import open from 'open';

/**
 * `npm run web -- --open`: the tokenized URL in the default browser. Never on CI (no one to look, and a
 * browser process would outlive the job); a machine without a browser gets the URL to copy instead.
 */
export async function openInBrowser(
  url: string,
  options: { env: NodeJS.ProcessEnv; opener?: (target: string) => Promise<unknown> } = { env: process.env },
): Promise<string> {
  const ci = options.env['CI'];
  if (ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0') return 'not opening a browser: CI is set';
  try {
    await (options.opener ?? open)(url);
    return 'opened in the default browser';
  } catch (error) {
    return `could not open a browser (${error instanceof Error ? error.message : String(error)}); open the URL above yourself`;
  }
}
