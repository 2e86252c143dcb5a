/**
 * Persistence for DeCE Pilot: one SQLite file per data directory. Plain Node (no electron import),
 * so the CLI, the job runner and Electron's main process share it.
 */
export { openStore, Store, BUSY_TIMEOUT_MS, type OpenStoreOptions, type StoreDiagnostics } from './store';
export { resolveDataDir, DB_FILE_NAME, DATA_DIR_ENV, type ResolveDataDirOptions } from './paths';
export { migrate, migrationChecksum, migrationLabel, type MigrateOptions, type MigrateResult } from './migrate';
export { MIGRATIONS, LATEST_SCHEMA_VERSION, type Migration } from './migrations/index';
export {
  StoreError,
  StoreCorruptError,
  StoreAccessError,
  StoreMigrationError,
  StoreNotFoundError,
  StoreStateError,
  StoreValidationError,
  StoreDataError,
} from './errors';
export type { JsonObject, JsonValue } from './json';
export * from './types';
export type { AuditInput, AuditListOptions } from './repos/audit';
export type { CreateProjectInput, RenameProjectInput } from './repos/projects';
export type { DecideInput, ReopenInput } from './repos/stages';
export type { RunVersions } from './repos/runs';
export type { AddItemInput, UpdateItemInput, ToggleItemInput, MoveItemInput } from './repos/checklist';
export type { AddDatasetInput } from './repos/datasets';
export type { CreateRunInput, RunListOptions } from './repos/runs';
export { serializeRunError } from './repos/runs';
export type { EpochInput, StepInput, RecordEpochResult } from './repos/metrics';
export type { AddArtifactInput, ArtifactListOptions } from './repos/artifacts';
export type { FixedHyperparameters, Probe, ProductionSettings, RollbackPlan, SignOff, SwitchStep, SwitchOutcome, SignOffDecision } from './repos/production';
export type { CreateSearchInput, SearchPointInput, SearchRecord, SearchStatus, SearchTrialRecord, SearchTrialStatus, TrialUpdate } from './repos/searches';
export type { BenchmarkCellInput, BenchmarkCellRecord, BenchmarkCellStatus, BenchmarkRecord, BenchmarkStatus, CellUpdate, CreateBenchmarkInput } from './repos/benchmarks';
