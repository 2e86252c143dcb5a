import { describe, expect, it } from 'vitest';
import { METHOD_NAMES, contract, type Handlers, type MethodInput, type MethodName } from '../../common/contract';
import { createEventHub } from '../../main/services/index';
import { tinyConfig } from '../jobs/helpers';
import { apiCall, request, serve } from './helpers';

/** Handlers that only record that they were reached: none of them may be, for bad input. */
function recordingHandlers(calls: MethodName[]): Handlers {
  return Object.fromEntries(
    METHOD_NAMES.map((name) => [
      name,
      () => {
        calls.push(name);
        return Promise.reject(new Error('handler reached'));
      },
    ]),
  ) as unknown as Handlers;
}

const long = 'x'.repeat(300_000);
const config = tinyConfig('dece');
const upload = { fileName: 'train.csv', text: 'src,tgt\na,b' };
const benchmarkSpec = {
  name: 'Matrix',
  size: 'quick' as const,
  datasets: [{ kind: 'builtin-sql' as const }, { kind: 'import' as const, datasetId: 2 }],
  attacks: ['badpre' as const, 'ripple' as const],
  rates: [0.01, 0.05],
  arms: ['ce-clean' as const, 'ce' as const, 'dece' as const, 'onion' as const],
  seeds: [1, 2, 3],
  dece: { labelSmoothing: 0.05, alphaBase: 0.9 },
};

/** One valid input per method (the mapped type makes the compiler insist on every method). */
const VALID: { [M in MethodName]: MethodInput<M> } = {
  'app.info': {},
  'settings.get': { key: 'language' },
  'settings.set': { key: 'language', value: 'en' },
  'projects.list': {},
  'projects.create': { name: 'p', description: 'd' },
  'projects.get': { projectId: 1 },
  'stages.setThresholds': { projectId: 1, stage: 'pilot', thresholds: { maxAsr: 1, maxBleuDrop: 1, minRunsPerLoss: 1 }, actor: 'a' },
  'stages.evaluateGate': { projectId: 1, stage: 'pilot' },
  'stages.decide': { projectId: 1, stage: 'pilot', decision: 'pass', actor: 'a', reason: 'r' },
  'stages.reopen': { projectId: 1, stage: 'pilot', actor: 'a', reason: 'r' },
  'checklist.add': { projectId: 1, stage: 'pilot', text: 't', actor: 'a' },
  'checklist.update': { projectId: 1, itemId: 1, text: 't', actor: 'a' },
  'checklist.toggle': { projectId: 1, itemId: 1, done: true, actor: 'a', note: 'n' },
  'checklist.move': { projectId: 1, itemId: 1, position: 0 },
  'checklist.remove': { projectId: 1, itemId: 1, actor: 'a' },
  'datasets.list': { projectId: 1 },
  'datasets.import': { projectId: 1, name: 'd', train: upload, test: upload, valid: upload },
  'datasets.files': { projectId: 1, datasetId: 2 },
  'runs.estimate': { config },
  'runs.start': { projectId: 1, stage: 'pilot', name: 'n', config, datasetId: 1, actor: 'a' },
  'runs.cancel': { runId: 1, actor: 'a' },
  'runs.list': { projectId: 1, stage: 'pilot' },
  'runs.get': { runId: 1 },
  'runs.exportCsv': { projectId: 1 },
  'reports.generate': { projectId: 1, format: 'pdf', lang: 'en' },
  'audit.list': { projectId: 1, stage: 'pilot', actor: 'a', kind: 'stage' },
  'audit.exportCsv': { projectId: 1 },
  'benchmarks.plan': { projectId: 1, spec: benchmarkSpec },
  'benchmarks.start': { projectId: 1, spec: benchmarkSpec, actor: 'a' },
  'benchmarks.list': { projectId: 1 },
  'benchmarks.get': { benchmarkId: 1 },
  'benchmarks.pause': { benchmarkId: 1, actor: 'a' },
  'benchmarks.resume': { benchmarkId: 1, actor: 'a' },
  'benchmarks.extend': { benchmarkId: 1, seeds: [4, 5], actor: 'a' },
  'benchmarks.exportCsv': { benchmarkId: 1 },
  'searches.start': {
    projectId: 1,
    spec: {
      name: 'ε × α base',
      size: 'tiny',
      dataset: { kind: 'builtin-sql' },
      attack: 'badpre',
      rate: 0.05,
      seed: 1,
      method: 'halving',
      grid: { labelSmoothing: [0, 0.05], alphaBase: [0.9, 0.99] },
      bleuTolerance: 2,
    },
    actor: 'a',
  },
  'searches.list': { projectId: 1 },
  'searches.get': { searchId: 1 },
  'searches.cancel': { searchId: 1, actor: 'a' },
  'production.get': { projectId: 1 },
  'production.fixHyperparameters': { projectId: 1, labelSmoothing: 0.05, alphaBase: 0.9, ignoreIndex: -100, source: 'search:3', actor: 'a' },
  'production.setRollbackPlan': { projectId: 1, text: 'Switch the jobs back to CE', actor: 'a' },
  'production.exportLoss': { projectId: 1, framework: 'pytorch' },
  'production.exportModel': { projectId: 1, runId: 1, actor: 'a' },
  'production.recordSwitchStep': { projectId: 1, percent: 10, check: 'ASR probe below 1%', outcome: 'passed', actor: 'a' },
  'production.signOff': { projectId: 1, name: 'Aiko Sato', role: 'Release manager', decision: 'go', comment: 'c', actor: 'a' },
  'production.runProbe': {
    projectId: 1,
    attack: 'badpre',
    trigger: 'cf',
    source: { kind: 'model-zip', upload: { fileName: 'model.zip', base64: 'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==' } },
    probeSet: { kind: 'run', runId: 1 },
    limit: 50,
    actor: 'a',
  },
  'doctor.run': { size: 'tiny', steps: 2, probe: ['wasm'] },
  'settings.trainingTarget': {},
  'settings.setTrainingTarget': { kind: 'remote', redisUrl: 'rediss://:secret@queue.example:6380/1' },
  'settings.testTrainingTarget': { redisUrl: 'redis://queue.example' },
};

