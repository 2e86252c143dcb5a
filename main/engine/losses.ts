import * as tf from '@tensorflow/tfjs';
import { REFERENCE_LOSS_PARAMETERS } from '../../common/catalog';
import type { LossConfig, LossKind } from '../../common/run-config';

/**
 * Token-level classification losses: logits [N, V], targets [N], an ignore id and the epoch.
 *
 * Each loss has two implementations that agree to float32 precision:
 *
 * - `fused`: every loss is a function of the softmax p of each row, so the backend computes the
 *   softmax and one pass over p in float64, in JavaScript, gives both the loss and its exact gradient
 *   with respect to the logits — no dense [N, V] smoothed targets, no chain of elementwise kernels for
 *   autodiff to walk back through. The [N, V] softmax is copied to JavaScript every step: free on wasm
 *   and cpu, whose tensors already live in JavaScript memory, and the fastest choice there (`npm run bench`).
 * - `tensor`: the same formulas as tensor ops, differentiated by tfjs' autodiff; nothing of size [N, V]
 *   leaves the device. For native TensorFlow (CPU or GPU), where a device→host copy of the softmax and a
 *   single-threaded loop per step would leave the device waiting.
 *
 * `lossImplementationFor` picks one per backend; `createLoss` uses the active backend's choice by default.
 */

/** Probabilities are clamped to [PROB_FLOOR, 1] before mixing, as in the DeCE reference; clamped entries get no gradient. */
export const PROB_FLOOR = 1e-7;

export type LossImplementation = 'fused' | 'tensor';

/** Forces one implementation on every backend (comparisons, diagnosis); unset, each backend gets its fastest. */
export const LOSS_IMPLEMENTATION_ENV = 'DECE_LOSS_IMPLEMENTATION';

/**
 * Which implementation runs on a tf backend: fused where tensors already live in JavaScript memory (wasm,
 * cpu — measured fastest there), tensor ops elsewhere (native TensorFlow, GPU), unless the environment forces one.
 */
export function lossImplementationFor(tfBackend: string, env: NodeJS.ProcessEnv = process.env): LossImplementation {
  const forced = env[LOSS_IMPLEMENTATION_ENV];
  if (forced === 'fused' || forced === 'tensor') return forced;
  if (forced !== undefined && forced !== '') throw new Error(`${LOSS_IMPLEMENTATION_ENV} must be 'fused' or 'tensor', got '${forced}'`);
  return tfBackend === 'wasm' || tfBackend === 'cpu' ? 'fused' : 'tensor';
}

/** One line for a backend report. */
export function describeLossImplementation(implementation: LossImplementation): string {
  return implementation === 'fused'
    ? 'fused pass in JavaScript (the softmax is read back once per step; fastest where tensors live in JavaScript memory)'
    : 'tensor ops on the device (no per-step copy of the [rows, vocabulary] softmax to JavaScript)';
}

export interface TokenLoss {
  readonly kind: LossKind;
  readonly implementation: LossImplementation;
  /**
   * Mean loss over the rows (see each loss for how ignored rows count), differentiable with respect to `logits`.
   * `epoch` is counted from 1.
   */
  apply(logits: tf.Tensor2D, targets: Int32Array, epoch: number, onRowLosses?: (rows: Float64Array) => void): tf.Scalar;
  /** Per-row losses without a gradient (evaluation, per-sample analysis). Ignored rows are NaN. */
  rowLosses(logits: tf.Tensor2D, targets: Int32Array, epoch: number): Float64Array;
}

/**
 * One row's loss and, when `grad` is given, d(loss)/d(logits) written to grad[offset .. offset+V).
 * `p` holds softmax probabilities; `t` is the target class.
 */
type RowLoss = (p: Float32Array, offset: number, vocab: number, t: number, grad: Float32Array | null) => number;

interface FusedLossSpec {
  kind: LossKind;
  /** Built once per call, from the epoch (DeCE's α depends on it) and the vocabulary size. */
  row(epoch: number, vocab: number): RowLoss;
  /** true: divide by all rows like the DeCE reference; false: by the non-ignored rows like PyTorch's CE. */
  meanOverAllRows: boolean;
}

