/**
 * The GRPO family's clipped surrogate losses on tensors of log-probabilities (TRL `GRPOTrainer._compute_loss`).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkBoolean, checkKnownOptions, checkNumber, checkOneOf, invalidOption } from '@descent/core';
import { klK3 } from './kl-estimators.js';
import { stopGradient } from './stop-gradient.js';

/** The loss types of {@link policyLoss} (TRL `loss_type`, plus `'gspo'` = sequence-level importance sampling). */
export type PolicyLossType = 'grpo' | 'bnpo' | 'dr_grpo' | 'dapo' | 'gspo' | 'cispo';

/** The loss types accepted by {@link policyLoss}. */
export const policyLossTypes: readonly PolicyLossType[] = ['grpo', 'bnpo', 'dr_grpo', 'dapo', 'gspo', 'cispo'];

/** Inputs and options of {@link policyLoss}. */
export interface PolicyLossInput {
  /** log π_θ of the sampled tokens, `[batch, tokens]` (differentiable). */
  logp: tf.Tensor;
  /** log π_old of the same tokens (from sampling time), `[batch, tokens]`; treated as a constant. */
  oldLogp: tf.Tensor;
  /** One advantage per completion, `[batch]` (e.g. from {@link groupAdvantages}). */
  advantages: tf.Tensor;
  /** Completion mask, `[batch, tokens]`: > 0 for tokens that count (0/1 float, int or bool). */
  mask: tf.Tensor;
  /** log π_ref of the same tokens, `[batch, tokens]`; required when `beta ≠ 0`. */
  refLogp?: tf.Tensor;
  /** Aggregation / objective (spec rl.md §3.3). Default `'dapo'` (TRL's current default). */
  lossType?: PolicyLossType;
  /** ε_low: the ratio is clipped below at 1 − ε_low. Default 0.2. */
  epsLow?: number;
  /**
   * ε_high: clipped above at 1 + ε_high (DAPO clip-higher recommends 0.28). Default = `epsLow`. For `'cispo'` this
   * is the absolute cap of the importance weight, min(w, ε_high) (ScaleRL recommends 5; TRL's convention).
   */
  epsHigh?: number;
  /** β of the k3 KL penalty to `refLogp`. Default 0 (TRL). */
  beta?: number;
  /** L of `'dr_grpo'`'s constant normalizer B·L. Default: the tokens dimension of `logp`. */
  maxCompletionLength?: number;
  /**
   * Normalizer of `'dapo'` and `'cispo'`: the number of completion tokens in the whole (accumulated, global) batch, so
   * that micro-batches sum to the full-batch loss (TRL `num_items_in_batch / num_processes`). Default: this call's
   * mask count, max(1, Σ m).
   */
  numItemsInBatch?: number;
  /** INTELLECT-2 two-sided clipping: the unclipped ratio is capped at δ (> 1 + ε_high). Default none. */
  delta?: number;
  /**
   * Clamp of log-ratios before `exp` (verl clamps `log_prob − old_log_prob` to ±20): keeps float32 finite for
   * log-probabilities as far apart as −1e4 and 0. Inside the clamp the loss is exactly TRL's. Default 20.
   */
  logRatioClamp?: number;
  /** Also compute the diagnostics (clip fractions, KL, ratio stats). Default true; set false inside `valueAndGrad`. */
  diagnostics?: boolean;
}

