import { parseArgs } from 'node:util';
import { parseBackendName } from '../engine/backend';
import { redactRedisUrl } from '../jobs/remote/connection';
import { createRemoteWorker } from '../jobs/remote/remote-worker';
import { exitWithResult } from './exit-code';

/** `npm run worker`: trains the app's queued runs on this machine, taking them from BullMQ on Redis. */

const USAGE = `Usage: npm run worker -- --redis redis://[user:password@]HOST:6379[/DB] [--concurrency N] [--backend auto|tensorflow-gpu|tensorflow|wasm|cpu] [--lock-seconds S]
  Takes training, pre-training and defense jobs from the queue the app (or the CLIs with --redis) fills, runs each
  with this machine's engine in a worker thread, reports progress per epoch and sends the final checkpoint
  back through Redis. rediss:// connects with TLS. --concurrency: jobs at once (default 1). --backend:
  overrides each job's backend choice. --lock-seconds: how soon another worker takes over the job of a
  worker that died (default 30). Stops on Ctrl-C / SIGTERM; a job it was training goes back to the queue.
`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      redis: { type: 'string' },
      concurrency: { type: 'string' },
      backend: { type: 'string' },
      'lock-seconds': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.redis === undefined) {
    process.stderr.write(`worker: --redis URL is required\n${USAGE}`);
    return 2;
  }
  const concurrency = Number(values.concurrency ?? '1');
  const lockSeconds = Number(values['lock-seconds'] ?? '30');
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    process.stderr.write(`worker: --concurrency must be an integer ≥ 1, got '${values.concurrency ?? ''}'\n`);
    return 2;
  }
  if (!Number.isFinite(lockSeconds) || lockSeconds < 1) {
    process.stderr.write(`worker: --lock-seconds must be ≥ 1, got '${values['lock-seconds'] ?? ''}'\n`);
    return 2;
  }
  let worker;
  try {
    const backend = values.backend === undefined ? undefined : parseBackendName(values.backend);
    worker = createRemoteWorker({ redisUrl: values.redis, concurrency, lockSeconds, ...(backend ? { backend } : {}) });
  } catch (error) {
    // The URL may carry a password: messages about it are redacted where they are made; say which URL in any case.
    process.stderr.write(`worker: ${redactRedisUrl(values.redis)}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await worker.close();
  return 0;
}

exitWithResult('worker', main());
