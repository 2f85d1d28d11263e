/**
 * Per-token KL estimators between the policy and a reference policy, from sampled log-probabilities.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkNumber } from '@descent/core';

/**
 * Schulman's k3 estimator of KL(π_θ ‖ π_ref) for tokens sampled from π_θ, elementwise:
 *
 *   k3 = exp(Δ) − Δ − 1,   Δ = log π_ref − log π_θ,
 *
 * unbiased, always ≥ 0, low variance. This is TRL's `per_token_kl` (GRPO `beta` term) and verl's `low_var_kl`.
 *
 * Δ is clamped to [−`clamp`, `clamp`] before the exponential (default 20, as verl's `kl_penalty(..., "low_var_kl")`)
 * so that log-probabilities as far apart as −1e4 and 0 give a large finite value rather than `Infinity` (and a NaN
 * gradient); inside the clamp the value is exactly TRL's. Pass `clamp: Infinity` for the unclamped formula.
 *
 * Reference: J. Schulman, "Approximating KL divergence" (2020); `trl/trainer/grpo_trainer.py` (`_compute_loss`);
 * verl `core_algos.kl_penalty`.
 *
 * @returns a new tensor shaped like the inputs, owned by the caller.
 */
export function klK3(logp: tf.Tensor, refLogp: tf.Tensor, clamp = 20): tf.Tensor {
  if (clamp !== Infinity) checkNumber('klK3', 'clamp', clamp, { greaterThan: 0 });
  return tf.tidy(() => {
    let d = tf.sub(refLogp, logp);
    if (clamp !== Infinity) d = tf.clipByValue(d, -clamp, clamp);
    return tf.sub(tf.sub(tf.exp(d), d), 1);
  });
}
