import { redisOptionsFromUrl } from '../jobs/remote/connection';
import { createRemoteExecutor } from '../jobs/remote/remote-executor';
import type { JobServiceOptions } from '../jobs/job-service';
import { startJob as localStartJob } from '../jobs/worker-host';

/** `--redis URL` of the headless CLIs: their training runs go to `npm run worker` processes instead of local threads. */

export const REDIS_OPTION = {
  type: 'string',
  help: 'train on remote workers (npm run worker) through BullMQ on this Redis URL, redis:// or rediss://; --workers then counts runs sent at once',
  default: 'this machine',
} as const;

/** The URL when given and well-formed; a malformed one is a usage error whose message never shows the password. */
export function checkedRedisUrl(url: string | undefined, usageError: (message: string) => Error): string | null {
  if (url === undefined) return null;
  try {
    redisOptionsFromUrl(url);
  } catch (error) {
    throw usageError(`--redis: ${error instanceof Error ? error.message : String(error)}`);
  }
  return url;
}

export interface CliTrainingExecutor {
  /**
   * For assembleApp: always given, so a CLI trains where its --redis says (this machine without it), not where
   * the app's Settings in the same data folder say.
   */
  startJob: NonNullable<JobServiceOptions['startJob']>;
  /** For the Benchmark plan: the remote workers, null for this machine. */
  connectedWorkers: () => Promise<number | null>;
  /** After the app has closed. */
  close(): Promise<void>;
}

export function trainingExecutor(redisUrl: string | null): CliTrainingExecutor {
  if (redisUrl === null) return { startJob: localStartJob, connectedWorkers: () => Promise.resolve(null), close: () => Promise.resolve() };
  const remote = createRemoteExecutor({ redisUrl });
  return { startJob: remote.startJob, connectedWorkers: () => remote.connectedWorkers(), close: () => remote.close() };
}
