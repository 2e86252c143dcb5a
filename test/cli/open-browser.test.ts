import { describe, expect, it } from 'vitest';
import { openInBrowser } from '../../main/cli/open-browser';

describe('npm run web -- --open', () => {
  const url = 'http://127.0.0.1:4321/?token=0123456789abcdef0123456789abcdef';

  it('never opens a browser when CI is set', async () => {
    const opened: string[] = [];
    const opener = (target: string) => {
      opened.push(target);
      return Promise.resolve();
    };
    for (const ci of ['true', '1', 'yes']) expect(await openInBrowser(url, { env: { CI: ci }, opener })).toBe('not opening a browser: CI is set');
    expect(opened).toEqual([]);
  });

  it('opens the tokenized URL otherwise, and says what to do when no browser can be started', async () => {
    const opened: string[] = [];
    expect(await openInBrowser(url, { env: { CI: 'false' }, opener: (t) => Promise.resolve(opened.push(t)) })).toBe('opened in the default browser');
    expect(opened).toEqual([url]);
    const failing = () => Promise.reject(new Error('spawn xdg-open ENOENT'));
    expect(await openInBrowser(url, { env: {}, opener: failing })).toMatch(/could not open a browser \(spawn xdg-open ENOENT\); open the URL above yourself/);
  });
});