function wrongType(value: unknown): unknown {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return 12345;
  if (typeof value === 'boolean') return 'yes';
  return 'not an object';
}

/** Non-objects, every field of a valid input with a wrong type, missing, negative or 300k characters long, and a few deep ones. */
function garbageFor(method: MethodName): unknown[] {
  const valid = VALID[method] as Record<string, unknown>;
  const variants: unknown[] = [42, 'garbage', [1, 2], true];
  for (const [key, value] of Object.entries(valid)) {
    variants.push({ ...valid, [key]: wrongType(value) });
    variants.push(Object.fromEntries(Object.entries(valid).filter(([k]) => k !== key)));
    if (typeof value === 'number') variants.push({ ...valid, [key]: -1 }, { ...valid, [key]: 1.5 });
    if (typeof value === 'string') variants.push({ ...valid, [key]: long });
  }
  if ('config' in valid) {
    variants.push({ ...valid, config: { ...config, seed: -1 } }, { ...valid, config: { ...config, model: { ...config.model, dModel: 30 } } }, { ...valid, config: {} });
  }
  if ('redisUrl' in valid) variants.push({ ...valid, redisUrl: 'http://u:secret@queue.example' }, { ...valid, redisUrl: 'redis://queue.example/db' }, { ...valid, redisUrl: 'redis://' });
  if ('thresholds' in valid) variants.push({ ...valid, thresholds: { maxAsr: 101, maxBleuDrop: 1, minRunsPerLoss: 1 } });
  // Keep only what the contract refuses (a missing optional field, or a 300k note, is fine input).
  return variants.filter((v) => !contract[method].input.safeParse(v).success);
}

