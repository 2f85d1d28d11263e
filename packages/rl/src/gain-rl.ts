/**
 * GAIN-RL — "Angles Don't Lie" (Wang et al., NeurIPS 2025; code wangqinsi1/GAINRL): angle concentration of hidden
 * states as a data-difficulty signal, and the Gaussian-over-ranks curriculum sampler.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Key, checkKnownOptions, checkNumber, invalidOption, uniformValues } from '@descent/core';

/**
 * Angle concentration of token hidden states, one score per sequence (GAIN-RL TRL fork, spec rl.md §5.1–5.2):
 *
 *   X̂ = X / max(‖X_t‖, 1e-12)  (each token's hidden vector normalised, `F.normalize(dim=1)`),
 *   C = X̂ X̂ᵀ ⊙ P,  P_{tu} = 1[u ≤ t + 1]  (`torch.tril(ones, diagonal=1)`: lower triangle, diagonal and first
 *   super-diagonal),   angle = Σ C / #pairs.
 *
 * High values = token representations point the same way = (by the paper's Theorem) larger gradient norms, so the
 * data is easier to learn from first. The reference divides by the number of non-zero entries of C; we divide by the
 * number of (valid, valid) pairs under P, which is the same except where a cosine is exactly 0. Masked tokens (padding)
 * are excluded from both sums; a sequence with no valid token scores 0.
 *
 * @param hiddenStates `[batch, tokens, hidden]` (or `[tokens, hidden]` for one sequence) — e.g. the last layer's
 *   input to the MLP, as the reference hooks `layers.{L−1}.mlp.up_proj`.
 * @param mask `[batch, tokens]` (or `[tokens]`), > 0 = valid. Default: all valid.
 * @returns `[batch]` scores, a new tensor owned by the caller.
 */
export function angleConcentration(hiddenStates: tf.Tensor, mask?: tf.Tensor): tf.Tensor1D {
  const where = 'angleConcentration';
  if (!(hiddenStates instanceof tf.Tensor) || (hiddenStates.rank !== 3 && hiddenStates.rank !== 2)) {
    invalidOption(where, 'hiddenStates', hiddenStates, 'a [batch, tokens, hidden] or [tokens, hidden] tensor');
  }
  const x3 = hiddenStates.rank === 2 ? [1, ...hiddenStates.shape] : hiddenStates.shape;
  const [B, T] = x3;
  if (mask !== undefined) {
    if (!(mask instanceof tf.Tensor) || mask.size !== B * T) invalidOption(where, 'mask', mask, `a [${B}, ${T}] tensor`);
  }
  return tf.tidy(() => {
    const x = tf.reshape(tf.cast(hiddenStates, 'float32'), x3);
    const m = mask === undefined ? tf.ones([B, T]) : tf.cast(tf.greater(tf.reshape(mask, [B, T]), 0), 'float32');
    const norm = tf.maximum(tf.sqrt(tf.sum(tf.square(x), 2, true)), 1e-12);
    const xh = tf.mul(tf.div(x, norm), tf.expandDims(m, 2));
    const c = tf.matMul(xh, xh, false, true); // [B, T, T]
    const rows = tf.reshape(tf.range(0, T, 1, 'int32'), [T, 1]);
    const cols = tf.reshape(tf.range(0, T, 1, 'int32'), [1, T]);
    const pattern = tf.cast(tf.lessEqual(cols, tf.add(rows, 1)), 'float32'); // [T, T]
    const pairs = tf.mul(tf.mul(tf.expandDims(m, 2), tf.expandDims(m, 1)), pattern);
    const total = tf.sum(tf.mul(c, pattern), [1, 2]);
    return tf.div(total, tf.maximum(tf.sum(pairs, [1, 2]), 1)) as tf.Tensor1D;
  });
}

/**
 * Indices of `scores` sorted by decreasing score (ties: lower index first) — GAIN-RL's offline data order
 * (`argsort(score, descending)`): high angle concentration (fast to learn) first.
 */
export function sortByAngle(scores: readonly number[]): number[] {
  if (!Array.isArray(scores)) invalidOption('sortByAngle', 'scores', scores, 'an array of numbers');
  scores.forEach((s, i) => checkNumber('sortByAngle', `scores[${i}]`, s));
  return scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
}

/** Options of {@link GainRlSampler}. */
export interface GainRlSamplerOptions {
  /** The data indices sorted by {@link sortByAngle} (rank 0 = highest concentration). */
  order: readonly number[];
  /** Initial centre μ of the Gaussian over ranks. Default 0. */
  mu?: number;
  /** Width σ in rank units. Default 1000 (reference, for ~10⁴-sample datasets; scale it with the data size). */
  sigma?: number;
  /** n: the step scale of the μ update, in rank units. Default 500. */
  n?: number;
  /** α: tanh sharpness. Default 2. */
  alpha?: number;
  /** β: target normalised accuracy. Default 0.5. */
  beta?: number;
  /** Clamp of each μ update Δ. Defaults 0 and 1000 (μ only moves forward, to harder data). */
  adjMin?: number;
  adjMax?: number;
  /** The accuracy value of a fully correct answer; accuracies are divided by it. Default 2 (the TRL fork's reward 2.0). */
  maxAccuracy?: number;
}

