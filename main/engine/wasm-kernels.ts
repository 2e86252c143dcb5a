import * as tf from '@tensorflow/tfjs';

/**
 * Training support for the tfjs wasm backend.
 *
 * 1. Kernels training needs that the wasm backend does not register, implemented in JS on top of the
 *    backend's own memory (`readSync` in, `makeOutput` out):
 *      - UnsortedSegmentSum: the gradient of `tf.gather` (embedding lookups).
 * 2. A BatchMatMul gradient that, on wasm only, materialises every transpose with `tf.transpose` and then
 *    runs non-transposed products: the wasm backend sends only a non-transposed batch-1 product through
 *    XNNPACK; any transposed product falls back to a naive loop several times slower.
 * 3. `matMulFast`, the same idea for forward passes.
 */

const WASM = 'wasm';

/** The part of BackendWasm (@tensorflow/tfjs-backend-wasm) our kernels use. */
interface WasmBackendLike {
  readSync(dataId: object): tf.backend_util.BackendValues;
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: tf.backend_util.BackendValues): tf.TensorInfo;
}

function isWasmBackend(backend: unknown): backend is WasmBackendLike {
  if (typeof backend !== 'object' || backend === null) return false;
  const candidate = backend as Partial<Record<keyof WasmBackendLike, unknown>>;
  return typeof candidate.readSync === 'function' && typeof candidate.makeOutput === 'function';
}

function requireInput(inputs: tf.NamedTensorInfoMap, name: string, kernel: string): tf.TensorInfo {
  const input = inputs[name];
  if (input === undefined) throw new Error(`${kernel}: missing input '${name}'`);
  return input;
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

/**
 * UnsortedSegmentSum(x, segmentIds, numSegments): out[s, ...] = Σ_{i : segmentIds[i] = s} x[i, ...], where
 * segmentIds covers a prefix of x's dimensions. Ids outside [0, numSegments) are dropped (as in TensorFlow
 * and in the cpu backend, whose masks never match them). Accumulates in x's dtype, in index order.
 */
const unsortedSegmentSum: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const kernel = tf.UnsortedSegmentSum;
  if (!isWasmBackend(backend)) throw new Error(`${kernel}: expected the wasm backend`);
  const x = requireInput(inputs, 'x', kernel);
  const segmentIds = requireInput(inputs, 'segmentIds', kernel);
  const numSegments = attrs?.numSegments;
  if (typeof numSegments !== 'number' || !Number.isInteger(numSegments) || numSegments < 0) {
    throw new Error(`${kernel}: numSegments must be a non-negative integer`);
  }
  if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new Error(`${kernel}: unsupported dtype ${x.dtype}`);
  const idsRank = segmentIds.shape.length;
  const prefixMatches = segmentIds.shape.every((dim, axis) => x.shape[axis] === dim);
  if (idsRank > x.shape.length || !prefixMatches) {
    throw new Error(`${kernel}: segmentIds shape [${segmentIds.shape.join(',')}] must be a prefix of x shape [${x.shape.join(',')}]`);
  }
  const innerShape = x.shape.slice(idsRank);
  const inner = sizeOf(innerShape);
  const xValues = backend.readSync(x.dataId);
  const ids = backend.readSync(segmentIds.dataId);
  if (!(xValues instanceof Float32Array || xValues instanceof Int32Array) || !(ids instanceof Int32Array || ids instanceof Float32Array)) {
    throw new Error(`${kernel}: unexpected storage for inputs`);
  }
  const out = x.dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
  for (let i = 0; i < ids.length; i++) {
    const segment = ids[i] ?? -1;
    if (segment < 0 || segment >= numSegments) continue;
    const from = i * inner;
    const to = segment * inner;
    for (let j = 0; j < inner; j++) out[to + j] = (out[to + j] ?? 0) + (xValues[from + j] ?? 0);
  }
  return backend.makeOutput([numSegments, ...innerShape], x.dtype, undefined, out);
};

/** Kernels training needs that @tensorflow/tfjs-backend-wasm 4.22 does not register. */
const MISSING_WASM_KERNELS: readonly { kernelName: string; kernelFunc: tf.KernelFunc }[] = [
  { kernelName: tf.UnsortedSegmentSum, kernelFunc: unsortedSegmentSum },
];

/** Swaps the last two axes (a plain 2-D transpose for rank 2). */
function transposeLast2(x: tf.Tensor): tf.Tensor {
  const rank = x.rank;
  if (rank < 2) throw new Error(`transposeLast2: rank ${rank} < 2`);
  const perm = [...Array.from({ length: rank - 2 }, (_, axis) => axis), rank - 1, rank - 2];
  return tf.transpose(x, perm);
}

