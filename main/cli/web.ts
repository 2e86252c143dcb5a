import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openInBrowser } from './open-browser';
import { startServer } from '../server/index';
import { assembleApp } from '../services/assembly';
import { resolveDataDir } from '../store/index';

/**
 * `npm run web -- [--data-dir DIR] [--port N] [--static DIR] [--workers N] [--open]`: the app in a browser tab
 * (`--open` opens it in the default browser, never on CI). Prints one line,
 * `DeCE Pilot browser mode: <url>`, on stdout (scripts and tests parse it); everything else goes to stderr.
 * Exit 0 after SIGINT/SIGTERM, 1 on a start-up failure, 2 on bad arguments.
 */

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Where `vite build --config vite.renderer.config.ts` (the first half of `npm run web`) puts the renderer. */
const DEFAULT_STATIC_DIR = join(REPO_ROOT, 'dist', 'renderer');

function usage(message: string): never {
  process.stderr.write(`${message}\nUsage: npm run web -- [--data-dir DIR] [--port N] [--static DIR] [--workers N] [--open]\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values: { 'data-dir'?: string; port?: string; static?: string; workers?: string; open?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        'data-dir': { type: 'string' },
        port: { type: 'string' },
        static: { type: 'string' },
        workers: { type: 'string' },
        open: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    usage(error instanceof Error ? (error.message.split('\n')[0] ?? 'invalid arguments') : 'invalid arguments');
  }
  if (values.help) usage('DeCE Pilot in a browser tab, served on 127.0.0.1 only.');
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`--port must be an integer from 0 to 65535, got '${values.port ?? ''}'`);
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1 && workers <= 64)) usage(`--workers must be an integer from 1 to 64, got '${values.workers ?? ''}'`);
  const staticDir = resolve(values.static ?? DEFAULT_STATIC_DIR);
  if (!existsSync(join(staticDir, 'index.html'))) {
    process.stderr.write(`warning: ${staticDir} has no index.html; build the renderer first (npm run web does)\n`);
  }

  const dataDir = resolveDataDir({ cliDataDir: values['data-dir'], env: process.env });
  const app = assembleApp({ dataDir, shell: 'browser', ...(workers === undefined ? {} : { maxConcurrentRuns: workers }) });
  const { runs: resumed, searches, benchmarks } = app.resumeUnfinished();
  if (resumed.length > 0) process.stderr.write(`resuming ${resumed.length} unfinished run(s): ${resumed.join(', ')}\n`);
  if (searches.length > 0) process.stderr.write(`continuing ${searches.length} running search(es): ${searches.join(', ')}\n`);
  if (benchmarks.length > 0) process.stderr.write(`continuing ${benchmarks.length} running benchmark(s): ${benchmarks.join(', ')}\n`);
  const server = await startServer({
    handlers: app.handlers,
    subscribe: app.subscribe,
    staticDir,
    port,
    host: '127.0.0.1',
    onError: (error, method) => {
      process.stderr.write(`${method}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    },
  });
  process.stdout.write(`DeCE Pilot browser mode: ${server.url}\n`);
  if (values.open) process.stderr.write(`${await openInBrowser(server.url, { env: process.env })}\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second Ctrl-C means "now": the store's WAL keeps committed data safe anyway.
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`${signal}: stopping (interrupted runs resume at the next start)\n`);
    void (async () => {
      await server.close();
      await app.close();
      process.exit(0);
    })();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`DeCE Pilot browser mode failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
