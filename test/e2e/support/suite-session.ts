import { afterAll, beforeAll, beforeEach, onTestFailed } from 'vitest';
import { openBrowserSession, type BrowserSession } from './browser-mode';

/**
 * The hooks of a browser-mode suite that records audited changes, registered in the calling describe block:
 * one session for the suite with `actor` already stored as the name changes are recorded under (as the
 * "who is making changes?" dialog would store it), a screenshot and the server's stderr for each failed test
 * (named `<failurePrefix>-<test name>`), and the session closed at the end. The returned function gives the
 * open session inside a test.
 */
export function suiteSession(options: { actor: string; failurePrefix: string }): () => BrowserSession {
  let session: BrowserSession | null = null;

  beforeAll(async () => {
    session = await openBrowserSession();
    await session.page.addInitScript((name) => {
      localStorage.setItem('dece.actor', name);
    }, options.actor);
  }, 180_000);

  beforeEach(() => {
    onTestFailed(async ({ task }) => {
      await session?.recordFailure(`${options.failurePrefix}-${task.name}`);
    });
  });

  afterAll(async () => {
    await session?.close();
  }, 60_000);

  return () => {
    if (!session) throw new Error('no session');
    return session;
  };
}
