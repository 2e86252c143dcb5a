import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { selectBackend } from '../../main/engine/backend';
import { matMulFast, registerWasmTrainingKernels, setExplicitTransposeMatMulGradient } from '../../main/engine/wasm-kernels';

/**
 * Every op a transformer training step uses, value and gradient, on 'wasm' against 'cpu' from the same
 * inputs and the same random upstream gradient. Tensors are built from plain JS arrays on each backend in
 * turn; results are copied out before switching.
 */

type Backend = 'wasm' | 'cpu';

/** mulberry32: deterministic inputs without depending on tf's RNG. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Spec {
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
  values: number[];
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function normal(shape: number[], seed: number, scale = 1): Spec {
  const next = rng(seed);
  const values = Array.from({ length: size(shape) }, () => {
    // Box–Muller
    const u = Math.max(next(), 1e-12);
    const v = next();
    return scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  });
  return { shape, dtype: 'float32', values };
}

function uniform(shape: number[], seed: number, lo: number, hi: number): Spec {
  const next = rng(seed);
  return { shape, dtype: 'float32', values: Array.from({ length: size(shape) }, () => lo + (hi - lo) * next()) };
}

function ints(shape: number[], seed: number, n: number): Spec {
  const next = rng(seed);
  return { shape, dtype: 'int32', values: Array.from({ length: size(shape) }, () => Math.floor(next() * n)) };
}

function bools(shape: number[], seed: number): Spec {
  const next = rng(seed);
  return { shape, dtype: 'bool', values: Array.from({ length: size(shape) }, () => (next() < 0.5 ? 1 : 0)) };
}

/** Distinct values (no ties for max/maximum/relu at 0), a random permutation of a spaced grid. */
function distinct(shape: number[], seed: number): Spec {
  const n = size(shape);
  const next = rng(seed);
  const values = Array.from({ length: n }, (_, i) => (i - n / 2 + 0.5) * (4 / n) + 0.013);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const tmp = values[i] ?? 0;
    values[i] = values[j] ?? 0;
    values[j] = tmp;
  }
  return { shape, dtype: 'float32', values };
}

interface GradCase {
  name: string;
  /** Differentiated inputs. */
  xs: Spec[];
  /** Inputs held constant (indices, masks, one-hots...). */
  consts?: Spec[];
  f: (xs: tf.Tensor[], consts: tf.Tensor[]) => tf.Tensor;
  /** Skip the gradient (ops tfjs cannot differentiate on any backend). */
  forwardOnly?: boolean;
}

/** A type alias (not an interface) so it is a TensorContainer that tf.tidy may return. */
type Result = {
  value: number[];
  shape: number[];
  grads: number[][];
  gradShapes: number[][];
};

function at<T>(items: readonly T[], i: number): T {
  const item = items[i];
  if (item === undefined) throw new Error(`index ${i} out of range`);
  return item;
}

async function evaluate(backend: Backend, c: GradCase): Promise<Result> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const xs = c.xs.map((s) => tf.tensor(s.values, s.shape, s.dtype));
    const consts = (c.consts ?? []).map((s) => tf.tensor(s.values, s.shape, s.dtype));
    const value = c.f(xs, consts);
    const out: Result = { value: Array.from(value.dataSync()), shape: value.shape, grads: [], gradShapes: [] };
    if (c.forwardOnly !== true && xs.length > 0) {
      const dySpec = normal(value.shape, 991);
      const dy = tf.tensor(dySpec.values, dySpec.shape);
      const grads = tf.grads((...args: tf.Tensor[]) => c.f(args, consts))(xs, dy);
      out.grads = grads.map((g) => Array.from(g.dataSync()));
      out.gradShapes = grads.map((g) => g.shape);
    }
    return out;
  });
}

