import { expect } from 'vitest';
import { describeMigration, tableNames } from './migration-case';

describeMigration(1, {
  // Version 0 is an empty file (what a first start, or a crash during it, leaves).
  seed: () => undefined,
  verify(store, db) {
    expect(tableNames(db)).toEqual([
      'artifacts',
      'audit_log',
      'benchmark_cells',
      'benchmarks',
      'checklist_items',
      'datasets',
      'defense_results',
      'epoch_metrics',
      'production_probes',
      'production_settings',
      'production_sign_offs',
      'production_switch_steps',
      'projects',
      'run_leaders',
      'run_tags',
      'run_versions',
      'runs',
      'schema_migrations',
      'search_trials',
      'searches',
      'stages',
      'step_metrics',
    ]);
    const project = store.projects.create({ name: 'First', actor: 'ana' });
    expect(store.stages.list(project.id).map((s) => s.status)).toEqual(['active', 'locked', 'locked']);
    expect(store.checklist.list(project.id, 'benchmark')).toHaveLength(3);
  },
});
