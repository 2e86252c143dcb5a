import { message } from '../../common/messages';
import { JobFailedError } from './run-worker';

/** A worker's error keeps its own name and stack (the worker's, where the cause is). */
export function remoteError(error: unknown): unknown {
  if (error instanceof JobFailedError) {
    const copy = new Error(error.message);
    copy.name = error.remoteName;
    copy.stack = error.remoteStack ?? `${error.remoteName}: ${error.message}`;
    // The store keeps the failure as a catalog message too, so the UI can say it in its language.
    const i18n =
      error.exitCode === undefined ? message('job.failed', { message: error.message }) : message('job.workerExited', { code: error.exitCode });
    return Object.assign(copy, { i18n });
  }
  return error;
}
