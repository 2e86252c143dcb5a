import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../main/engine/backend';
import { type DeceExportOptions, type LossExportFramework, exportDeceLoss } from '../../main/production/loss-export';
import { readGolden } from '../helpers/golden';

const golden = readGolden();
/** Debian's interpreter, the one python3-torch installs PyTorch for. */
const DEBIAN_PYTHON = '/usr/bin/python3';

function importable(python: string, module: string): boolean {
  return spawnSync(python, ['-c', `import ${module}`], { stdio: 'ignore', timeout: 120_000 }).status === 0;
}
const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/** What the exported TensorFlow.js module provides. */
interface TfjsSnippet {
  deceLoss(logits: tf.Tensor2D, targets: tf.Tensor1D | Int32Array | number[], epoch: number): tf.Scalar;
  deceLossCausalLM(logits: tf.Tensor3D, labels: tf.Tensor2D | number[][], epoch: number): tf.Scalar;
  selfCheck(log?: (line: string) => void): { ok: boolean; results: { relativeError: number; ok: boolean }[] };
}

// Snippets are written where a user would put them: a folder of their own, with the project's
// node_modules linked in so that `import '@tensorflow/tfjs'` resolves as it would in their project.
const workDir = mkdtempSync(join(tmpdir(), 'dece-loss-export-'));
symlinkSync(join(projectRoot, 'node_modules'), join(workDir, 'node_modules'), 'dir');
let written = 0;

function writeSnippet(options: DeceExportOptions, code?: string): string {
  const exported = exportDeceLoss(options);
  const dir = join(workDir, `export-${String(++written)}`);
  mkdirSync(dir);
  const path = join(dir, exported.fileName);
  writeFileSync(path, code ?? exported.code);
  return path;
}

async function importTfjsSnippet(options: Omit<DeceExportOptions, 'framework'>, transform?: (code: string) => string): Promise<TfjsSnippet> {
  const { code } = exportDeceLoss({ framework: 'tfjs', ...options });
  const path = writeSnippet({ framework: 'tfjs', ...options }, transform ? transform(code) : code);
  return (await import(pathToFileURL(path).href)) as TfjsSnippet;
}