function checkTargetCount(targets: Int32Array, rows: number): void {
  if (targets.length !== rows) throw new Error(`loss: ${targets.length} targets for ${rows} rows of logits`);
}

function checkTarget(t: number, vocab: number): void {
  if (t < 0 || t >= vocab) throw new Error(`loss: target ${t} outside the vocabulary [0, ${vocab})`);
}

function fusedLoss(spec: FusedLossSpec, ignoreId: number | null): TokenLoss {
  const forward = (logits: tf.Tensor2D, targets: Int32Array, epoch: number, withGrad: boolean) => {
    const [rows, vocab] = logits.shape;
    checkTargetCount(targets, rows);
    const probs = tf.tidy(() => tf.softmax(logits));
    const p = probs.dataSync() as Float32Array;
    probs.dispose();
    const row = spec.row(epoch, vocab);
    const grad = withGrad ? new Float32Array(rows * vocab) : null;
    const perRow = new Float64Array(rows);
    let sum = 0;
    let counted = 0;
    for (let i = 0; i < rows; i++) {
      const t = targets[i] ?? -1;
      if (ignoreId !== null && t === ignoreId) {
        perRow[i] = Number.NaN;
        continue;
      }
      checkTarget(t, vocab);
      const value = row(p, i * vocab, vocab, t, grad);
      perRow[i] = value;
      sum += value;
      counted++;
    }
    const denominator = spec.meanOverAllRows ? rows : counted;
    return { perRow, mean: denominator === 0 ? 0 : sum / denominator, grad, denominator, rows, vocab };
  };

  return {
    kind: spec.kind,
    implementation: 'fused',
    apply(logits, targets, epoch, onRowLosses) {
      const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
        const x = args[0] as tf.Tensor2D;
        const save = args[1] as tf.GradSaveFunc;
        const result = forward(x, targets, epoch, true);
        onRowLosses?.(result.perRow);
        const scale = result.denominator === 0 ? 0 : 1 / result.denominator;
        const grad = result.grad ?? new Float32Array(0);
        for (let k = 0; k < grad.length; k++) grad[k] = (grad[k] ?? 0) * scale;
        save([tf.tensor2d(grad, [result.rows, result.vocab])]);
        return {
          value: tf.scalar(result.mean),
          gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
            const [dLogits] = saved;
            if (!dLogits) throw new Error('loss: saved gradient missing');
            return tf.mul(dLogits, dy);
          },
        };
      });
      return op(logits);
    },
    rowLosses(logits, targets, epoch) {
      return forward(logits, targets, epoch, false).perRow;
    },
  };
}

/** Plain cross-entropy: −log p_t. dz = p − onehot(t). */
const crossEntropyRow: RowLoss = (p, offset, vocab, t, grad) => {
  const pt = Math.max(p[offset + t] ?? 0, Number.MIN_VALUE);
  if (grad) {
    for (let k = 0; k < vocab; k++) grad[offset + k] = p[offset + k] ?? 0;
    grad[offset + t] = pt - 1;
  }
  return -Math.log(pt);
};

/**
 * Σ_k log(a·clamp(p_k) + c) over a row, with one Math.log per run of factors instead of one per entry:
 * products of factors ≥ 1e-30 stay far inside float64's range until we flush them at 1e-150.
 */
function sumLogAffine(p: Float32Array, offset: number, vocab: number, a: number, c: number): number {
  let total = 0;
  let product = 1;
  for (let k = 0; k < vocab; k++) {
    const pk = Math.min(Math.max(p[offset + k] ?? 0, PROB_FLOOR), 1);
    product *= a * pk + c;
    if (product < 1e-150) {
      total += Math.log(product);
      product = 1;
    }
  }
  return total + Math.log(product);
}