/** |a − b| ≤ 1e-4·max(|a|, |b|) + 1e-5·max(1, max|reference|), element-wise. */
function expectClose(actual: number[], expected: number[], what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const scale = Math.max(1, ...expected.map(Math.abs));
  let worst = { index: -1, excess: 0 };
  for (let i = 0; i < expected.length; i++) {
    const a = at(actual, i);
    const e = at(expected, i);
    const tolerance = 1e-4 * Math.max(Math.abs(a), Math.abs(e)) + 1e-5 * scale;
    const diff = Math.abs(a - e);
    if (!(diff <= tolerance) && (worst.index < 0 || diff - tolerance > worst.excess)) worst = { index: i, excess: diff - tolerance };
  }
  if (worst.index >= 0) {
    expect.fail(`${what}: element ${worst.index} wasm=${actual[worst.index]} cpu=${expected[worst.index]} (exceeds tolerance by ${worst.excess})`);
  }
}

async function compare(c: GradCase): Promise<void> {
  const cpu = await evaluate('cpu', c);
  const wasm = await evaluate('wasm', c);
  expect(wasm.shape, `${c.name}: value shape`).toEqual(cpu.shape);
  expect(wasm.value.every(Number.isFinite), `${c.name}: finite values`).toBe(true);
  expectClose(wasm.value, cpu.value, `${c.name} value`);
  expect(wasm.gradShapes, `${c.name}: gradient shapes`).toEqual(cpu.gradShapes);
  if (c.forwardOnly !== true) expect(cpu.grads.length, `${c.name}: gradients computed`).toBe(c.xs.length);
  cpu.grads.forEach((g, i) => {
    expectClose(at(wasm.grads, i), g, `${c.name} gradient #${i}`);
  });
}

const x34 = (seed: number) => normal([3, 4], seed);
const x234 = (seed: number) => normal([2, 3, 4], seed);

/** 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), with x³ either via pow or via mul. */
function gelu(x: tf.Tensor, viaPow: boolean): tf.Tensor {
  const cube = viaPow ? tf.pow(x, 3) : tf.mul(tf.mul(x, x), x);
  const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, cube)));
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
}

function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), gamma), beta);
}

function first(xs: tf.Tensor[]): tf.Tensor {
  return at(xs, 0);
}

const matMulShapes = (batch: number[], m: number, k: number, n: number, tA: boolean, tB: boolean) => ({
  a: [...batch, ...(tA ? [k, m] : [m, k])],
  b: [...batch, ...(tB ? [n, k] : [k, n])],
});

const TRANSPOSE_COMBOS: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

function matMulCases(): GradCase[] {
  const cases: GradCase[] = [];
  for (const batch of [[], [3], [2, 3]]) {
    for (const [tA, tB] of TRANSPOSE_COMBOS) {
      const { a, b } = matMulShapes(batch, 5, 7, 6, tA, tB);
      cases.push({
        name: `matMul rank ${batch.length + 2} transposeA=${tA} transposeB=${tB}`,
        xs: [normal(a, 11), normal(b, 12)],
        f: ([p, q]) => tf.matMul(p ?? tf.scalar(0), q ?? tf.scalar(0), tA, tB),
      });
      cases.push({
        name: `matMulFast rank ${batch.length + 2} transposeA=${tA} transposeB=${tB}`,
        xs: [normal(a, 13), normal(b, 14)],
        f: ([p, q]) => matMulFast(p ?? tf.scalar(0), q ?? tf.scalar(0), tA, tB),
      });
    }
  }
  // A 3-D activation times a shared 2-D weight: tfjs' gradient does not reduce over the broadcast batch,
  // so only the activation is differentiated (the weight is a constant here).
  for (const [tA, tB] of TRANSPOSE_COMBOS) {
    cases.push({
      name: `matMul broadcast [2,·,·]x[·,·] transposeA=${tA} transposeB=${tB} (d/dA)`,
      xs: [normal([2, ...(tA ? [7, 5] : [5, 7])], 15)],
      consts: [normal(tB ? [6, 7] : [7, 6], 16)],
      f: ([p], [w]) => tf.matMul(p ?? tf.scalar(0), w ?? tf.scalar(0), tA, tB),
    });
  }
  return cases;
}

