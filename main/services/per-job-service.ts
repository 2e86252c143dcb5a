import type { JobService } from '../jobs/job-service';

/**
 * One instance per job service, made on first use. A runner kept this way is the same for the handlers and
 * for the start-up code that resumes unfinished work, so two runners never drive the same records.
 */
export function onePerJobService<Options extends { jobs: JobService }, Instance extends object>(create: (options: Options) => Instance) {
  const made = new WeakMap<JobService, Instance>();
  return {
    /** The instance of `options.jobs`, made with these options if there is none yet. */
    of(options: Options): Instance {
      let instance = made.get(options.jobs);
      if (!instance) {
        instance = create(options);
        made.set(options.jobs, instance);
      }
      return instance;
    },
    /** The instance already made for these jobs, if any. */
    existing(jobs: JobService): Instance | undefined {
      return made.get(jobs);
    },
  };
}
