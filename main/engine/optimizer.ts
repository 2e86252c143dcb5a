import * as tf from '@tensorflow/tfjs';

/**
 * AdamW (Loshchilov & Hutter): Adam on the gradient, weight decay applied to the weights directly.
 * Written out rather than taken from tf.train because tfjs' Adam has no decoupled weight decay,
 * and because its moments must go into our checkpoints.
 */
export interface AdamWOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
}

export interface AdamWState {
  step: number;
  /** First and second moments, in the order of the variables. */
  moments: { m: Float32Array; v: Float32Array }[];
}

/** A variable shares its initial tensor's data: dispose the initial tensor, or it outlives the optimizer. */
function zeroSlot(variable: tf.Variable): tf.Variable {
  const zeros = tf.zerosLike(variable);
  const slot = tf.variable(zeros, false);
  zeros.dispose();
  return slot;
}

export class AdamW {
  private step = 0;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(
    private readonly variables: readonly tf.Variable[],
    private readonly options: AdamWOptions,
  ) {
    this.m = variables.map(zeroSlot);
    this.v = variables.map(zeroSlot);
  }

  get stepCount(): number {
    return this.step;
  }

  /** Applies one update with the given gradients (same order as the variables) and learning rate. */
  apply(gradients: readonly tf.Tensor[], learningRate: number): void {
    this.step++;
    const { beta1, beta2, epsilon, weightDecay } = this.options;
    const correction1 = 1 - Math.pow(beta1, this.step);
    const correction2 = 1 - Math.pow(beta2, this.step);
    tf.tidy(() => {
      this.variables.forEach((variable, i) => {
        const g = gradients[i];
        const m = this.m[i];
        const v = this.v[i];
        if (!g || !m || !v) throw new Error('AdamW: gradient list does not match the variables');
        const newM = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const newV = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        m.assign(newM);
        v.assign(newV);
        const update = tf.div(tf.mul(newM, 1 / correction1), tf.add(tf.sqrt(tf.mul(newV, 1 / correction2)), epsilon));
        // Decay only matrices: biases, norms' gains and offsets stay undecayed, as usual.
        const decay = variable.rank >= 2 && weightDecay > 0 ? tf.mul(variable, weightDecay) : null;
        const step = decay ? tf.add(update, decay) : update;
        variable.assign(tf.sub(variable, tf.mul(step, learningRate)));
      });
    });
  }

  getState(): AdamWState {
    return {
      step: this.step,
      moments: this.m.map((m, i) => ({ m: m.dataSync() as Float32Array, v: (this.v[i] as tf.Variable).dataSync() as Float32Array })),
    };
  }

  setState(state: AdamWState): void {
    if (state.moments.length !== this.m.length) throw new Error('AdamW: checkpoint has a different number of variables');
    this.step = state.step;
    state.moments.forEach((moment, i) => {
      const m = this.m[i] as tf.Variable;
      const v = this.v[i] as tf.Variable;
      tf.tidy(() => {
        m.assign(tf.tensor(moment.m, m.shape));
        v.assign(tf.tensor(moment.v, v.shape));
      });
    });
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}

/** Scales gradients so their global L2 norm is at most `maxNorm`; returns the norm before clipping. */
export function clipByGlobalNorm(gradients: tf.Tensor[], maxNorm: number): { clipped: tf.Tensor[]; norm: number } {
  const normTensor = tf.tidy(() => tf.sqrt(tf.addN(gradients.map((g) => tf.sum(tf.square(g))))));
  const norm = normTensor.dataSync()[0] ?? Number.NaN;
  normTensor.dispose();
  if (!(norm > maxNorm)) return { clipped: gradients, norm };
  const scale = maxNorm / norm;
  const clipped = gradients.map((g) => tf.mul(g, scale));
  for (const g of gradients) g.dispose();
  return { clipped, norm };
}

/** Linear warm-up to the peak, then linear decay to zero at the last step. */
export function learningRateAt(step: number, totalSteps: number, peak: number, warmupFraction: number): number {
  const warmup = Math.max(1, Math.round(totalSteps * warmupFraction));
  if (step < warmup) return (peak * (step + 1)) / warmup;
  const remaining = Math.max(1, totalSteps - warmup);
  return peak * Math.max(0, 1 - (step - warmup) / remaining);
}