const CASES: GradCase[] = [
  {
    name: 'gather (embedding lookup, [V,D] table, int32 [B,T] ids with repeats)',
    xs: [normal([11, 6], 1)],
    consts: [{ shape: [2, 5], dtype: 'int32', values: [1, 3, 3, 0, 10, 7, 1, 1, 2, 10] }],
    f: ([table], [ids]) => tf.gather(table ?? tf.scalar(0), ids ?? tf.scalar(0, 'int32')),
  },
  {
    name: 'gather on axis 1',
    xs: [normal([3, 9, 2], 2)],
    consts: [ints([4], 3, 9)],
    f: ([table], [ids]) => tf.gather(table ?? tf.scalar(0), ids ?? tf.scalar(0, 'int32'), 1),
  },
  ...matMulCases(),
  { name: 'add (broadcast [2,3,4]+[4])', xs: [x234(21), normal([4], 22)], f: ([a, b]) => tf.add(a ?? 0, b ?? 0) },
  { name: 'add (broadcast [2,3,4]+[3,1])', xs: [x234(23), normal([3, 1], 24)], f: ([a, b]) => tf.add(a ?? 0, b ?? 0) },
  { name: 'sub (broadcast [2,3,4]-[2,1,4])', xs: [x234(25), normal([2, 1, 4], 26)], f: ([a, b]) => tf.sub(a ?? 0, b ?? 0) },
  { name: 'mul (broadcast [2,3,4]*[4])', xs: [x234(27), normal([4], 28)], f: ([a, b]) => tf.mul(a ?? 0, b ?? 0) },
  { name: 'mul by scalar', xs: [x234(29)], f: (xs) => tf.mul(first(xs), 0.125) },
  { name: 'div (broadcast [2,3,4]/[3,1])', xs: [x234(30), uniform([3, 1], 31, 0.5, 2)], f: ([a, b]) => tf.div(a ?? 0, b ?? 1) },
  { name: 'relu', xs: [distinct([3, 4], 32)], f: (xs) => tf.relu(first(xs)) },
  { name: 'tanh', xs: [x34(33)], f: (xs) => tf.tanh(first(xs)) },
  { name: 'gelu (tanh approximation, pow)', xs: [x34(34)], f: (xs) => gelu(first(xs), true) },
  { name: 'gelu (tanh approximation, mul)', xs: [x34(35)], f: (xs) => gelu(first(xs), false) },
  { name: 'softmax', xs: [x234(36)], f: (xs) => tf.softmax(first(xs)) },
  { name: 'logSoftmax', xs: [x234(37)], f: (xs) => tf.logSoftmax(first(xs)) },
  {
    name: 'cross-entropy (logSoftmax · oneHot)',
    xs: [normal([6, 5], 38)],
    consts: [ints([6], 39, 5)],
    f: ([logits], [labels]) => tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits ?? 0), tf.oneHot(labels ?? tf.tensor1d([0], 'int32'), 5)), -1))),
  },
  { name: 'exp', xs: [x34(40)], f: (xs) => tf.exp(first(xs)) },
  { name: 'log', xs: [uniform([3, 4], 41, 0.2, 3)], f: (xs) => tf.log(first(xs)) },
  { name: 'sqrt', xs: [uniform([3, 4], 42, 0.2, 3)], f: (xs) => tf.sqrt(first(xs)) },
  { name: 'rsqrt', xs: [uniform([3, 4], 43, 0.2, 3)], f: (xs) => tf.rsqrt(first(xs)) },
  { name: 'mean over last axis (keepDims)', xs: [x234(44)], f: (xs) => tf.mean(first(xs), -1, true) },
  { name: 'mean over all', xs: [x234(45)], f: (xs) => tf.mean(first(xs)) },
  { name: 'sum over axes [0,2]', xs: [x234(46)], f: (xs) => tf.sum(first(xs), [0, 2]) },
  { name: 'max over axis 1', xs: [distinct([2, 3, 4], 47)], f: (xs) => tf.max(first(xs), 1) },
  { name: 'max over last axis (keepDims)', xs: [distinct([2, 3, 4], 48)], f: (xs) => tf.max(first(xs), -1, true) },
  {
    name: 'moments (mean and variance)',
    xs: [x234(49)],
    f: (xs) => {
      const { mean, variance } = tf.moments(first(xs), -1);
      return tf.stack([mean, variance]);
    },
  },
  { name: 'layer norm (moments, rsqrt, gamma, beta)', xs: [x234(50), normal([4], 51), normal([4], 52)], f: ([x, g, b]) => layerNorm(x ?? tf.scalar(0), g ?? tf.scalar(1), b ?? tf.scalar(0)) },
  { name: 'reshape', xs: [x234(53)], f: (xs) => tf.reshape(first(xs), [6, 4]) },
  { name: 'transpose 2-D', xs: [normal([5, 7], 54)], f: (xs) => tf.transpose(first(xs)) },
  { name: 'transpose 4-D [0,2,1,3] (split heads)', xs: [normal([2, 3, 4, 5], 55)], f: (xs) => tf.transpose(first(xs), [0, 2, 1, 3]) },
  { name: 'transpose 4-D [0,2,3,1]', xs: [normal([2, 3, 4, 5], 56)], f: (xs) => tf.transpose(first(xs), [0, 2, 3, 1]) },
  { name: 'concat axis 0', xs: [x34(57), normal([2, 4], 58)], f: ([a, b]) => tf.concat([a ?? tf.scalar(0), b ?? tf.scalar(0)], 0) },
  { name: 'concat last axis', xs: [x234(59), normal([2, 3, 2], 60)], f: ([a, b]) => tf.concat([a ?? tf.scalar(0), b ?? tf.scalar(0)], -1) },
  { name: 'slice', xs: [x234(61)], f: (xs) => tf.slice(first(xs), [0, 1, 1], [2, 2, -1]) },
  {
    // tfjs registers no StridedSlice gradient (on any backend): value only.
    name: 'stridedSlice (value; tfjs has no StridedSlice gradient)',
    xs: [normal([4, 6, 5], 62)],
    f: (xs) => tf.stridedSlice(first(xs), [0, 1, 4], [4, 6, 0], [2, 2, -2]),
    forwardOnly: true,
  },
  { name: 'stridedSlice (shrink axis, value)', xs: [normal([4, 6], 63)], f: (xs) => tf.stridedSlice(first(xs), [1, 0], [2, 6], [1, 1], 0, 0, 0, 0, 1), forwardOnly: true },
  { name: 'pad', xs: [x34(64)], f: (xs) => tf.pad(first(xs), [[1, 0], [0, 2]]) },
  { name: 'pad with value', xs: [x234(65)], f: (xs) => tf.pad(first(xs), [[0, 0], [2, 1], [0, 0]], -1.5) },
  { name: 'oneHot (value)', xs: [], consts: [ints([7], 66, 5)], f: (_, [labels]) => tf.oneHot(labels ?? tf.tensor1d([0], 'int32'), 5), forwardOnly: true },
  {
    name: 'where/select with a constant mask',
    xs: [x234(67), x234(68)],
    consts: [bools([2, 3, 4], 69)],
    f: ([a, b], [mask]) => tf.where(mask ?? tf.scalar(true), a ?? 0, b ?? 0),
  },
  {
    name: 'where/select attention mask (broadcast fill)',
    xs: [x234(70)],
    consts: [bools([2, 3, 4], 71)],
    f: ([scores], [mask]) => tf.softmax(tf.where(mask ?? tf.scalar(true), scores ?? 0, tf.fill([2, 3, 4], -1e9))),
  },
  {
    name: 'where/select: [T,T] mask broadcast over [N,T,T] scores, scalar fill',
    xs: [normal([3, 4, 4], 102)],
    consts: [bools([4, 4], 103)],
    f: ([scores], [mask]) => tf.where(mask ?? tf.scalar(true), scores ?? 0, tf.scalar(-1e9)),
  },
  {
    name: 'padding mask: notEqual/equal → cast → masked mean',
    xs: [normal([2, 5], 104)],
    consts: [{ shape: [2, 5], dtype: 'int32', values: [3, 4, 0, 0, 0, 5, 6, 7, 2, 0] }],
    f: ([losses], [ids]) => {
      const target = ids ?? tf.scalar(0, 'int32');
      const keep = tf.cast(tf.notEqual(target, 0), 'float32');
      const eos = tf.cast(tf.equal(target, 2), 'float32');
      return tf.div(tf.sum(tf.mul(tf.add(losses ?? 0, eos), keep)), tf.maximum(tf.sum(keep), 1));
    },
  },
  { name: 'argMax (value)', xs: [], consts: [distinct([3, 7], 105)], f: (_, [logits]) => tf.argMax(logits ?? tf.scalar(0), -1), forwardOnly: true },
  { name: 'clipByValue', xs: [distinct([3, 4], 72)], f: (xs) => tf.clipByValue(first(xs), -0.9, 0.7) },
  { name: 'maximum (same shape)', xs: [distinct([3, 4], 73), distinct([3, 4], 74)], f: ([a, b]) => tf.maximum(a ?? 0, b ?? 0) },
  { name: 'maximum with a scalar', xs: [distinct([3, 4], 75)], f: (xs) => tf.maximum(first(xs), 0.1) },
  {
    name: 'dropout (seeded)',
    xs: [x234(76)],
    f: (xs) => tf.dropout(first(xs), 0.3, undefined, 1234),
  },
  { name: 'cast (float → int → float, plus identity path)', xs: [uniform([3, 4], 77, -3, 3)], f: (xs) => tf.add(tf.cast(tf.cast(first(xs), 'int32'), 'float32'), tf.mul(first(xs), 2)) },
  { name: 'cast int32 ids → float32 (value)', xs: [], consts: [ints([5], 78, 9)], f: (_, [ids]) => tf.cast(ids ?? tf.scalar(0, 'int32'), 'float32'), forwardOnly: true },
  { name: 'square', xs: [x34(79)], f: (xs) => tf.square(first(xs)) },
  { name: 'squaredDifference (same shape)', xs: [x34(80), x34(81)], f: ([a, b]) => tf.squaredDifference(a ?? 0, b ?? 0) },
  { name: 'norm (euclidean, all)', xs: [x234(82)], f: (xs) => tf.norm(first(xs)) },
  { name: 'norm (axis -1)', xs: [x234(83)], f: (xs) => tf.norm(first(xs), 'euclidean', -1) },
  {
    name: 'global norm for gradient clipping (addN of squared sums)',
    xs: [x34(84), normal([5], 85), x234(86)],
    f: (xs) => tf.sqrt(tf.addN(xs.map((g) => tf.sum(tf.square(g))))),
  },
  { name: 'tile', xs: [x34(87)], f: (xs) => tf.tile(first(xs), [2, 3]) },
  { name: 'tile 3-D', xs: [normal([1, 3, 2], 88)], f: (xs) => tf.tile(first(xs), [4, 1, 2]) },
  { name: 'expandDims', xs: [x34(89)], f: (xs) => tf.expandDims(first(xs), 1) },
  { name: 'stack', xs: [x34(90), x34(91), x34(92)], f: (xs) => tf.stack(xs, 1) },
  { name: 'unstack', xs: [x234(93)], f: (xs) => tf.concat(tf.unstack(first(xs), 1), 1) },
  {
    name: 'attention block (embedding, layer norm, multi-head attention, gelu, cross-entropy)',
    xs: [normal([13, 8], 94, 0.5), normal([8], 95), normal([8], 96), normal([8, 24], 97, 0.3), normal([8, 8], 98, 0.3), normal([8, 13], 99, 0.3)],
    consts: [ints([2, 5], 100, 13), ints([10], 101, 13)],
    f: ([embedding, gamma, beta, wqkv, wo, wout], [ids, labels]) => {
      const [B, T, D, H] = [2, 5, 8, 2];
      const x = tf.gather(embedding ?? tf.scalar(0), ids ?? tf.scalar(0, 'int32')); // [B,T,D]
      const h = layerNorm(x, gamma ?? tf.scalar(1), beta ?? tf.scalar(0));
      const qkv = tf.reshape(matMulFast(tf.reshape(h, [B * T, D]), wqkv ?? tf.scalar(0)), [B, T, 3, H, D / H]);
      const heads = tf.transpose(qkv, [2, 0, 3, 1, 4]); // [3,B,H,T,dh]
      const [q, k, v] = tf.unstack(heads).map((t) => tf.reshape(t, [B * H, T, D / H]));
      const scores = tf.mul(tf.matMul(q ?? tf.scalar(0), k ?? tf.scalar(0), false, true), 1 / Math.sqrt(D / H));
      const causal = tf.linalg.bandPart(tf.ones([T, T]), -1, 0);
      const masked = tf.where(tf.cast(causal, 'bool'), scores, tf.fill([B * H, T, T], -1e9));
      const context = tf.matMul(tf.softmax(masked), v ?? tf.scalar(0)); // [B*H,T,dh]
      const merged = tf.reshape(tf.transpose(tf.reshape(context, [B, H, T, D / H]), [0, 2, 1, 3]), [B * T, D]);
      const y = tf.add(tf.reshape(x, [B * T, D]), gelu(matMulFast(merged, wo ?? tf.scalar(0)), true));
      const logits = matMulFast(y, wout ?? tf.scalar(0));
      return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(labels ?? tf.tensor1d([0], 'int32'), 13)), -1)));
    },
  },
];