/**
 * DeCE (Yang et al., 2024): y' = label-smoothed one-hot, p' = α·clamp(p) + (1−α)·y', loss = −Σ y'·log p'.
 * With e = ε/(V−1): loss = −[(1−ε)·log p'_t + e·Σ_{k≠t} log p'_k], and since p'_k = α·p_k + (1−α)·e for k ≠ t,
 * d loss / d p_k = −α·y'_k / p'_k, chained through the softmax: dz_j = p_j·(g_j − Σ_k p_k g_k).
 * With α = 1 this is label-smoothed CE (with the clamp), which is how `ls` is defined below.
 */
function deceRow(alpha: number, smoothing: number, vocab: number): RowLoss {
  const wrong = vocab > 1 ? smoothing / (vocab - 1) : 0;
  const right = 1 - smoothing;
  const mixWrong = (1 - alpha) * wrong;
  const mixRight = (1 - alpha) * right;
  return (p, offset, v, t, grad) => {
    const ptRaw = p[offset + t] ?? 0;
    const pt = Math.min(Math.max(ptRaw, PROB_FLOOR), 1);
    const qtAsWrong = alpha * pt + mixWrong;
    const qt = alpha * pt + mixRight;
    let loss = -right * Math.log(qt);
    if (wrong > 0) loss -= wrong * (sumLogAffine(p, offset, v, alpha, mixWrong) - Math.log(qtAsWrong));
    if (grad) {
      let dot = 0;
      for (let k = 0; k < v; k++) {
        const pk = p[offset + k] ?? 0;
        // Clamped entries (p < floor) are constants for the loss: zero gradient, as in the reference.
        const g = pk >= PROB_FLOOR ? (k === t ? -alpha * right / qt : -alpha * wrong / (alpha * pk + mixWrong)) : 0;
        grad[offset + k] = g;
        dot += pk * g;
      }
      for (let k = 0; k < v; k++) {
        const pk = p[offset + k] ?? 0;
        grad[offset + k] = pk * ((grad[offset + k] ?? 0) - dot);
      }
    }
    return loss;
  };
}

/** Generalized cross-entropy (Zhang & Sabuncu, 2018): (1 − p_t^q)/q; dz_j = −p_t^q·(δ_jt − p_j). */
function gceRow(q: number): RowLoss {
  return (p, offset, vocab, t, grad) => {
    const pt = Math.max(p[offset + t] ?? 0, Number.MIN_VALUE);
    const ptq = Math.pow(pt, q);
    if (grad) {
      for (let k = 0; k < vocab; k++) grad[offset + k] = ptq * (p[offset + k] ?? 0);
      grad[offset + t] = ptq * (pt - 1);
    }
    return (1 - ptq) / q;
  };
}

/**
 * In-trust loss (Huang et al., 2021): a·CE + b·DCE, DCE = −Σ_k p_k·log(δ·p_k + (1−δ)·y_k) with one-hot y
 * and p clamped to [floor, 1]. d DCE / d p_k = −log m_k − δ·p_k/m_k with m_k = δ·p_k + (1−δ)·y_k.
 */
function intrustRow(a: number, b: number, delta: number): RowLoss {
  return (p, offset, vocab, t, grad) => {
    let dce = 0;
    let dot = 0;
    for (let k = 0; k < vocab; k++) {
      const raw = p[offset + k] ?? 0;
      const pk = Math.min(Math.max(raw, PROB_FLOOR), 1);
      const m = delta * pk + (k === t ? 1 - delta : 0);
      const logM = Math.log(m);
      dce -= pk * logM;
      if (grad) {
        const g = raw >= PROB_FLOOR ? b * (-logM - (delta * pk) / m) : 0;
        grad[offset + k] = g;
        dot += raw * g;
      }
    }
    const pt = Math.max(p[offset + t] ?? 0, Number.MIN_VALUE);
    if (grad) {
      for (let k = 0; k < vocab; k++) {
        const pk = p[offset + k] ?? 0;
        // DCE through the softmax, plus a·CE's (p − onehot).
        grad[offset + k] = pk * ((grad[offset + k] ?? 0) - dot) + a * (k === t ? pk - 1 : pk);
      }
    }
    return a * -Math.log(pt) + b * dce;
  };
}