/** The result of {@link policyLoss}: the scalar loss and diagnostics as TRL logs them (scalars, caller-owned). */
export interface PolicyLossOutput {
  /** The aggregated loss (to minimize). */
  loss: tf.Scalar;
  /** Fraction of valid tokens with w < 1 − ε_low and Â < 0 (`clip_ratio/low_mean`); 0 for `'cispo'`. */
  clipFractionLow?: tf.Scalar;
  /** Fraction with w > 1 + ε_high and Â > 0 (`clip_ratio/high_mean`); for `'cispo'`, w > ε_high and Â > 0. */
  clipFractionHigh?: tf.Scalar;
  /** Fraction clipped either way (`clip_ratio/region_mean`). */
  clipFractionRegion?: tf.Scalar;
  /** Masked mean of the k3 KL to the reference (0 without `refLogp`). */
  klMean?: tf.Scalar;
  /** Masked mean / min / max of the importance weight w (1 when no token is valid). */
  ratioMean?: tf.Scalar;
  ratioMin?: tf.Scalar;
  ratioMax?: tf.Scalar;
}

const WHERE = 'policyLoss';
const KNOWN = [
  'logp',
  'oldLogp',
  'advantages',
  'mask',
  'refLogp',
  'lossType',
  'epsLow',
  'epsHigh',
  'beta',
  'maxCompletionLength',
  'numItemsInBatch',
  'delta',
  'logRatioClamp',
  'diagnostics',
];

function checkTensor(name: string, t: unknown, shape: number[] | undefined, rank: number): tf.Tensor {
  if (!(t instanceof tf.Tensor)) invalidOption(WHERE, name, t, `a tf.Tensor of rank ${rank}`);
  if (t.rank !== rank) invalidOption(WHERE, name, `a tensor of shape [${t.shape.join(',')}]`, `rank ${rank}`);
  if (shape && t.shape.some((d: number, i: number) => d !== shape[i])) {
    invalidOption(WHERE, name, `a tensor of shape [${t.shape.join(',')}]`, `shape [${shape.join(',')}]`);
  }
  return t;
}

/** Σ x·m / max(1, Σ m): TRL's `masked_batch_mean`, safe for an all-masked batch. */
function maskedMean(x: tf.Tensor, m: tf.Tensor): tf.Scalar {
  return tf.div(tf.sum(tf.mul(x, m)), tf.maximum(tf.sum(m), 1)) as tf.Scalar;
}

/**
 * The GRPO-family policy loss, exactly as TRL computes it (spec rl.md §3.2–§3.3), for any model: give it the
 * log-probabilities of sampled completion tokens under the current, sampling-time and (optionally) reference
 * policies, the per-completion advantages and the completion mask.
 *
 * Per token (w = importance weight, Â = advantage of the token's completion):
 * - `'grpo' | 'bnpo' | 'dr_grpo' | 'dapo'`: w_t = exp(logπ_θ − logπ_old) per token,
 *   ℓ_t = −min(w_t·Â, clip(w_t, 1 − ε_low, 1 + ε_high)·Â)  (with `delta`, the first w_t is min(w_t, δ)).
 * - `'gspo'`: one weight per sequence, w = exp(Σ_t m_t(logπ_θ − logπ_old) / max(1, Σ_t m_t)), same clipped ℓ,
 *   aggregated like `'grpo'` (TRL `importance_sampling_level="sequence"`; Zheng et al. 2025).
 * - `'cispo'`: ℓ_t = −sg(min(w_t, ε_high))·Â·logπ_θ (MiniMax-M1 / ScaleRL; `sg` = stop-gradient).
 * - with β ≠ 0: ℓ_t += β·k3_t, k3 = exp(logπ_ref − logπ_θ) − (logπ_ref − logπ_θ) − 1 ({@link klK3}).
 *
 * Aggregation over the mask m (B = batch, L = `maxCompletionLength`):
 * - `'grpo'`, `'gspo'`: mean_i [Σ_t ℓ_{i,t} m_{i,t} / max(1, Σ_t m_{i,t})]   (sequence mean; length bias)
 * - `'bnpo'`: Σ ℓ·m / max(1, Σ m)                                          (token mean over the local batch)
 * - `'dr_grpo'`: Σ ℓ·m / (B·L)                                             (constant normalizer)
 * - `'dapo'`, `'cispo'`: Σ ℓ·m / `numItemsInBatch`                          (token mean over the global batch)
 * (TRL also divides `'grpo'`/`'bnpo'`/`'dr_grpo'` by its gradient-accumulation steps; scale micro-batch losses
 * yourself when accumulating.)
 *
 * Numerics: masked tokens are replaced by 0 before any exponential, so garbage (−1e4, −∞, NaN) in padding never
 * reaches the loss or its gradient; an all-masked row contributes 0; log-ratios are clamped to ±`logRatioClamp`
 * (verl) so float32 never overflows. With one optimisation step per batch (w ≡ 1) the value is ≈ 0 while the
 * gradient is not (trl#2703): watch the reward and the fraction of groups with signal instead.
 *
 * Defaults: `lossType 'dapo'`, ε_low 0.2, ε_high = ε_low, β 0 (TRL `GRPOConfig`).
 *
 * Reference: `trl/trainer/grpo_trainer.py` `_compute_loss` (f2cd577); DeepSeekMath (Shao et al. 2024); DAPO (Yu et
 * al. 2025); Dr. GRPO (Liu et al. 2025); GSPO (Zheng et al. 2025); CISPO (MiniMax-M1, 2025).
 */
