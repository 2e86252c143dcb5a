import * as tf from '@tensorflow/tfjs';
import type { LossConfig, LossKind } from '../../common/run-config';

/**
 * Token-level classification losses: logits [N, V], targets [N], an ignore id and the epoch.
 *
 * Every loss here is a function of the softmax p of each row, so each is one fused op: the backend
 * computes the softmax (fast on every backend), and one pass over p in float64 gives both the loss
 * and its exact gradient with respect to the logits. That keeps DeCE as cheap as CE — no dense
 * [N, V] smoothed targets, no chain of elementwise kernels for autodiff to walk back through.
 */

/** Probabilities are clamped to [PROB_FLOOR, 1] before mixing, as in the DeCE reference; clamped entries get no gradient. */
export const PROB_FLOOR = 1e-7;

export interface TokenLoss {
  readonly kind: LossKind;
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

function fusedLoss(spec: FusedLossSpec, ignoreId: number | null): TokenLoss {
  const forward = (logits: tf.Tensor2D, targets: Int32Array, epoch: number, withGrad: boolean) => {
    const [rows, vocab] = logits.shape;
    if (targets.length !== rows) throw new Error(`loss: ${targets.length} targets for ${rows} rows of logits`);
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
      if (t < 0 || t >= vocab) throw new Error(`loss: target ${t} outside the vocabulary [0, ${vocab})`);
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

/** Builds the loss a run config names. `ignoreId` is usually the padding id (or null when no row is ignored). */
export function createLoss(config: LossConfig, ignoreId: number | null): TokenLoss {
  switch (config.kind) {
    case 'ce':
      return fusedLoss({ kind: 'ce', meanOverAllRows: false, row: () => crossEntropyRow }, ignoreId);
    case 'dece':
      return fusedLoss(
        {
          kind: 'dece',
          meanOverAllRows: true,
          row: (epoch, vocab) => deceRow(deceAlpha(config.alphaBase, epoch), config.labelSmoothing, vocab),
        },
        ignoreId,
      );
    case 'ls':
      return fusedLoss(
        { kind: 'ls', meanOverAllRows: false, row: (_epoch, vocab) => deceRow(1, config.labelSmoothing, vocab) },
        ignoreId,
      );
    case 'gce':
      return fusedLoss({ kind: 'gce', meanOverAllRows: false, row: () => gceRow(config.gceQ) }, ignoreId);
    case 'intrust':
      return fusedLoss(
        {
          kind: 'intrust',
          meanOverAllRows: false,
          row: () => intrustRow(config.intrustA, config.intrustB, config.intrustDelta),
        },
        ignoreId,
      );
  }
}

export const DEFAULT_LOSS_PARAMETERS: Omit<LossConfig, 'kind'> = {
  labelSmoothing: 0.05,
  alphaBase: 0.985,
  gceQ: 0.7,
  intrustA: 1,
  intrustB: 0.8,
  intrustDelta: 0.5,
};