let tensorsBefore = 0;

beforeAll(async () => {
  // Initialise cpu through selectBackend too: it mutes tfjs' "install tfjs-node" banner.
  await selectBackend('cpu');
  await selectBackend('wasm');
});

beforeEach(() => {
  tensorsBefore = tf.memory().numTensors;
});

afterEach(() => {
  expect(tf.memory().numTensors, 'tensors leaked').toBe(tensorsBefore);
});

describe('wasm vs cpu: value and gradient of every training op', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await compare(c);
  });
});

describe('UnsortedSegmentSum on wasm', () => {
  it('is registered for wasm by registerWasmTrainingKernels (idempotently)', () => {
    registerWasmTrainingKernels();
    registerWasmTrainingKernels();
    expect(tf.getKernel(tf.UnsortedSegmentSum, 'wasm') as tf.KernelConfig | undefined).toBeDefined();
  });

  const segmentCases: GradCase[] = [
    {
      name: 'embedding-gradient shape: [N,D] rows into V segments, with repeats',
      xs: [normal([8, 3], 200)],
      consts: [{ shape: [8], dtype: 'int32', values: [0, 2, 2, 4, 4, 4, 1, 0] }],
      f: ([x], [ids]) => tf.unsortedSegmentSum(x ?? tf.scalar(0), (ids ?? tf.tensor1d([0], 'int32')) as tf.Tensor1D, 6),
    },
    {
      name: 'rank-1 ids over a rank-3 x',
      xs: [normal([4, 3, 2], 201)],
      consts: [{ shape: [4], dtype: 'int32', values: [2, 0, 2, 1] }],
      f: ([x], [ids]) => tf.unsortedSegmentSum(x ?? tf.scalar(0), (ids ?? tf.tensor1d([0], 'int32')) as tf.Tensor1D, 4),
    },
    {
      // Its gradient is a gather, which rejects out-of-range ids on every backend: value only.
      name: 'out-of-range ids are dropped (value)',
      xs: [normal([6, 3], 202)],
      consts: [{ shape: [6], dtype: 'int32', values: [0, 2, 2, -1, 4, 9] }],
      f: ([x], [ids]) => tf.unsortedSegmentSum(x ?? tf.scalar(0), (ids ?? tf.tensor1d([0], 'int32')) as tf.Tensor1D, 5),
      forwardOnly: true,
    },
    {
      name: 'int32 x',
      xs: [],
      consts: [ints([5, 2], 203, 100), ints([5], 204, 3)],
      f: (_, [x, ids]) => tf.unsortedSegmentSum(x ?? tf.scalar(0, 'int32'), (ids ?? tf.tensor1d([0], 'int32')) as tf.Tensor1D, 3),
      forwardOnly: true,
    },
  ];
  it.each(segmentCases.map((c) => [c.name, c] as const))('matches cpu: %s', async (_name, c) => {
    await compare(c);
  });
});

