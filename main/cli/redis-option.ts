import { redisOptionsFromUrl } from '../jobs/remote/connection';
import { createRemoteExecutor } from '../jobs/remote/remote-executor';
import type { JobServiceOptions } from '../jobs/job-service';

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

export interface TrainingExecutor {
  /** For assembleApp: absent means the local worker threads. */
  startJob?: JobServiceOptions['startJob'];
  /** After the app has closed. */
  close(): Promise<void>;
}

export function trainingExecutor(redisUrl: string | null): TrainingExecutor {
  if (redisUrl === null) return { close: () => Promise.resolve() };
  const remote = createRemoteExecutor({ redisUrl });
  return { startJob: remote.startJob, close: () => remote.close() };
}
