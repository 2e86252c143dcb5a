import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { parseRedisUrl } from '../../../common/redis-url';

export { redactRedisUrl } from '../../../common/redis-url';

/**
 * Where the training queue lives: one Redis (≥ 6.2, `maxmemory-policy noeviction`, as BullMQ requires)
 * named by a `redis://` or `rediss://` URL. The password travels in the URL; nothing prints the URL
 * itself, only `redactRedisUrl` of it.
 */

/** The BullMQ queue every producer and worker of this app meets on. */
export const TRAINING_QUEUE = 'dece-training';

/** Pub/sub channel on which a producer tells workers to stop a job (its BullMQ id as the message). */
export const CANCEL_CHANNEL = 'dece-training:cancel';

/** Checkpoints live beside the queue, a week at most: a producer that never comes back leaves no garbage behind forever. */
export const CHECKPOINT_TTL_SECONDS = 7 * 24 * 3600;

/**
 * Checkpoint bytes travel through Redis, so a worker needs no file system shared with the app. Redis caps a
 * string at 512 MB; this app's models are a few MB, and a bound well below Redis' keeps a runaway model
 * from filling the server's memory.
 */
export const MAX_CHECKPOINT_BYTES = 256 * 1024 * 1024;

/**
 * A data file of an imported dataset, sent with its job (job-data.ts). The same bound as a checkpoint: far
 * below Redis' 512 MB string limit, and a team's training pairs are tens of MB at most.
 */
export const MAX_DATA_FILE_BYTES = 256 * 1024 * 1024;

/** The newest epoch checkpoint of a job: written by the worker after every epoch, read by a retry and by the producer. */
export const checkpointKey = (bullJobId: string): string => `dece-training:checkpoint:${bullJobId}`;
/** Pre-trained weights a job starts from, uploaded by the producer. */
export const initialWeightsKey = (bullJobId: string): string => `dece-training:initial:${bullJobId}`;
/** One data file of an imported dataset that a job carries (its corpus field: train, test, …). */
export const dataFileKey = (bullJobId: string, field: string): string => `dece-training:data:${bullJobId}:${field}`;
/** Set by a cancel: a retried attempt of a cancelled job refuses to start. */
export const cancelledKey = (bullJobId: string): string => `dece-training:cancelled:${bullJobId}`;
/** A defense job's CE model, and a pre-training job's weights file coming back. */
export const poisonedModelKey = (bullJobId: string): string => `dece-training:model:${bullJobId}`;
export const sideOutputKey = (bullJobId: string): string => `dece-training:output:${bullJobId}`;
/** The app's answer to "stop after this epoch?" for a job whose stop it decides (a list: the worker waits on it with BLPOP). */
export const stopAnswerKey = (bullJobId: string, epoch: number): string => `dece-training:stop:${bullJobId}:${epoch}`;
/** How long a worker waits for that answer before it trains on (the app may be closed; it resumes deciding later). */
export const STOP_ANSWER_TIMEOUT_SECONDS = 600;

/** The connection settings both ioredis and BullMQ accept (their own option types disagree on other fields). */
export interface RedisConnectionSettings {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls?: TlsOptions;
  maxRetriesPerRequest: null;
}

/** Connection settings for a redis:// or rediss:// URL; rediss:// turns TLS on (the host name is checked against the certificate). */
export function redisOptionsFromUrl(url: string): RedisConnectionSettings {
  const { tls, ...parts } = parseRedisUrl(url);
  return {
    ...parts,
    ...(tls ? { tls: { servername: new URL(url).hostname } } : {}),
    // BullMQ's workers block on Redis; it requires that ioredis retries forever instead of failing commands.
    maxRetriesPerRequest: null,
  };
}