/** DeCE's α for a (1-based) epoch. */
export function deceAlpha(alphaBase: number, epoch: number): number {
  if (!Number.isInteger(epoch) || epoch < 1) throw new Error(`DeCE epoch must be an integer ≥ 1, got ${epoch}`);
  return Math.pow(alphaBase, epoch);
}

/**
 * The tensor-op form of one loss: per-row losses [N] from the rows' log-softmax, softmax and one-hot
 * targets (all [N, V], on the device). Autodiff supplies the gradient; `tf.clipByValue` passes none to
 * clamped entries, as the reference does.
 */
type RowLossOps = (logProbs: tf.Tensor2D, probs: tf.Tensor2D, oneHot: tf.Tensor2D) => tf.Tensor1D;

interface TensorLossSpec {
  kind: LossKind;
  row(epoch: number, vocab: number): RowLossOps;
  meanOverAllRows: boolean;
}

function tensorLoss(spec: TensorLossSpec, ignoreId: number | null): TokenLoss {
  /** Ignored rows get target 0 (any valid class) and weight 0; only [N] numbers cross to the device. */
  const forward = (logits: tf.Tensor2D, targets: Int32Array, epoch: number) => {
    const [rows, vocab] = logits.shape;
    checkTargetCount(targets, rows);
    const classes = new Int32Array(rows);
    const weights = new Float32Array(rows);
    let counted = 0;
    for (let i = 0; i < rows; i++) {
      const t = targets[i] ?? -1;
      if (ignoreId !== null && t === ignoreId) continue;
      checkTarget(t, vocab);
      classes[i] = t;
      weights[i] = 1;
      counted++;
    }
    const logProbs = tf.logSoftmax(logits);
    const oneHot = tf.cast(tf.oneHot(tf.tensor1d(classes, 'int32'), vocab), 'float32') as tf.Tensor2D;
    const perRow = tf.mul<tf.Tensor1D>(spec.row(epoch, vocab)(logProbs, tf.exp(logProbs), oneHot), tf.tensor1d(weights));
    return { perRow, weights, denominator: spec.meanOverAllRows ? rows : counted };
  };
  /** The [N] per-row values, ignored rows NaN (as the fused pass reports them). */
  const readRows = (perRow: tf.Tensor1D, weights: Float32Array): Float64Array => {
    const values = Float64Array.from(perRow.dataSync());
    for (let i = 0; i < values.length; i++) if (weights[i] === 0) values[i] = Number.NaN;
    return values;
  };
  return {
    kind: spec.kind,
    implementation: 'tensor',
    apply(logits, targets, epoch, onRowLosses) {
      return tf.tidy(() => {
        const { perRow, weights, denominator } = forward(logits, targets, epoch);
        if (onRowLosses) onRowLosses(readRows(perRow, weights));
        return denominator === 0 ? tf.mul(tf.sum(perRow), 0) : tf.div(tf.sum(perRow), denominator);
      });
    },
    rowLosses(logits, targets, epoch) {
      const { perRow, weights } = tf.tidy(() => forward(logits, targets, epoch));
      try {
        return readRows(perRow, weights);
      } finally {
        perRow.dispose();
      }
    },
  };
}

/** Σ_k of a [N, V] tensor's rows. */
const sumRows = (x: tf.Tensor2D): tf.Tensor1D => tf.sum(x, 1);

/** −log p_t. */
const crossEntropyOps: RowLossOps = (logProbs, _probs, oneHot) => tf.neg(sumRows(tf.mul(oneHot, logProbs)));

/** DeCE, as in `deceRow`: −Σ_k y'_k·log(α·clamp(p_k) + (1−α)·y'_k), with y' the label-smoothed one-hot. */
function deceOps(alpha: number, smoothing: number, vocab: number): RowLossOps {
  const wrong = vocab > 1 ? smoothing / (vocab - 1) : 0;
  const right = 1 - smoothing;
  return (_logProbs, probs, oneHot) => {
    const smoothed = tf.add(tf.mul(oneHot, right - wrong), wrong);
    const mixed = tf.add(tf.mul(tf.clipByValue(probs, PROB_FLOOR, 1), alpha), tf.mul(smoothed, 1 - alpha));
    return tf.neg(sumRows(tf.mul(smoothed, tf.log(mixed))));
  };
}

