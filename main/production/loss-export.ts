import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { createRng } from '../data/rng';
import { DEFAULT_LOSS_PARAMETERS, PROB_FLOOR, createLoss } from '../engine/losses';

/**
 * DeCE as ready-to-paste code for the frameworks a team trains with.
 *
 * Every snippet uses the same closed form as the app (no dense smoothed target): with e = ε/(V−1),
 * r = 1−ε and p clamped to [1e-7, 1],
 *
 *   −Σ_k y'_k·log p'_k = −[ r·log(α·p_t + (1−α)·r) + e·(Σ_k log(α·p_k + (1−α)·e) − log(α·p_t + (1−α)·e)) ]
 *
 * i.e. every class scored as a wrong one, then the target's term moved from weight e to weight r.
 * Rows whose target is the ignore index contribute 0 but count in the mean, as in the reference.
 *
 * Each snippet embeds a few cases with the loss the app's own DeCE computes for them at export time
 * and checks itself against them (Python: run the file; TensorFlow.js: `selfCheck()` or run the file).
 */

export const LOSS_EXPORT_FRAMEWORKS = ['pytorch', 'keras', 'jax', 'tfjs'] as const;
export type LossExportFramework = (typeof LOSS_EXPORT_FRAMEWORKS)[number];

export interface DeceExportOptions {
  framework: LossExportFramework;
  /** ε in [0, 1). */
  labelSmoothing: number;
  /** In (0, 1]; α = alphaBase^epoch. */
  alphaBase: number;
  /** Target id whose rows are ignored (e.g. the padding id or −100), or null when no row is ignored. */
  ignoreIndex: number | null;
}

export interface ExportedLoss {
  fileName: string;
  code: string;
}

/** One embedded self-check case: the loss the app computed for it. */
export interface SelfCheckCase {
  logits: number[][];
  targets: number[];
  epoch: number;
  expected: number;
}

/** The self-check tolerance written into every snippet (relative). */
export const SELF_CHECK_TOLERANCE = 1e-5;

const OptionsSchema = z.object({
  framework: z.enum(LOSS_EXPORT_FRAMEWORKS),
  labelSmoothing: z.number().min(0).lt(1),
  alphaBase: z.number().gt(0).max(1),
  ignoreIndex: z.int().nullable(),
});

const FILE_NAMES: Record<LossExportFramework, string> = {
  pytorch: 'dece_loss_pytorch.py',
  keras: 'dece_loss_keras.py',
  jax: 'dece_loss_jax.py',
  tfjs: 'dece-loss.mjs',
};

export function exportDeceLoss(options: DeceExportOptions): ExportedLoss {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`DeCE export: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid options'}`);
  }
  const checked = parsed.data;
  const cases = deceSelfCheckCases(checked);
  const parameters: SnippetParameters = { ...checked, cases };
  const code = {
    pytorch: pytorchSnippet,
    keras: kerasSnippet,
    jax: jaxSnippet,
    tfjs: tfjsSnippet,
  }[checked.framework](parameters);
  return { fileName: FILE_NAMES[checked.framework], code };
}

/**
 * Four small seeded cases with the loss the app's DeCE gives them: plain rows, a row with the ignore
 * index (when there is one), a confidently wrong row whose other classes fall under the clamp floor,
 * and a late epoch (small α).
 */