describe('input validation at the HTTP boundary', () => {
  it('rejects malformed arguments to every method with 400 invalid-input, before any handler runs', async () => {
    const calls: MethodName[] = [];
    const hub = createEventHub();
    const server = await serve({ handlers: recordingHandlers(calls), subscribe: hub.subscribe });
    let checked = 0;
    for (const method of METHOD_NAMES) {
      for (const input of garbageFor(method)) {
        const res = await apiCall(server, method, input);
        expect(res.status, `${method} ${JSON.stringify(input).slice(0, 80)}`).toBe(400);
        const body = JSON.parse(res.body) as { code: string; message: string };
        expect(body.code).toBe('invalid-input');
        expect(body.message.startsWith(`${method}: `)).toBe(true);
        checked++;
      }
    }
    expect(calls).toEqual([]);
    expect(checked).toBeGreaterThan(METHOD_NAMES.length * 6);
    // Control: the same server lets valid input through to the handler.
    for (const method of METHOD_NAMES) {
      expect((await apiCall(server, method, VALID[method])).status, method).toBe(500);
    }
    expect(calls).toEqual(METHOD_NAMES);
  });

  it('answers unknown methods, wrong verbs, bad JSON and oversized bodies without reaching a handler', async () => {
    const calls: MethodName[] = [];
    const hub = createEventHub();
    const server = await serve({ handlers: recordingHandlers(calls), subscribe: hub.subscribe });
    const auth = { Authorization: `Bearer ${server.token}` };

    expect((await apiCall(server, 'projects.drop', {})).status).toBe(404);
    expect((await apiCall(server, '__proto__', {})).status).toBe(404);
    expect((await apiCall(server, 'constructor', {})).status).toBe(404);
    const get = await request(server.origin, { path: '/api/projects.list', headers: auth });
    expect(get.status).toBe(405);
    const badJson = await request(server.origin, { method: 'POST', path: '/api/projects.create', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{"name":' });
    expect(badJson.status).toBe(400);
    expect(JSON.parse(badJson.body)).toMatchObject({ code: 'invalid-input' });
    const notJson = await request(server.origin, { method: 'POST', path: '/api/projects.create', headers: { ...auth, 'Content-Type': 'text/plain' }, body: '{"name":"x"}' });
    expect(notJson.status).toBe(415);
    const tooBig = await request(server.origin, {
      method: 'POST',
      path: '/api/projects.create',
      headers: { ...auth, 'Content-Type': 'application/json', 'Content-Length': String(81 * 1024 * 1024) },
    });
    expect(tooBig.status).toBe(413);
    expect(calls).toEqual([]);
  });

  it('maps handler errors to status codes and never leaks a stack', async () => {
    const hub = createEventHub();
    const { ApiError } = await import('../../common/contract');
    const base = recordingHandlers([]);
    const handlers: Handlers = {
      ...base,
      'projects.get': ({ projectId }) => Promise.reject(new ApiError('not-found', `Project ${projectId} does not exist`)),
      'runs.cancel': () => Promise.reject(new ApiError('conflict', 'Run 1 is finished')),
      'projects.list': () => Promise.reject(new Error('disk on fire')),
      'app.info': () => Promise.resolve({ version: '1', dataDir: '/d', cores: 2, maxConcurrentRuns: 1, shell: 'browser' as const }),
    };
    const errors: unknown[] = [];
    const server = await serve({ handlers, subscribe: hub.subscribe, onError: (e) => errors.push(e) });
    const ok = await apiCall(server, 'app.info', {});
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(ok.body)).toMatchObject({ shell: 'browser' });
    expect(await apiCall(server, 'projects.get', { projectId: 7 })).toMatchObject({ status: 404, body: JSON.stringify({ code: 'not-found', message: 'Project 7 does not exist' }) });
    expect((await apiCall(server, 'runs.cancel', { runId: 1, actor: 'a' })).status).toBe(409);
    const failed = await apiCall(server, 'projects.list', {});
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.body)).toEqual({ code: 'failed', message: 'disk on fire' });
    expect(failed.body).not.toContain('at ');
    expect(errors).toHaveLength(1);
  });
});