export function policyLoss(input: PolicyLossInput): PolicyLossOutput {
  if (input === null || typeof input !== 'object') invalidOption(WHERE, 'input', input, 'an object');
  checkKnownOptions(WHERE, input, KNOWN);
  const lossType = checkOneOf(WHERE, 'lossType', input.lossType ?? 'dapo', policyLossTypes);
  const epsLow = checkNumber(WHERE, 'epsLow', input.epsLow ?? 0.2, { min: 0 });
  const epsHigh = checkNumber(WHERE, 'epsHigh', input.epsHigh ?? epsLow, { min: 0 });
  const beta = checkNumber(WHERE, 'beta', input.beta ?? 0, { min: 0 });
  const clampLr = checkNumber(WHERE, 'logRatioClamp', input.logRatioClamp ?? 20, { greaterThan: 0 });
  const withDiagnostics = checkBoolean(WHERE, 'diagnostics', input.diagnostics ?? true);
  const logp = checkTensor('logp', input.logp, undefined, 2);
  const [B, T] = logp.shape;
  checkTensor('oldLogp', input.oldLogp, [B, T], 2);
  checkTensor('mask', input.mask, [B, T], 2);
  checkTensor('advantages', input.advantages, [B], 1);
  if (input.refLogp !== undefined) checkTensor('refLogp', input.refLogp, [B, T], 2);
  if (beta !== 0 && input.refLogp === undefined) invalidOption(WHERE, 'refLogp', undefined, 'a [batch, tokens] tensor when beta ≠ 0');
  const L = checkNumber(WHERE, 'maxCompletionLength', input.maxCompletionLength ?? T, { min: 1 });
  const numItems =
    input.numItemsInBatch === undefined ? undefined : checkNumber(WHERE, 'numItemsInBatch', input.numItemsInBatch, { greaterThan: 0 });
  const delta = input.delta === undefined ? undefined : checkNumber(WHERE, 'delta', input.delta, { greaterThan: 1 + epsHigh });

  return tf.tidy(() => {
    const valid = tf.greater(input.mask, 0);
    const m = tf.cast(valid, 'float32');
    const zeros = tf.zerosLike(m);
    // Sanitize BEFORE any exp: where() passes a zero gradient to the masked branch, but exp(+big) there would still
    // turn that zero into 0·∞ = NaN in the backward pass.
    const lp = tf.where(valid, tf.cast(logp, 'float32'), zeros);
    const old = tf.where(valid, tf.cast(input.oldLogp, 'float32'), zeros);
    const adv = tf.expandDims(tf.cast(input.advantages, 'float32'), 1); // [B, 1]
    const logRatio = tf.clipByValue(tf.sub(lp, old), -clampLr, clampLr);
    const tokensPerRow = tf.sum(m, 1); // [B]

    let w: tf.Tensor; // importance weight, [B, T] or [B, 1]
    if (lossType === 'gspo') {
      w = tf.exp(tf.expandDims(tf.div(tf.sum(tf.mul(logRatio, m), 1), tf.maximum(tokensPerRow, 1)), 1));
    } else {
      w = tf.exp(logRatio);
    }

    let perToken: tf.Tensor;
    if (lossType === 'cispo') {
      const capped = stopGradient(tf.minimum(w, epsHigh));
      perToken = tf.neg(tf.mul(tf.mul(capped, adv), lp));
    } else {
      const clipped = tf.clipByValue(w, 1 - epsLow, 1 + epsHigh);
      const w1 = delta === undefined ? w : tf.minimum(w, delta);
      perToken = tf.neg(tf.minimum(tf.mul(w1, adv), tf.mul(clipped, adv)));
      if (perToken.shape[1] !== T) perToken = tf.tile(perToken, [1, T]);
    }

    let kl: tf.Tensor | undefined;
    if (input.refLogp !== undefined) {
      const ref = tf.where(valid, tf.cast(input.refLogp, 'float32'), zeros);
      kl = klK3(lp, ref, clampLr);
      if (beta !== 0) perToken = tf.add(perToken, tf.mul(kl, beta));
    }

    const masked = tf.mul(perToken, m);
    let loss: tf.Scalar;
    switch (lossType) {
      case 'grpo':
      case 'gspo':
        loss = tf.mean(tf.div(tf.sum(masked, 1), tf.maximum(tokensPerRow, 1))) as tf.Scalar;
        break;
      case 'bnpo':
        loss = tf.div(tf.sum(masked), tf.maximum(tf.sum(m), 1)) as tf.Scalar;
        break;
      case 'dr_grpo':
        loss = tf.div(tf.sum(masked), B * L) as tf.Scalar;
        break;
      default: // 'dapo', 'cispo'
        loss = tf.div(tf.sum(masked), numItems ?? tf.maximum(tf.sum(m), 1)) as tf.Scalar;
    }
    if (!withDiagnostics) return { loss };

    const wFull = w.shape[1] === T ? w : tf.tile(w, [1, T]);
    const wSg = stopGradient(wFull);
    const advFull = tf.tile(adv, [1, T]);
    let low: tf.Tensor;
    let high: tf.Tensor;
    if (lossType === 'cispo') {
      low = zeros;
      high = tf.cast(tf.logicalAnd(tf.greater(wSg, epsHigh), tf.greater(advFull, 0)), 'float32');
    } else {
      low = tf.cast(tf.logicalAnd(tf.less(wSg, 1 - epsLow), tf.less(advFull, 0)), 'float32');
      high = tf.cast(tf.logicalAnd(tf.greater(wSg, 1 + epsHigh), tf.greater(advFull, 0)), 'float32');
    }
    const any = tf.sum(m);
    const hasAny = tf.greater(any, 0);
    const one = tf.scalar(1);
    const ratioMin = tf.where(hasAny, tf.min(tf.where(valid, wSg, tf.fill([B, T], Infinity))), one) as tf.Scalar;
    const ratioMax = tf.where(hasAny, tf.max(tf.where(valid, wSg, tf.fill([B, T], -Infinity))), one) as tf.Scalar;
    return {
      loss,
      clipFractionLow: maskedMean(low, m),
      clipFractionHigh: maskedMean(high, m),
      clipFractionRegion: maskedMean(tf.maximum(low, high), m),
      klMean: kl === undefined ? tf.scalar(0) : maskedMean(stopGradient(kl), m),
      ratioMean: tf.where(hasAny, maskedMean(wSg, m), one) as tf.Scalar,
      ratioMin,
      ratioMax,
    };
  });
}

/** {@link policyLoss} under the name DESIGN.md §6 uses for the GRPO-family loss. */
export const grpoLoss = policyLoss;