beforeAll(async () => {
  // Exporting runs the app's DeCE: give it the app's backend rather than tfjs' default.
  await selectBackend('wasm');
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

describe('DeCE export: TensorFlow.js', () => {
  // One exported snippet per parameter set in the golden file, with its constants baked in.
  const groups = new Map<string, { options: Omit<DeceExportOptions, 'framework'>; cases: typeof golden.cases }>();
  for (const c of golden.cases) {
    const options = { labelSmoothing: c.label_smoothing, alphaBase: c.alpha_base, ignoreIndex: c.ignore_index };
    const key = JSON.stringify(options);
    const group = groups.get(key) ?? { options, cases: [] };
    group.cases.push(c);
    groups.set(key, group);
  }
  const snippets = new Map<string, TfjsSnippet>();
  beforeAll(async () => {
    for (const [key, group] of groups) snippets.set(key, await importTfjsSnippet(group.options));
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`reproduces ../shared/golden/dece.json (loss and gradients) on ${backend}`, async () => {
      await selectBackend(backend);
      const before = tf.memory().numTensors;
      let compared = 0;
      for (const [key, group] of groups) {
        const snippet = snippets.get(key);
        if (!snippet) throw new Error('snippet not loaded');
        for (const c of group.cases) {
          const logits = tf.tensor2d(c.logits);
          const targets = tf.tensor1d(c.target, 'int32');
          const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => snippet.deceLoss(x as tf.Tensor2D, targets, c.epoch))(logits);
          const loss = value.dataSync()[0] ?? Number.NaN;
          const gradient = grad.arraySync() as number[][];
          for (const t of [logits, targets, value, grad]) t.dispose();
          expect(Math.abs(loss - c.dece_loss) / Math.abs(c.dece_loss), `loss, ${key}`).toBeLessThanOrEqual(1e-5);
          c.dece_grad.forEach((row, i) => {
            row.forEach((expected, k) => {
              const actual = gradient[i]?.[k] ?? Number.NaN;
              expect(Math.abs(actual - expected), `gradient [${i}][${k}], ${key}`).toBeLessThanOrEqual(1e-6 + 1e-4 * Math.abs(expected));
            });
          });
          compared++;
        }
      }
      expect(compared).toBe(golden.cases.length);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('accepts targets as arrays, and its causal-LM helper shifts logits and labels by one', async () => {
    await selectBackend('cpu');
    const snippet = await importTfjsSnippet({ labelSmoothing: 0.1, alphaBase: 0.9, ignoreIndex: -100 });
    const logits = tf.randomNormal<tf.Rank.R3>([2, 4, 6], 0, 2, 'float32', 5);
    const labels = [
      [9, 1, 2, 3],
      [9, 5, -100, 0],
    ];
    const viaHelper = snippet.deceLossCausalLM(logits, labels, 3);
    const shifted = tf.reshape<tf.Rank.R2>(tf.slice(logits, [0, 0, 0], [2, 3, 6]), [6, 6]);
    const manual = snippet.deceLoss(shifted, [1, 2, 3, 5, -100, 0], 3);
    expect(viaHelper.dataSync()[0]).toBeCloseTo(manual.dataSync()[0] ?? Number.NaN, 6);
    for (const t of [logits, viaHelper, shifted, manual]) t.dispose();
  });

  const selfCheckParameters: Omit<DeceExportOptions, 'framework'>[] = [
    { labelSmoothing: 0.05, alphaBase: 0.985, ignoreIndex: 0 },
    { labelSmoothing: 0.1, alphaBase: 0.9, ignoreIndex: -100 },
    { labelSmoothing: 0, alphaBase: 1, ignoreIndex: null },
  ];
  it.each(selfCheckParameters)('its embedded self-check passes (%o)', async (options) => {
    await selectBackend('wasm');
    const snippet = await importTfjsSnippet(options);
    const lines: string[] = [];
    const result = snippet.selfCheck((line) => lines.push(line));
    expect(result.results.length).toBeGreaterThanOrEqual(3);
    expect(result.ok, lines.join('\n')).toBe(true);
    expect(lines.at(-1)).toBe('DeCE self-check: OK');
  });

  it('its self-check fails when the loss disagrees with the app', async () => {
    await selectBackend('cpu');
    // The classic slip: averaging over the kept rows only (PyTorch CE's convention, not the reference's).
    const snippet = await importTfjsSnippet({ labelSmoothing: 0.05, alphaBase: 0.985, ignoreIndex: 0 }, (code) => {
      const slipped = code.replace('tf.div(tf.sum(kept), Math.max(rows, 1))', "tf.div(tf.sum(kept), tf.sum(tf.cast(keep, 'float32')))");
      expect(slipped).not.toBe(code);
      return slipped;
    });
    const lines: string[] = [];
    expect(snippet.selfCheck((line) => lines.push(line)).ok).toBe(false);
    expect(lines.at(-1)).toBe('DeCE self-check: FAIL');
  });

  it('`node dece-loss.mjs` runs the self-check and prints OK', () => {
    const path = writeSnippet({ framework: 'tfjs', labelSmoothing: 0.05, alphaBase: 0.985, ignoreIndex: 0 });
    const run = spawnSync(process.execPath, [path], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/DeCE self-check: OK\s*$/);
  });
});

describe('DeCE export: Python', () => {
  // PyTorch comes from Debian (python3-torch, installed by .ci/run) for Debian's own interpreter, which need
  // not be the first python3 on PATH; Keras and JAX have no Debian package and stay compile-checked.
  const pythonFrameworks: { framework: Exclude<LossExportFramework, 'tfjs'>; module: string; python: string }[] = [
    { framework: 'pytorch', module: 'torch', python: DEBIAN_PYTHON },
    { framework: 'keras', module: 'tensorflow', python: 'python3' },
    { framework: 'jax', module: 'jax', python: 'python3' },
  ];
  const available = new Map(pythonFrameworks.map(({ framework, module, python }) => [framework, importable(python, module)]));
  const skipped = pythonFrameworks.filter(({ framework }) => available.get(framework) !== true);
  if (skipped.length > 0) {
    console.info(`DeCE export self-checks skipped (framework not importable): ${skipped.map(({ framework, module, python }) => `${framework} (${module} with ${python})`).join(', ')}`);
  }

  const parameterSets: Omit<DeceExportOptions, 'framework'>[] = [
    { labelSmoothing: 0.05, alphaBase: 0.985, ignoreIndex: 0 },
    { labelSmoothing: 0.1, alphaBase: 0.9, ignoreIndex: -100 },
    { labelSmoothing: 0, alphaBase: 1, ignoreIndex: null },
  ];

  it('the exported Python snippets compile', () => {
    const paths = pythonFrameworks.flatMap(({ framework }) => parameterSets.map((options) => writeSnippet({ framework, ...options })));
    execFileSync('python3', ['-m', 'py_compile', ...paths], { stdio: 'pipe' });
    for (const path of paths) {
      expect(path.endsWith('.py')).toBe(true);
      const code = readFileSync(path, 'utf8');
      expect(code).toMatch(/^IGNORE_INDEX = (None|-?\d+) /m);
      expect(code).toContain('if __name__ == "__main__":');
      expect(code).toContain('def dece_loss_causal_lm(');
    }
  });

  for (const { framework, module, python } of pythonFrameworks) {
    it.skipIf(available.get(framework) !== true)(`the ${framework} self-check passes (runs only where ${python} can import ${module})`, () => {
      for (const options of parameterSets) {
        const path = writeSnippet({ framework, ...options });
        const run = spawnSync(python, [path], { encoding: 'utf8', timeout: 300_000 });
        expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
        expect(run.stdout).toMatch(/DeCE self-check: OK\s*$/);
      }
    });
  }
});

/**
 * Loads an exported PyTorch snippet as a module and prints, per case, the loss and the gradient of the loss
 * with respect to the logits through autograd (float64, as the reference values were computed).
 */
const TORCH_GOLDEN_SCRIPT = `
import importlib.util, json, sys
import torch
out = []
for n, group in enumerate(json.load(sys.stdin)):
    spec = importlib.util.spec_from_file_location(f"dece_export_{n}", group["path"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for case in group["cases"]:
        logits = torch.tensor(case["logits"], dtype=torch.float64, requires_grad=True)
        targets = torch.tensor(case["target"], dtype=torch.long)
        loss = module.dece_loss(logits, targets, case["epoch"])
        loss.backward()
        out.append({"loss": loss.item(), "grad": logits.grad.tolist()})
print(json.dumps(out))
`;

describe('DeCE export: PyTorch against ../shared/golden/dece.json', () => {
  const hasTorch = importable(DEBIAN_PYTHON, 'torch');
  if (!hasTorch) console.info(`PyTorch golden comparison skipped: ${DEBIAN_PYTHON} cannot import torch (apt-get install python3-torch; .ci/run does)`);

  it.skipIf(!hasTorch)(`reproduces every golden loss and its autograd gradient (${DEBIAN_PYTHON}, Debian's python3-torch)`, () => {
    let compared = 0;
    const groups = new Map<string, typeof golden.cases>();
    for (const c of golden.cases) {
      const key = JSON.stringify({ labelSmoothing: c.label_smoothing, alphaBase: c.alpha_base, ignoreIndex: c.ignore_index });
      groups.set(key, [...(groups.get(key) ?? []), c]);
    }
    // One interpreter for every parameter set: importing torch is the slow part.
    const batches = [...groups].map(([key, cases]) => ({ key, cases, path: writeSnippet({ framework: 'pytorch', ...(JSON.parse(key) as Omit<DeceExportOptions, 'framework'>) }) }));
    const run = spawnSync(DEBIAN_PYTHON, ['-c', TORCH_GOLDEN_SCRIPT], {
      input: JSON.stringify(batches.map(({ path, cases }) => ({ path, cases }))),
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const results = JSON.parse(run.stdout) as { loss: number; grad: number[][] }[];
    for (const { key, cases } of batches) {
      for (const c of cases) {
        const result = results[compared];
        if (!result) throw new Error(`no result for case ${compared}, ${key}`);
        expect(Math.abs(result.loss - c.dece_loss) / Math.abs(c.dece_loss), `loss, ${key}`).toBeLessThanOrEqual(1e-5);
        c.dece_grad.forEach((row, i) => {
          row.forEach((expected, k) => {
            const actual = result.grad[i]?.[k] ?? Number.NaN;
            expect(Math.abs(actual - expected), `gradient [${i}][${k}], ${key}`).toBeLessThanOrEqual(1e-6 + 1e-4 * Math.abs(expected));
          });
        });
        compared++;
      }
    }
    expect(compared).toBe(golden.cases.length);
  });
});

describe('DeCE export: options', () => {
  it('names a file per framework', () => {
    const names = (['pytorch', 'keras', 'jax', 'tfjs'] as const).map(
      (framework) => exportDeceLoss({ framework, labelSmoothing: 0.05, alphaBase: 0.985, ignoreIndex: -100 }).fileName,
    );
    expect(names).toEqual(['dece_loss_pytorch.py', 'dece_loss_keras.py', 'dece_loss_jax.py', 'dece-loss.mjs']);
  });

  it('rejects out-of-range parameters with the field named', () => {
    const base: DeceExportOptions = { framework: 'pytorch', labelSmoothing: 0.05, alphaBase: 0.985, ignoreIndex: 0 };
    expect(() => exportDeceLoss({ ...base, labelSmoothing: 1 })).toThrow(/labelSmoothing/);
    expect(() => exportDeceLoss({ ...base, alphaBase: 0 })).toThrow(/alphaBase/);
    expect(() => exportDeceLoss({ ...base, ignoreIndex: 0.5 })).toThrow(/ignoreIndex/);
    expect(() => exportDeceLoss({ ...base, framework: 'mxnet' as LossExportFramework })).toThrow(/framework/);
  });

  it('embeds a case with an ignored row when there is an ignore index, and a clamped one always', () => {
    const { code } = exportDeceLoss({ framework: 'tfjs', labelSmoothing: 0.05, alphaBase: 0.985, ignoreIndex: -100 });
    expect(code).toMatch(/targets: \[[^\]]*-100/);
    expect(code).toContain('19.5');
  });
});