/** Records the transpose attributes of every BatchMatMul kernel call on the wasm backend. */
async function recordWasmMatMuls<T>(fn: () => T): Promise<{ result: T; calls: string[] }> {
  await tf.setBackend('wasm');
  const original = tf.getKernel(tf.BatchMatMul, 'wasm');
  const calls: string[] = [];
  tf.unregisterKernel(tf.BatchMatMul, 'wasm');
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      calls.push(`${args.inputs.a?.shape.join('x') ?? '?'}·${args.inputs.b?.shape.join('x') ?? '?'} tA=${args.attrs?.transposeA === true} tB=${args.attrs?.transposeB === true}`);
      return original.kernelFunc(args);
    },
  });
  try {
    return { result: fn(), calls };
  } finally {
    tf.unregisterKernel(tf.BatchMatMul, 'wasm');
    tf.registerKernel(original);
  }
}

describe('BatchMatMul gradient on wasm', () => {
  for (const rank of [2, 3]) {
    for (const [tA, tB] of TRANSPOSE_COMBOS) {
      it(`runs only non-transposed products (rank ${rank}, transposeA=${tA}, transposeB=${tB})`, async () => {
        const batch = rank === 3 ? [2] : [];
        const shapes = matMulShapes(batch, 4, 3, 5, tA, tB);
        const { calls } = await recordWasmMatMuls(() => {
          tf.tidy(() => {
            const a = tf.tensor(normal(shapes.a, 300).values, shapes.a);
            const b = tf.tensor(normal(shapes.b, 301).values, shapes.b);
            tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(matMulFast(p, q, tA, tB)))([a, b]);
          });
        });
        expect(calls).toHaveLength(3); // forward + dA + dB
        expect(calls.filter((c) => c.includes('tA=true') || c.includes('tB=true'))).toEqual([]);
      });
    }
  }

  it('bypassing it (benchmark switch) brings tfjs’ transposed products back, with equal results', async () => {
    const shapes = matMulShapes([], 4, 3, 5, false, false);
    const run = () =>
      tf.tidy(() => {
        const a = tf.tensor(normal(shapes.a, 302).values, shapes.a);
        const b = tf.tensor(normal(shapes.b, 303).values, shapes.b);
        return tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.matMul(p, q)))([a, b]).map((g) => Array.from(g.dataSync()));
      });
    const ours = await recordWasmMatMuls(run);
    setExplicitTransposeMatMulGradient(false);
    try {
      const theirs = await recordWasmMatMuls(run);
      expect(theirs.calls.some((c) => c.includes('tA=true') || c.includes('tB=true'))).toBe(true);
      ours.result.forEach((g, i) => {
        expectClose(g, at(theirs.result, i), `gradient #${i}`);
      });
    } finally {
      setExplicitTransposeMatMulGradient(true);
    }
    expect(ours.calls.filter((c) => c.includes('tA=true') || c.includes('tB=true'))).toEqual([]);
  });

  it('leaves other backends on tfjs’ own gradient', async () => {
    await tf.setBackend('cpu');
    const original = tf.getKernel(tf.BatchMatMul, 'cpu');
    const calls: boolean[] = [];
    tf.unregisterKernel(tf.BatchMatMul, 'cpu');
    tf.registerKernel({
      ...original,
      kernelFunc: (args) => {
        calls.push(args.attrs?.transposeA === true || args.attrs?.transposeB === true);
        return original.kernelFunc(args);
      },
    });
    try {
      tf.tidy(() => {
        tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.matMul(p, q)))([tf.ones([2, 3]), tf.ones([3, 4])]);
      });
    } finally {
      tf.unregisterKernel(tf.BatchMatMul, 'cpu');
      tf.registerKernel(original);
      await tf.setBackend('wasm');
    }
    expect(calls).toEqual([false, true, true]);
  });
});

