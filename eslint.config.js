import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import boundaries from 'eslint-plugin-boundaries';

// Floors of the code, lowest first. A folder may import its own files and the folders listed for it — every
// listed one is on a lower floor — and nothing else: the README's architecture diagram, as a rule.
const below = {
  common: [],
  // Node-only basics under everything in main/: atomic file writes and the data folder's layout.
  files: [],
  store: ['common', 'files'],
  data: ['common', 'files'],
  engine: ['common', 'files', 'data'],
  // Rules and records of the adoption process over the store: gate, mappers, statistics, CSV, audit trail.
  domain: ['common', 'files', 'store'],
  // What a job runs besides training: passive defenses, and the Production stage's export and probe.
  defenses: ['common', 'files', 'domain', 'store', 'data', 'engine'],
  production: ['common', 'files', 'domain', 'store', 'data', 'engine'],
  jobs: ['common', 'files', 'domain', 'store', 'data', 'engine', 'defenses', 'production'],
};
const jobsAndBelow = ['jobs', ...below.jobs];
Object.assign(below, { pilot: jobsAndBelow, benchmark: jobsAndBelow, reports: jobsAndBelow });
const workflows = ['pilot', 'benchmark', 'reports'];
below.services = [...workflows, ...jobsAndBelow];
const servicesAndBelow = ['services', ...below.services];
Object.assign(below, {
  server: servicesAndBelow,
  // The preload's protocol is the one wire format both the main process and the renderer speak.
  electron: [...servicesAndBelow, 'preload'],
  // The web command hosts the HTTP server.
  cli: [...servicesAndBelow, 'server'],
  preload: ['common', 'renderer-api'],
  'renderer-lib': ['common'],
  'renderer-api': ['common', 'preload', 'renderer-lib'],
  'renderer-state': ['common', 'renderer-api', 'renderer-lib', 'renderer-i18n'],
  'renderer-i18n': ['common', 'renderer-lib'],
  'renderer-components': ['common', 'renderer-api', 'renderer-lib', 'renderer-i18n', 'renderer-state'],
  renderer: ['common', 'renderer-api', 'renderer-lib', 'renderer-i18n', 'renderer-state', 'renderer-components'],
});
const folders = {
  common: 'common', files: 'main/files', domain: 'main/domain', store: 'main/store', data: 'main/data', engine: 'main/engine',
  defenses: 'main/defenses', jobs: 'main/jobs', pilot: 'main/pilot', benchmark: 'main/benchmark',
  production: 'main/production', reports: 'main/reports', services: 'main/services', server: 'main/server',
  electron: 'main/electron', cli: 'main/cli', preload: 'preload', 'renderer-lib': 'renderer/lib',
  'renderer-api': 'renderer/api', 'renderer-state': 'renderer/state', 'renderer-i18n': 'renderer/i18n',
  'renderer-components': 'renderer/components', renderer: 'renderer',
};
const layerElements = Object.entries(folders).map(([type, folder]) => ({ type, pattern: folder }));
const layerPolicies = Object.entries(below).map(([type, targets]) => ({
  from: { element: { type } },
  allow: { to: { element: { types: { anyOf: [type, ...targets] } } } },
}));

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', '.vite/', 'test-artifacts/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  // Runtime boundaries: pure layers never reach for Electron; the renderer never reaches for Node.
  {
    files: ['main/engine/**', 'main/data/**', 'main/store/**', 'main/reports/**', 'main/services/**', 'main/jobs/**', 'main/cli/**', 'main/server/**', 'common/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Only main/electron and preload may import electron.' }] }] },
  },
  {
    files: ['renderer/**', 'common/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'The renderer talks to main only through the contract.' }], patterns: [{ group: ['node:*', 'fs', 'path', 'os', 'child_process', 'worker_threads'], message: 'The renderer and common/ run in the browser too: no Node modules.' }] }],
    },
  },
  // The floors above, enforced: an import from a folder not listed for the importing one fails the lint.
  {
    files: ['main/**/*.{ts,tsx}', 'common/**/*.{ts,tsx}', 'preload/**/*.{ts,tsx}', 'renderer/**/*.{ts,tsx}'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': layerElements,
      'import/resolver': { node: { extensions: ['.ts', '.tsx', '.js', '.json'] } },
    },
    rules: { 'boundaries/dependencies': ['error', { default: 'disallow', policies: layerPolicies }] },
  },
);
