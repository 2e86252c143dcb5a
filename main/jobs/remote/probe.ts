import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { redactRedisUrl } from '../../../common/redis-url';
import { TRAINING_QUEUE, redisOptionsFromUrl } from './connection';

/** How long a connection attempt may take before Redis counts as unreachable. */
export const PROBE_TIMEOUT_MS = 5000;

/** Redis could not be reached (refused, timed out, wrong password): the message names the redacted URL and why. */
export class RedisUnreachableError extends Error {
  override name = 'RedisUnreachableError';
  constructor(
    readonly redactedUrl: string,
    readonly reason: string,
  ) {
    super(`cannot reach the training queue at ${redactedUrl}: ${reason}`);
  }
}

/**
 * Connects once, without the queue's retry-forever policy, and counts the worker processes connected to the
 * training queue. Throws RedisUnreachableError instead of waiting for a server that is not there.
 */
export async function probeTrainingQueue(redisUrl: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<{ workers: number }> {
  const client = new Redis({
    ...redisOptionsFromUrl(redisUrl),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // ioredis rejects connect() with a bare "Connection is closed"; the socket's own error says why.
  // An object, read through: the listener sets it while connect() is awaited.
  const seen: { socketError: string | null } = { socketError: null };
  client.on('error', (error: Error) => {
    seen.socketError ??= error.message;
  });
  let queue: Queue | null = null;
  try {
    await client.connect();
    await client.ping();
    queue = new Queue(TRAINING_QUEUE, { connection: client });
    return { workers: await queue.getWorkersCount() };
  } catch (error) {
    const reason = seen.socketError ?? (error instanceof Error ? error.message : String(error));
    throw new RedisUnreachableError(redactRedisUrl(redisUrl), reason.replace(/\.$/, ''));
  } finally {
    await queue?.close().catch(() => undefined);
    client.disconnect();
  }
}