describe('matMulFast', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    for (const rank of [2, 3]) {
      for (const [tA, tB] of TRANSPOSE_COMBOS) {
        it(`equals tf.matMul on ${backend} (rank ${rank}, transposeA=${tA}, transposeB=${tB})`, async () => {
          await tf.setBackend(backend);
          const shapes = matMulShapes(rank === 3 ? [3] : [], 6, 5, 4, tA, tB);
          const [fast, reference, shape] = tf.tidy(() => {
            const a = tf.tensor(normal(shapes.a, 400).values, shapes.a);
            const b = tf.tensor(normal(shapes.b, 401).values, shapes.b);
            const f = matMulFast(a, b, tA, tB);
            const r = tf.matMul(a, b, tA, tB);
            expect(f.shape).toEqual(r.shape);
            return [Array.from(f.dataSync()), Array.from(r.dataSync()), f.shape];
          });
          expect(shape).toEqual(rank === 3 ? [3, 6, 4] : [6, 4]);
          expectClose(fast, reference, 'matMulFast');
          await tf.setBackend('wasm');
        });
      }
    }
  }
});

describe('matmul gradient speed on wasm', () => {
  it('x[2560,64]·w[64,3000]: explicit transposes beat tfjs’ transposed products', async () => {
    await tf.setBackend('wasm');
    const [x, w] = tf.tidy(() => [
      tf.variable(tf.tensor(normal([2560, 64], 500).values, [2560, 64])),
      tf.variable(tf.tensor(normal([64, 3000], 501, 0.1).values, [64, 3000])),
    ]);
    const step = (explicitTransposes: boolean) => {
      setExplicitTransposeMatMulGradient(explicitTransposes);
      const started = performance.now();
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => tf.sum(tf.matMul(x, w)));
        for (const g of Object.values(grads)) g.dataSync();
      });
      return performance.now() - started;
    };
    const median = (times: number[]) => at([...times].sort((a, b) => a - b), Math.floor(times.length / 2));
    try {
      step(false);
      step(true);
      // Interleaved, so a change in machine load affects both sides alike.
      const tfjsTimes: number[] = [];
      const ourTimes: number[] = [];
      for (let run = 0; run < 3; run++) {
        tfjsTimes.push(step(false));
        ourTimes.push(step(true));
      }
      const before = median(tfjsTimes);
      const after = median(ourTimes);
      console.log(`[wasm] variableGrads(sum(matMul(x[2560,64], w[64,3000]))): tfjs gradient ${before.toFixed(0)} ms, explicit transposes ${after.toFixed(0)} ms (${(before / after).toFixed(1)}x)`);
      // Several-fold on an idle machine; a loose bound keeps parallel test files from making this flaky.
      expect(after).toBeLessThan(before * 0.75);
    } finally {
      setExplicitTransposeMatMulGradient(true);
      x.dispose();
      w.dispose();
    }
  });
});
