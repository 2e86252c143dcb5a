import { ApiError, type Handlers } from '../../common/contract';
import type { TrainingTarget, TrainingTargetView, settingsContract } from '../../common/contract-settings';
import { message } from '../../common/messages';
import { redactRedisUrl, redisUrlHasPassword, redisUrlProblem, withStoredPassword } from '../../common/redis-url';
import { RedisUnreachableError, probeTrainingQueue } from '../jobs/remote/probe';
import type { SettingsFile, StoredTrainingTarget } from './settings';

type TrainingTargetMethod = keyof typeof settingsContract;
export type TrainingTargetHandlers = Pick<Handlers, TrainingTargetMethod>;

/** What the renderer may see: the URL redacted, and whether a password is stored. */
export function toTrainingTargetView(stored: StoredTrainingTarget): TrainingTargetView {
  const url = stored.target.kind === 'remote' ? stored.target.redisUrl : stored.lastRedisUrl;
  const usable = url !== null && redisUrlProblem(url) === null ? url : null;
  const hasPassword = usable !== null && redisUrlHasPassword(usable);
  if (stored.target.kind === 'remote') return { kind: 'remote', redisUrl: redactRedisUrl(stored.target.redisUrl), hasPassword };
  return { kind: 'local', redisUrl: usable === null ? null : redactRedisUrl(usable), hasPassword };
}

/** "Run training on: this machine | remote workers": stored in the settings file, read by the job service at every job start. */
export function createTrainingTargetHandlers(settings: SettingsFile): TrainingTargetHandlers {
  /** A URL typed by the user, or sent back redacted: the redacted password stands for the stored one. */
  const unredacted = (url: string): string => withStoredPassword(url, settings.trainingTarget().lastRedisUrl);
  return {
    'settings.trainingTarget': () => Promise.resolve(toTrainingTargetView(settings.trainingTarget())),
    'settings.setTrainingTarget': (target) => {
      const next: TrainingTarget = target.kind === 'remote' ? { kind: 'remote', redisUrl: unredacted(target.redisUrl) } : target;
      settings.setTrainingTarget(next);
      return Promise.resolve(toTrainingTargetView(settings.trainingTarget()));
    },
    'settings.testTrainingTarget': async ({ redisUrl }) => {
      const url = redisUrl === undefined ? settings.trainingTarget().lastRedisUrl : unredacted(redisUrl);
      if (url === null) throw ApiError.of('invalid-input', message('error.redisUrlMissing'));
      try {
        const { workers } = await probeTrainingQueue(url);
        return { redisUrl: redactRedisUrl(url), workers };
      } catch (error) {
        throw error instanceof RedisUnreachableError ? unreachable(error) : error;
      }
    },
  };
}

/** The contract's form of a Redis that cannot be reached, in the UI's language. */
export function unreachable(error: RedisUnreachableError): ApiError {
  return ApiError.of('failed', message('error.redisUnreachable', { url: error.redactedUrl, reason: error.reason }));
}