export function deceSelfCheckCases(options: Omit<DeceExportOptions, 'framework'>): SelfCheckCase[] {
  const rng = createRng('dece-export/self-check');
  const { ignoreIndex } = options;
  const uniform = (scale: number) => Math.round((rng.next() * 2 - 1) * scale * 1000) / 1000;
  /** A class id in [0, vocab) that is not the ignore index, so only the rows meant to be ignored are. */
  const target = (vocab: number): number => {
    for (;;) {
      const t = rng.int(vocab);
      if (t !== ignoreIndex) return t;
    }
  };
  const randomCase = (rows: number, vocab: number, epoch: number, scale: number) => ({
    logits: Array.from({ length: rows }, () => Array.from({ length: vocab }, () => uniform(scale))),
    targets: Array.from({ length: rows }, () => target(vocab)),
    epoch,
  });

  const plain = randomCase(3, 5, 1, 2);
  const withIgnored = randomCase(4, 7, 3, 3);
  if (ignoreIndex !== null) withIgnored.targets[1] = ignoreIndex;
  // Row 0: one class far ahead, so every other probability is below the clamp floor; its target is
  // one of those (the confidently wrong row DeCE is built for). Row 1: ordinary.
  const confident = randomCase(2, 6, 10, 1.5);
  const confidentRow = confident.logits[0];
  const confidentTarget = confident.targets[0];
  if (confidentRow && confidentTarget !== undefined) confidentRow[(confidentTarget + 1) % 6] = 19.5;
  const late = randomCase(5, 11, 25, 4);

  const loss = createLoss({ kind: 'dece', ...DEFAULT_LOSS_PARAMETERS, labelSmoothing: options.labelSmoothing, alphaBase: options.alphaBase }, ignoreIndex);
  return [plain, withIgnored, confident, late].map((c) => {
    // The app's loss value, taken in float64 (per-row losses, ignored rows NaN, mean over all rows)
    // before it becomes a float32 scalar; the scalar must agree with it.
    let rowLosses = new Float64Array(0);
    const value = tf.tidy(() =>
      loss.apply(tf.tensor2d(c.logits), Int32Array.from(c.targets), c.epoch, (rows) => {
        rowLosses = rows.slice();
      }),
    );
    const scalar = value.dataSync()[0] ?? Number.NaN;
    value.dispose();
    const expected = rowLosses.reduce((sum, row) => (Number.isNaN(row) ? sum : sum + row), 0) / c.logits.length;
    if (!Number.isFinite(expected) || Math.abs(expected - scalar) > 1e-6 * Math.abs(expected)) {
      throw new Error(`DeCE export: the app's DeCE gave ${scalar} (rows: ${expected}) for a self-check case`);
    }
    return { ...c, expected };
  });
}

interface SnippetParameters {
  labelSmoothing: number;
  alphaBase: number;
  ignoreIndex: number | null;
  cases: SelfCheckCase[];
}