/**
 * GAIN-RL's Gaussian-over-ranks sampler (`gainrl_sampler.py`, spec rl.md §5.3). Rank i of the angle-sorted list is
 * drawn with probability ∝ exp(−½((i − μ)/σ)²), without replacement; after each epoch (or step) the centre moves by
 *
 *   Δ = n·tanh(α·(ā/maxAccuracy − β)) + n·tanh(α·ᾱ),   Δ ← clamp(Δ, adjMin, adjMax),   μ ← μ + Δ
 *
 * from the mean accuracy ā and mean angle concentration ᾱ of the rollouts just trained on: when the model does well
 * on the current band the curriculum moves to lower-concentration (harder) data.
 * Sampling without replacement uses the Gumbel-top-k trick (same distribution as sequential weighted draws, as
 * `torch.multinomial(replacement=False)`), with weights in the log domain so far ranks never underflow to NaN.
 */
export class GainRlSampler {
  private readonly order: number[];
  private readonly sigma: number;
  private readonly n: number;
  private readonly alpha: number;
  private readonly beta: number;
  private readonly adjMin: number;
  private readonly adjMax: number;
  private readonly maxAccuracy: number;
  private centre: number;

  constructor(options: GainRlSamplerOptions) {
    const where = 'GainRlSampler';
    if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an object');
    checkKnownOptions(where, options, ['order', 'mu', 'sigma', 'n', 'alpha', 'beta', 'adjMin', 'adjMax', 'maxAccuracy']);
    if (!Array.isArray(options.order) || options.order.length === 0) invalidOption(where, 'options.order', options.order, 'a non-empty array of indices');
    options.order.forEach((i, k) => checkNumber(where, `options.order[${k}]`, i, { min: 0, integer: true }));
    this.order = [...options.order];
    this.centre = checkNumber(where, 'options.mu', options.mu ?? 0);
    this.sigma = checkNumber(where, 'options.sigma', options.sigma ?? 1000, { greaterThan: 0 });
    this.n = checkNumber(where, 'options.n', options.n ?? 500, { min: 0 });
    this.alpha = checkNumber(where, 'options.alpha', options.alpha ?? 2);
    this.beta = checkNumber(where, 'options.beta', options.beta ?? 0.5);
    this.adjMin = checkNumber(where, 'options.adjMin', options.adjMin ?? 0);
    this.adjMax = checkNumber(where, 'options.adjMax', options.adjMax ?? 1000, { min: this.adjMin });
    this.maxAccuracy = checkNumber(where, 'options.maxAccuracy', options.maxAccuracy ?? 2, { greaterThan: 0 });
  }

  /** The current centre μ (rank units). */
  get mu(): number {
    return this.centre;
  }

  /** The sampling probability of each rank (normalised Gaussian weights), for inspection and tests. */
  probabilities(): number[] {
    const logw = this.order.map((_, i) => -0.5 * ((i - this.centre) / this.sigma) ** 2);
    const top = logw.reduce((a, b) => Math.max(a, b), -Infinity);
    const w = logw.map((l) => Math.exp(l - top));
    const z = w.reduce((a, b) => a + b, 0);
    return w.map((x) => x / z);
  }

  /**
   * Draws `count` distinct data indices (returned in rank order, mapped through `order`), reproducibly from `key`.
   */
  sample(k: Key, count: number): number[] {
    const M = this.order.length;
    checkNumber('GainRlSampler.sample', 'count', count, { min: 1, max: M, integer: true });
    const u = uniformValues(k, M);
    const keys = this.order.map((_, i) => {
      const gumbel = -Math.log(-Math.log(Math.max(u[i], 1e-30)));
      return -0.5 * ((i - this.centre) / this.sigma) ** 2 + gumbel;
    });
    const ranks = keys.map((_, i) => i).sort((a, b) => keys[b] - keys[a] || a - b).slice(0, count);
    ranks.sort((a, b) => a - b);
    return ranks.map((r) => this.order[r]);
  }

  /**
   * Moves μ from the accuracies and angle concentrations of the rollouts just trained on; returns Δ.
   */
  update(accuracy: readonly number[], angle: readonly number[]): number {
    const where = 'GainRlSampler.update';
    if (!Array.isArray(accuracy) || accuracy.length === 0) invalidOption(where, 'accuracy', accuracy, 'a non-empty array');
    if (!Array.isArray(angle) || angle.length === 0) invalidOption(where, 'angle', angle, 'a non-empty array');
    accuracy.forEach((a, i) => checkNumber(where, `accuracy[${i}]`, a));
    angle.forEach((a, i) => checkNumber(where, `angle[${i}]`, a));
    const acc = accuracy.reduce((s, x) => s + x, 0) / accuracy.length;
    const ang = angle.reduce((s, x) => s + x, 0) / angle.length;
    let delta = this.n * Math.tanh(this.alpha * (acc / this.maxAccuracy - this.beta)) + this.n * Math.tanh(this.alpha * ang);
    delta = Math.min(Math.max(delta, this.adjMin), this.adjMax);
    this.centre += delta;
    return delta;
  }
}