/** Non-transposed product of (optionally transposed) operands; transposes are materialised. */
function productWithExplicitTransposes(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor {
  return tf.tidy(() => tf.matMul(transposeA ? transposeLast2(a) : a, transposeB ? transposeLast2(b) : b, false, false));
}

/**
 * tf.matMul, but on wasm every transpose is materialised first so the product itself is non-transposed
 * (the shape XNNPACK runs); elsewhere exactly tf.matMul. Differentiable (the gradient of a transpose is a
 * transpose).
 */
export function matMulFast(a: tf.Tensor2D, b: tf.Tensor2D, transposeA?: boolean, transposeB?: boolean): tf.Tensor2D;
export function matMulFast(a: tf.Tensor3D, b: tf.Tensor3D | tf.Tensor2D, transposeA?: boolean, transposeB?: boolean): tf.Tensor3D;
export function matMulFast(a: tf.Tensor, b: tf.Tensor, transposeA?: boolean, transposeB?: boolean): tf.Tensor;
export function matMulFast(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor {
  if ((transposeA || transposeB) && tf.getBackend() === WASM) return productWithExplicitTransposes(a, b, transposeA, transposeB);
  return tf.matMul(a, b, transposeA, transposeB);
}

let explicitTransposeGradient = true;

/**
 * For benchmarks: on wasm, use (true, the default) or bypass (false) the explicit-transpose BatchMatMul
 * gradient. Has no effect on other backends, which always use tfjs' own gradient.
 */
export function setExplicitTransposeMatMulGradient(enabled: boolean): void {
  explicitTransposeGradient = enabled;
}

/**
 * tfjs' BatchMatMul gradient (tfjs-core gradients/BatchMatMul_grad), case by case, with each transposed
 * operand of the products replaced by an explicit transpose:
 *   (tA, tB) = (F, F): dA = dy·Bᵀ,   dB = Aᵀ·dy
 *   (tA, tB) = (F, T): dA = dy·B,    dB = dyᵀ·A
 *   (tA, tB) = (T, F): dA = B·dyᵀ,   dB = A·dy
 *   (tA, tB) = (T, T): dA = Bᵀ·dyᵀ,  dB = dyᵀ·Aᵀ
 * Like tfjs' own, it does not reduce over broadcast batch dimensions.
 */
function explicitTransposeBatchMatMulGrad(dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): Record<'a' | 'b', () => tf.Tensor> {
  const product = productWithExplicitTransposes;
  if (!transposeA && !transposeB) return { a: () => product(dy, b, false, true), b: () => product(a, dy, true, false) };
  if (!transposeA && transposeB) return { a: () => product(dy, b, false, false), b: () => product(dy, a, true, false) };
  if (transposeA && !transposeB) return { a: () => product(b, dy, false, true), b: () => product(a, dy, false, false) };
  return { a: () => product(b, dy, true, true), b: () => product(dy, a, true, true) };
}

/** Marks our gradient config so re-registration (a second module instance, a second call) is detected. */
const OVERRIDE_MARK = 'deceExplicitTransposeMatMulGrad';

function installBatchMatMulGradient(): void {
  const current = tf.getGradient(tf.BatchMatMul) as (tf.GradConfig & { [OVERRIDE_MARK]?: true }) | undefined;
  if (current === undefined) throw new Error(`No gradient registered for ${tf.BatchMatMul}: import '@tensorflow/tfjs' (it registers all gradients).`);
  if (current[OVERRIDE_MARK] === true) return;
  const original = current;
  const config: tf.GradConfig & { [OVERRIDE_MARK]: true } = {
    kernelName: tf.BatchMatMul,
    inputsToSave: ['a', 'b'],
    [OVERRIDE_MARK]: true,
    gradFunc: (dy, saved, attrs) => {
      if (!explicitTransposeGradient || tf.getBackend() !== WASM) return original.gradFunc(dy, saved, attrs);
      const [a, b] = saved;
      if (Array.isArray(dy) || a === undefined || b === undefined) throw new Error(`${tf.BatchMatMul} gradient: expected one dy and saved inputs a, b`);
      return explicitTransposeBatchMatMulGrad(dy, a, b, attrs.transposeA === true, attrs.transposeB === true);
    },
  };
  // registerGradient replaces the entry (it only logs under the DEBUG flag): the registry is a Map.
  tf.registerGradient(config);
  if (tf.getGradient(tf.BatchMatMul) !== config) throw new Error(`Failed to override the ${tf.BatchMatMul} gradient`);
}

let registered = false;

/**
 * Registers the JS kernels the wasm backend lacks for training and the wasm-aware BatchMatMul gradient.
 * Idempotent; safe to call before or after the wasm backend is initialised (kernels without setup
 * functions are looked up per call).
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  for (const { kernelName, kernelFunc } of MISSING_WASM_KERNELS) {
    if ((tf.getKernel(kernelName, WASM) as tf.KernelConfig | undefined) === undefined) tf.registerKernel({ kernelName, backendName: WASM, kernelFunc });
  }
  installBatchMatMulGradient();
  registered = true;
}