/** A float literal valid in Python and JavaScript that reads back as the same double. */
function floatLiteral(x: number): string {
  const text = String(x);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

function header(p: SnippetParameters, comment: string, framework: string): string {
  const ignore = p.ignoreIndex === null ? 'none' : String(p.ignoreIndex);
  return [
    `DeCE (Deceptive Cross-Entropy, Yang et al. 2024) for ${framework}. Generated by DeCE Pilot.`,
    '',
    `  label_smoothing eps = ${String(p.labelSmoothing)}, alpha_base = ${String(p.alphaBase)}, ignore_index = ${ignore}`,
    '',
    "  y'    = 1 - eps on the target class, eps / (V - 1) on every other class (label smoothing)",
    "  p'    = alpha * clamp(softmax(logits), 1e-7, 1) + (1 - alpha) * y'",
    "  loss  = mean over rows of  -sum_k y'_k * log(p'_k)",
    '  alpha = alpha_base ** epoch, epoch counted from 1 (alpha falls as training goes on)',
    '',
    'Rows whose target is the ignore index contribute 0 but still count in the mean: the DeCE reference',
    'divides by all rows. The sum over k is computed in closed form, without building y\'.',
  ]
    .map((line) => (line === '' ? comment.trimEnd() : `${comment}${line}`))
    .join('\n');
}

/** The cases as a Python literal (JSON numbers and lists are valid Python). */
function pythonCases(cases: readonly SelfCheckCase[]): string {
  const lines = cases.map((c) => {
    const logits = `[${c.logits.map((row) => `[${row.map(String).join(', ')}]`).join(',\n                    ')}]`;
    return `    {\n        "logits": ${logits},\n        "targets": [${c.targets.join(', ')}],\n        "epoch": ${c.epoch},\n        "expected": ${String(c.expected)},\n    },`;
  });
  return `[\n${lines.join('\n')}\n]`;
}

function jsCases(cases: readonly SelfCheckCase[]): string {
  const lines = cases.map((c) => {
    const logits = `[${c.logits.map((row) => `[${row.map(String).join(', ')}]`).join(',\n      ')}]`;
    return `  {\n    logits: ${logits},\n    targets: [${c.targets.join(', ')}],\n    epoch: ${c.epoch},\n    expected: ${String(c.expected)},\n  },`;
  });
  return `[\n${lines.join('\n')}\n]`;
}

function pythonConstants(p: SnippetParameters): string {
  return [
    `LABEL_SMOOTHING = ${floatLiteral(p.labelSmoothing)}`,
    `ALPHA_BASE = ${floatLiteral(p.alphaBase)}`,
    `IGNORE_INDEX = ${p.ignoreIndex === null ? 'None' : String(p.ignoreIndex)}  # rows with this target are ignored (None: none are)`,
    `PROB_FLOOR = ${floatLiteral(PROB_FLOOR)}  # probabilities are clamped to [PROB_FLOOR, 1] before mixing`,
  ].join('\n');
}

/** The self-check shared by the Python snippets; `run_case` maps a case to the snippet's loss as a float. */
function pythonSelfCheck(p: SnippetParameters, runCase: string): string {
  return `# Inputs with the loss DeCE Pilot's own DeCE computed for them when this file was generated.
SELF_CHECK_CASES = ${pythonCases(p.cases)}


def self_check():
    """Compares dece_loss with DeCE Pilot on the cases above; prints one line per case and OK or FAIL."""
    all_ok = True
    for number, case in enumerate(SELF_CHECK_CASES, start=1):
${runCase}
        expected = case["expected"]
        relative_error = abs(got - expected) / abs(expected)
        ok = relative_error <= ${SELF_CHECK_TOLERANCE.toExponential()}
        all_ok = all_ok and ok
        print(f"case {number}: epoch {case['epoch']}, loss {got:.8f}, DeCE Pilot {expected:.8f}, "
              f"relative error {relative_error:.1e} {'OK' if ok else 'FAIL'}")
    print("DeCE self-check: " + ("OK" if all_ok else "FAIL"))
    return all_ok


if __name__ == "__main__":
    sys.exit(0 if self_check() else 1)
`;
}

function pytorchSnippet(p: SnippetParameters): string {
  return `${header(p, '# ', 'PyTorch')}
#
# Run this file once (python ${FILE_NAMES.pytorch}) to check it against DeCE Pilot: it prints OK or FAIL.
import sys

import torch

${pythonConstants(p)}


def dece_alpha(epoch):
    """The mixing weight alpha for an epoch counted from 1."""
    if epoch < 1:
        raise ValueError(f"DeCE: epoch is counted from 1, got {epoch}")
    return ALPHA_BASE ** epoch


def dece_loss(logits, targets, epoch):
    """DeCE loss (a scalar). logits: [N, V] unnormalised scores; targets: [N] class ids; epoch: from 1."""
    alpha = dece_alpha(epoch)
    vocab = logits.size(-1)
    right = 1.0 - LABEL_SMOOTHING  # y' on the target class
    wrong = LABEL_SMOOTHING / (vocab - 1) if vocab > 1 else 0.0  # y' on each other class
    if IGNORE_INDEX is None:
        keep = torch.ones_like(targets, dtype=torch.bool)
    else:
        keep = targets != IGNORE_INDEX
    safe_targets = torch.where(keep, targets, torch.zeros_like(targets))  # any valid id: the row is zeroed below
    probs = torch.softmax(logits, dim=-1).clamp(PROB_FLOOR, 1.0)
    p_target = probs.gather(-1, safe_targets.unsqueeze(-1)).squeeze(-1)
    # Every class scored as a wrong one, then the target's term moved from weight \`wrong\` to \`right\`.
    log_all_as_wrong = torch.log(alpha * probs + (1.0 - alpha) * wrong).sum(dim=-1)
    log_target = torch.log(alpha * p_target + (1.0 - alpha) * right)
    log_target_as_wrong = torch.log(alpha * p_target + (1.0 - alpha) * wrong)
    rows = -(right * log_target + wrong * (log_all_as_wrong - log_target_as_wrong))
    rows = torch.where(keep, rows, torch.zeros_like(rows))
    return rows.sum() / max(rows.numel(), 1)  # ignored rows count in the mean


def dece_loss_causal_lm(logits, labels, epoch):
    """Decoder-only models: logits [B, T, V], labels [B, T]; position t predicts token t + 1."""
    shifted_logits = logits[:, :-1, :].reshape(-1, logits.size(-1))
    shifted_labels = labels[:, 1:].reshape(-1)
    return dece_loss(shifted_logits, shifted_labels, epoch)


# How to call it: alpha depends on the epoch, so pass the epoch (counted from 1) with every batch.
#
#     for epoch in range(1, num_epochs + 1):
#         for batch in train_loader:
#             logits = model(**batch_inputs).logits  # [B, T, V], no softmax
#             # Encoder-decoder: labels are already aligned with the decoder's logits.
#             loss = dece_loss(logits.reshape(-1, logits.size(-1)), labels.reshape(-1), epoch)
#             # Decoder-only: shift logits and labels by one.
#             # loss = dece_loss_causal_lm(logits, labels, epoch)
#             loss.backward()
#             optimizer.step()
#             optimizer.zero_grad()
#
# Hugging Face Trainer (compute_loss): its state.epoch is fractional and counted from 0, so use
#     epoch = int(self.state.epoch or 0) + 1


${pythonSelfCheck(
  p,
  `        logits = torch.tensor(case["logits"], dtype=torch.float64)
        targets = torch.tensor(case["targets"], dtype=torch.long)
        got = float(dece_loss(logits, targets, case["epoch"]))`,
)}`;
}

function kerasSnippet(p: SnippetParameters): string {
  return `${header(p, '# ', 'TensorFlow / Keras')}
#
# Run this file once (python ${FILE_NAMES.keras}) to check it against DeCE Pilot: it prints OK or FAIL.
import sys

import tensorflow as tf

${pythonConstants(p)}


def dece_alpha(epoch):
    """The mixing weight alpha for an epoch counted from 1."""
    if epoch < 1:
        raise ValueError(f"DeCE: epoch is counted from 1, got {epoch}")
    return ALPHA_BASE ** epoch


def dece_loss_rows(logits, targets, alpha):
    """Per-row DeCE losses [N], 0 for ignored rows. logits: [N, V] unnormalised scores; targets: [N] ids."""
    logits = tf.convert_to_tensor(logits)
    dtype = logits.dtype
    alpha = tf.cast(alpha, dtype)
    targets = tf.cast(targets, tf.int32)
    vocab = tf.cast(tf.shape(logits)[-1], dtype)
    right = 1.0 - LABEL_SMOOTHING  # y' on the target class
    wrong = LABEL_SMOOTHING / tf.maximum(vocab - 1.0, 1.0)  # y' on each other class
    if IGNORE_INDEX is None:
        keep = tf.ones_like(targets, dtype=tf.bool)
    else:
        keep = tf.not_equal(targets, IGNORE_INDEX)
    safe_targets = tf.where(keep, targets, tf.zeros_like(targets))  # any valid id: the row is zeroed below
    probs = tf.clip_by_value(tf.nn.softmax(logits, axis=-1), PROB_FLOOR, 1.0)
    p_target = tf.gather(probs, safe_targets, axis=1, batch_dims=1)
    # Every class scored as a wrong one, then the target's term moved from weight \`wrong\` to \`right\`.
    log_all_as_wrong = tf.reduce_sum(tf.math.log(alpha * probs + (1.0 - alpha) * wrong), axis=-1)
    log_target = tf.math.log(alpha * p_target + (1.0 - alpha) * right)
    log_target_as_wrong = tf.math.log(alpha * p_target + (1.0 - alpha) * wrong)
    rows = -(right * log_target + wrong * (log_all_as_wrong - log_target_as_wrong))
    return tf.where(keep, rows, tf.zeros_like(rows))


def dece_loss(logits, targets, epoch):
    """DeCE loss (a scalar). logits: [N, V]; targets: [N]; epoch counted from 1."""
    rows = dece_loss_rows(logits, targets, dece_alpha(epoch))
    count = tf.cast(tf.maximum(tf.size(rows), 1), rows.dtype)
    return tf.reduce_sum(rows) / count  # ignored rows count in the mean


def dece_loss_causal_lm(logits, labels, epoch):
    """Decoder-only models: logits [B, T, V], labels [B, T]; position t predicts token t + 1."""
    vocab = tf.shape(logits)[-1]
    return dece_loss(tf.reshape(logits[:, :-1, :], [-1, vocab]), tf.reshape(labels[:, 1:], [-1]), epoch)


class DeceLoss(tf.keras.losses.Loss):
    """For model.compile(loss=...): y_pred are logits [..., V] (no softmax), y_true ids [...].

    Returns per-token losses; Keras averages them over all tokens, ignored ones included, as the
    reference does. Keep alpha in step with training with the DeceEpoch callback below.
    """

    def __init__(self, name="dece_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        self.epoch = tf.Variable(1.0, trainable=False, dtype=tf.float32, name="dece_epoch")

    def call(self, y_true, y_pred):
        vocab = tf.shape(y_pred)[-1]
        alpha = tf.pow(tf.constant(ALPHA_BASE, tf.float32), self.epoch)
        rows = dece_loss_rows(tf.reshape(y_pred, [-1, vocab]), tf.reshape(y_true, [-1]), alpha)
        return tf.reshape(rows, tf.shape(y_true))


class DeceEpoch(tf.keras.callbacks.Callback):
    """Sets DeceLoss's epoch before each epoch: Keras counts epochs from 0, DeCE from 1."""

    def __init__(self, dece):
        super().__init__()
        self.dece = dece

    def on_epoch_begin(self, epoch, logs=None):
        self.dece.epoch.assign(float(epoch + 1))


# How to call it: alpha depends on the epoch.
#
#     dece = DeceLoss()
#     model.compile(optimizer="adam", loss=dece)  # the model outputs logits [B, T, V]
#     model.fit(x, y, epochs=num_epochs, callbacks=[DeceEpoch(dece)])
#     # Decoder-only: shift inputs and labels by one when building the data: x = ids[:, :-1], y = ids[:, 1:]
#
# In a custom training loop, pass the epoch (counted from 1) with every batch:
#
#     for epoch in range(1, num_epochs + 1):
#         for inputs, labels in dataset:
#             with tf.GradientTape() as tape:
#                 logits = model(inputs, training=True)
#                 loss = dece_loss(tf.reshape(logits, [-1, logits.shape[-1]]), tf.reshape(labels, [-1]), epoch)
#                 # Decoder-only: loss = dece_loss_causal_lm(logits, labels, epoch)
#             grads = tape.gradient(loss, model.trainable_variables)
#             optimizer.apply_gradients(zip(grads, model.trainable_variables))


${pythonSelfCheck(
  p,
  `        logits = tf.constant(case["logits"], dtype=tf.float64)
        targets = tf.constant(case["targets"], dtype=tf.int32)
        got = float(dece_loss(logits, targets, case["epoch"]))`,
)}`;
}

function jaxSnippet(p: SnippetParameters): string {
  return `${header(p, '# ', 'JAX')}
#
# Run this file once (python ${FILE_NAMES.jax}) to check it against DeCE Pilot: it prints OK or FAIL.
import sys

import jax
import jax.numpy as jnp

${pythonConstants(p)}


def dece_loss(logits, targets, epoch):
    """DeCE loss (a scalar). logits: [N, V] unnormalised scores; targets: [N] class ids; epoch: from 1.

    Works under jax.jit with epoch as a traced argument (no recompilation per epoch).
    """
    alpha = ALPHA_BASE ** jnp.asarray(epoch, dtype=logits.dtype)
    vocab = logits.shape[-1]
    right = 1.0 - LABEL_SMOOTHING  # y' on the target class
    wrong = LABEL_SMOOTHING / (vocab - 1) if vocab > 1 else 0.0  # y' on each other class
    if IGNORE_INDEX is None:
        keep = jnp.ones(targets.shape, dtype=bool)
    else:
        keep = targets != IGNORE_INDEX
    safe_targets = jnp.where(keep, targets, 0)  # any valid id: the row is zeroed below
    probs = jnp.clip(jax.nn.softmax(logits, axis=-1), PROB_FLOOR, 1.0)
    p_target = jnp.take_along_axis(probs, safe_targets[:, None], axis=-1)[:, 0]
    # Every class scored as a wrong one, then the target's term moved from weight \`wrong\` to \`right\`.
    log_all_as_wrong = jnp.sum(jnp.log(alpha * probs + (1.0 - alpha) * wrong), axis=-1)
    log_target = jnp.log(alpha * p_target + (1.0 - alpha) * right)
    log_target_as_wrong = jnp.log(alpha * p_target + (1.0 - alpha) * wrong)
    rows = -(right * log_target + wrong * (log_all_as_wrong - log_target_as_wrong))
    rows = jnp.where(keep, rows, 0.0)
    return jnp.sum(rows) / max(rows.shape[0], 1)  # ignored rows count in the mean


def dece_loss_causal_lm(logits, labels, epoch):
    """Decoder-only models: logits [B, T, V], labels [B, T]; position t predicts token t + 1."""
    shifted_logits = logits[:, :-1, :].reshape(-1, logits.shape[-1])
    shifted_labels = labels[:, 1:].reshape(-1)
    return dece_loss(shifted_logits, shifted_labels, epoch)


# How to call it: alpha depends on the epoch, so pass the epoch (counted from 1) into the step.
#
#     @jax.jit
#     def train_step(params, opt_state, inputs, labels, epoch):
#         def loss_fn(params):
#             logits = model.apply(params, inputs)  # [B, T, V], no softmax
#             # Encoder-decoder: labels are already aligned with the decoder's logits.
#             return dece_loss(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), epoch)
#             # Decoder-only: shift logits and labels by one.
#             # return dece_loss_causal_lm(logits, labels, epoch)
#         loss, grads = jax.value_and_grad(loss_fn)(params)
#         updates, opt_state = optimizer.update(grads, opt_state, params)
#         return optax.apply_updates(params, updates), opt_state, loss
#
#     for epoch in range(1, num_epochs + 1):
#         for inputs, labels in batches:
#             params, opt_state, loss = train_step(params, opt_state, inputs, labels, epoch)


${pythonSelfCheck(
  p,
  `        logits = jnp.asarray(case["logits"], dtype=jnp.float32)
        targets = jnp.asarray(case["targets"], dtype=jnp.int32)
        got = float(dece_loss(logits, targets, case["epoch"]))`,
)}`;
}

function tfjsSnippet(p: SnippetParameters): string {
  return `${header(p, ' * ', 'TensorFlow.js').replace(/^ \* /, '/**\n * ')}
 *
 * Usage: import { deceLoss } from './${FILE_NAMES.tfjs}';
 * Check it once against DeCE Pilot: node ${FILE_NAMES.tfjs}  (or call selfCheck()); it prints OK or FAIL.
 */
import * as tf from '@tensorflow/tfjs';

export const LABEL_SMOOTHING = ${floatLiteral(p.labelSmoothing)};
export const ALPHA_BASE = ${floatLiteral(p.alphaBase)};
/** Rows with this target are ignored (null: none are). */
export const IGNORE_INDEX = ${p.ignoreIndex === null ? 'null' : String(p.ignoreIndex)};
/** Probabilities are clamped to [PROB_FLOOR, 1] before mixing. */
export const PROB_FLOOR = ${floatLiteral(PROB_FLOOR)};

/** The mixing weight alpha for an epoch counted from 1. */
export function deceAlpha(epoch) {
  if (!Number.isInteger(epoch) || epoch < 1) throw new Error('DeCE: epoch is an integer counted from 1, got ' + String(epoch));
  return Math.pow(ALPHA_BASE, epoch);
}

/**
 * DeCE loss.
 * @param {tf.Tensor2D} logits [N, V] unnormalised scores
 * @param {tf.Tensor1D | Int32Array | number[]} targets [N] class ids
 * @param {number} epoch counted from 1
 * @returns {tf.Scalar}
 */
export function deceLoss(logits, targets, epoch) {
  const alpha = deceAlpha(epoch);
  return tf.tidy(() => {
    const [rows, vocab] = logits.shape;
    const right = 1 - LABEL_SMOOTHING; // y' on the target class
    const wrong = vocab > 1 ? LABEL_SMOOTHING / (vocab - 1) : 0; // y' on each other class
    const ids = tf.cast(targets, 'int32');
    const keep = IGNORE_INDEX === null ? tf.cast(tf.onesLike(ids), 'bool') : tf.notEqual(ids, tf.scalar(IGNORE_INDEX, 'int32'));
    const safeIds = tf.where(keep, ids, tf.zerosLike(ids)); // any valid id: the row is zeroed below
    const probs = tf.clipByValue(tf.softmax(logits), PROB_FLOOR, 1);
    // A one-hot mask rather than a gather: gather's gradient needs a kernel the wasm backend lacks.
    const pTarget = tf.sum(tf.mul(probs, tf.oneHot(safeIds, vocab)), 1);
    // Every class scored as a wrong one, then the target's term moved from weight \`wrong\` to \`right\`.
    const logAllAsWrong = tf.sum(tf.log(tf.add(tf.mul(probs, alpha), (1 - alpha) * wrong)), 1);
    const logTarget = tf.log(tf.add(tf.mul(pTarget, alpha), (1 - alpha) * right));
    const logTargetAsWrong = tf.log(tf.add(tf.mul(pTarget, alpha), (1 - alpha) * wrong));
    const rowLosses = tf.neg(tf.add(tf.mul(logTarget, right), tf.mul(tf.sub(logAllAsWrong, logTargetAsWrong), wrong)));
    const kept = tf.where(keep, rowLosses, tf.zerosLike(rowLosses));
    return tf.div(tf.sum(kept), Math.max(rows, 1)); // ignored rows count in the mean
  });
}

/**
 * Decoder-only models: logits [B, T, V], labels [B, T]; position t predicts token t + 1.
 * @returns {tf.Scalar}
 */
export function deceLossCausalLM(logits, labels, epoch) {
  return tf.tidy(() => {
    const [batch, length, vocab] = logits.shape;
    const shiftedLogits = tf.reshape(tf.slice(logits, [0, 0, 0], [batch, length - 1, vocab]), [batch * (length - 1), vocab]);
    const shiftedLabels = tf.reshape(tf.slice(tf.cast(labels, 'int32'), [0, 1], [batch, length - 1]), [batch * (length - 1)]);
    return deceLoss(shiftedLogits, shiftedLabels, epoch);
  });
}

// How to call it: alpha depends on the epoch, so pass the epoch (counted from 1) with every batch.
//
//   for (let epoch = 1; epoch <= numEpochs; epoch++) {
//     for (const { inputs, labels } of batches) {
//       optimizer.minimize(() => {
//         const logits = model.predict(inputs); // [B, T, V], no softmax
//         // Encoder-decoder: labels are already aligned with the decoder's logits.
//         return deceLoss(tf.reshape(logits, [-1, logits.shape[2]]), tf.reshape(labels, [-1]), epoch);
//         // Decoder-only: shift logits and labels by one.
//         // return deceLossCausalLM(logits, labels, epoch);
//       });
//     }
//   }

/** Inputs with the loss DeCE Pilot's own DeCE computed for them when this file was generated. */
export const SELF_CHECK_CASES = ${jsCases(p.cases)};

/** Compares deceLoss with DeCE Pilot on the cases above; logs one line per case and OK or FAIL. */
export function selfCheck(log = console.log) {
  const results = SELF_CHECK_CASES.map((testCase, index) => {
    const loss = tf.tidy(() => deceLoss(tf.tensor2d(testCase.logits), testCase.targets, testCase.epoch));
    const got = loss.dataSync()[0];
    loss.dispose();
    const relativeError = Math.abs(got - testCase.expected) / Math.abs(testCase.expected);
    const ok = relativeError <= ${SELF_CHECK_TOLERANCE.toExponential()};
    log('case ' + String(index + 1) + ': epoch ' + String(testCase.epoch) + ', loss ' + got.toFixed(8) + ', DeCE Pilot ' +
      testCase.expected.toFixed(8) + ', relative error ' + relativeError.toExponential(1) + (ok ? ' OK' : ' FAIL'));
    return { got, expected: testCase.expected, relativeError, ok };
  });
  const ok = results.every((r) => r.ok);
  log('DeCE self-check: ' + (ok ? 'OK' : 'FAIL'));
  return { ok, results };
}

// \`node ${FILE_NAMES.tfjs}\` runs the self-check; importing the file does not.
const invokedAs = typeof process === 'object' && typeof process.argv?.[1] === 'string' ? process.argv[1].replaceAll('\\\\', '/').split('/').pop() : '';
if (invokedAs && decodeURIComponent(import.meta.url).endsWith('/' + invokedAs)) {
  if (!selfCheck().ok) process.exitCode = 1;
}
`;
}
