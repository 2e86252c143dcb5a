import type { StageName } from '../../common/contract';
import type { JobService } from '../jobs/job-service';
import type { Store } from '../store/index';
import type { Estimator } from '../jobs/estimate';

/** What the handlers of one area (benchmark, production) get from createServices. */
export interface ServiceContext {
  store: Store;
  jobs: JobService;
  dataDir: string;
  estimator: Estimator;
  /** Tells every window that a project changed (best effort). */
  changed(projectId: number): void;
  requireProject(projectId: number): NonNullable<ReturnType<Store['projects']['get']>>;
  requireStage(projectId: number, stage: StageName): NonNullable<ReturnType<Store['stages']['get']>>;
  /** Worker processes on the remote queue training goes to now; null when it trains on this machine. */
  connectedWorkers(): Promise<number | null>;
}