/** GCE, as in `gceRow`: (1 − p_t^q)/q, with p_t^q = exp(q·log p_t). */
function gceOps(q: number): RowLossOps {
  return (logProbs, _probs, oneHot) => tf.div<tf.Tensor1D>(tf.sub(1, tf.exp(tf.mul(sumRows(tf.mul(oneHot, logProbs)), q))), q);
}

/** In-trust loss, as in `intrustRow`: a·CE − b·Σ_k clamp(p_k)·log(δ·clamp(p_k) + (1−δ)·y_k). */
function intrustOps(a: number, b: number, delta: number): RowLossOps {
  return (logProbs, probs, oneHot) => {
    const clamped = tf.clipByValue(probs, PROB_FLOOR, 1);
    const dce = tf.neg(sumRows(tf.mul(clamped, tf.log(tf.add(tf.mul(clamped, delta), tf.mul(oneHot, 1 - delta))))));
    return tf.add(tf.mul(crossEntropyOps(logProbs, probs, oneHot), a), tf.mul(dce, b));
  };
}

/** Both implementations of one loss, and how its mean counts ignored rows. */
interface LossDefinition {
  kind: LossKind;
  meanOverAllRows: boolean;
  fused: (epoch: number, vocab: number) => RowLoss;
  tensor: (epoch: number, vocab: number) => RowLossOps;
}

function defineLoss(config: LossConfig): LossDefinition {
  switch (config.kind) {
    case 'ce':
      return { kind: 'ce', meanOverAllRows: false, fused: () => crossEntropyRow, tensor: () => crossEntropyOps };
    case 'dece': {
      const alpha = (epoch: number) => deceAlpha(config.alphaBase, epoch);
      return {
        kind: 'dece',
        meanOverAllRows: true,
        fused: (epoch, vocab) => deceRow(alpha(epoch), config.labelSmoothing, vocab),
        tensor: (epoch, vocab) => deceOps(alpha(epoch), config.labelSmoothing, vocab),
      };
    }
    case 'ls':
      return {
        kind: 'ls',
        meanOverAllRows: false,
        fused: (_epoch, vocab) => deceRow(1, config.labelSmoothing, vocab),
        tensor: (_epoch, vocab) => deceOps(1, config.labelSmoothing, vocab),
      };
    case 'gce':
      return { kind: 'gce', meanOverAllRows: false, fused: () => gceRow(config.gceQ), tensor: () => gceOps(config.gceQ) };
    case 'intrust': {
      const { intrustA: a, intrustB: b, intrustDelta: delta } = config;
      return { kind: 'intrust', meanOverAllRows: false, fused: () => intrustRow(a, b, delta), tensor: () => intrustOps(a, b, delta) };
    }
  }
}

/**
 * Builds the loss a run config names. `ignoreId` is usually the padding id (or null when no row is ignored).
 * Without `implementation`, the active tf backend decides (`lossImplementationFor`).
 */
export function createLoss(
  config: LossConfig,
  ignoreId: number | null,
  implementation: LossImplementation = lossImplementationFor(tf.getBackend()),
): TokenLoss {
  const definition = defineLoss(config);
  const { kind, meanOverAllRows } = definition;
  return implementation === 'fused'
    ? fusedLoss({ kind, meanOverAllRows, row: definition.fused }, ignoreId)
    : tensorLoss({ kind, meanOverAllRows, row: definition.tensor }, ignoreId);
}

/** The engine's defaults where no configuration chooses: the catalog's reference parameters. */
export const DEFAULT_LOSS_PARAMETERS: Omit<LossConfig, 'kind'> = REFERENCE_LOSS_PARAMETERS;
