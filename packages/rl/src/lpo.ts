/**
 * The drift-function view of policy optimisation (mirror learning; Kuba et al. 2022, Lu et al. 2022, Jackson et al.
 * ICLR 2024): `L(θ) = −mean(r·Â − D(r, Â))` with a drift D ≥ 0 that vanishes with its r-derivative at r = 1.
 * PPO is one drift, DPO (Discovered Policy Optimisation, Lu et al. NeurIPS 2022) a closed-form one.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkNumber } from '@descent/core';
import { type PpoOptions, ppoDefaults, ppoPresets, resolveOptions, runPpoFamily } from './ppo.js';
import type { TrainCallbacks, TrainConfig, TrainResult } from './training.js';

/**
 * A drift function D(r, Â[, n/N]) ≥ 0, elementwise over the ratio r = π_θ/π_old and the advantages; `progress` is the
 * training progress n/N ∈ [0, 1) for progress-conditioned drifts (TA-LPO). Must be differentiable in r.
 */
export type Drift = (ratio: tf.Tensor, advantages: tf.Tensor, progress?: number) => tf.Tensor;

/**
 * PPO's clip as a drift (Lu et al. 2022, eq. for mirror learning; spec rl.md §7):
 *
 * $$D_{PPO}(r, \hat A) = \operatorname{ReLU}\big((r - \operatorname{clip}(r, 1-\varepsilon, 1+\varepsilon))\,\hat A\big),$$
 *
 * so that r·Â − D = min(r·Â, clip(r)·Â), PPO's clipped surrogate, exactly. Default ε = 0.2.
 */
export function ppoDrift(epsilon = 0.2): Drift {
  const eps = checkNumber('ppoDrift', 'epsilon', epsilon, { greaterThan: 0 });
  return (ratio, advantages) =>
    tf.tidy(() => tf.relu(tf.mul(tf.sub(ratio, tf.clipByValue(ratio, 1 - eps, 1 + eps)), advantages)));
}

/**
 * DPO's closed-form drift (Lu et al. 2022, "Discovered Policy Optimisation"; purejaxrl `dpo_continuous_action.py`,
 * spec rl.md §7):
 *
 * $$D(r,\hat A) = \begin{cases}\operatorname{ReLU}\big((r-1)\hat A - \alpha\tanh\!\big((r-1)\hat A/\alpha\big)\big) & \hat A \ge 0\\
 *   \operatorname{ReLU}\big(\log r\cdot\hat A - \beta\tanh\!\big(\log r\cdot\hat A/\beta\big)\big) & \hat A < 0\end{cases}$$
 *
 * Defaults α = 2, β = 0.6 (the paper's / purejaxrl's values).
 */
export function dpoDrift(alpha = 2, beta = 0.6): Drift {
  const a = checkNumber('dpoDrift', 'alpha', alpha, { greaterThan: 0 });
  const b = checkNumber('dpoDrift', 'beta', beta, { greaterThan: 0 });
  return (ratio, advantages) =>
    tf.tidy(() => {
      const pos = tf.mul(tf.sub(ratio, tf.scalar(1)), advantages);
      const neg = tf.mul(tf.log(ratio), advantages);
      const dPos = tf.relu(tf.sub(pos, tf.mul(tf.scalar(a), tf.tanh(tf.div(pos, tf.scalar(a))))));
      const dNeg = tf.relu(tf.sub(neg, tf.mul(tf.scalar(b), tf.tanh(tf.div(neg, tf.scalar(b))))));
      return tf.where(tf.greaterEqual(advantages, tf.scalar(0)), dPos, dNeg);
    });
}

/**
 * The drift objective `−mean(r·Â − D(r, Â[, progress]))` (a scalar to minimise). With {@link ppoDrift} it equals the
 * policy term of `ppoLoss` for the same (already standardised) advantages.
 */
export function driftLoss(ratio: tf.Tensor, advantages: tf.Tensor, drift: Drift, progress = 0): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.sub(tf.mul(ratio, advantages), drift(ratio, advantages, progress)))) as tf.Scalar);
}

/** Options of {@link trainDpoDrift}: PPO's plus the drift's α, β. */
export interface DpoDriftOptions extends PpoOptions {
  /** α of the positive-advantage branch. Default 2. */
  alpha: number;
  /** β of the negative-advantage branch. Default 0.6. */
  beta: number;
}

/** Defaults of {@link trainDpoDrift}: {@link ppoDefaults} with α = 2, β = 0.6. */
export const dpoDriftDefaults: DpoDriftOptions = { ...ppoDefaults, alpha: 2, beta: 0.6 };

/**
 * Presets of {@link trainDpoDrift}: PPO's rl-zoo presets (same machinery; the clip range only matters for the
 * clip-fraction statistic).
 */
export const dpoDriftPresets: Record<string, Partial<DpoDriftOptions>> = ppoPresets;

/**
 * PPO's training loop with the clipped surrogate replaced by the DPO drift objective `driftLoss(r, Â, dpoDrift(α, β))`
 * (value loss, entropy bonus, GAE, minibatching, Adam and gradient clipping unchanged; purejaxrl's DPO keeps the PPO
 * machinery the same way).
 */
export async function trainDpoDrift(config: TrainConfig, callbacks?: TrainCallbacks): Promise<TrainResult> {
  const { options } = resolveOptions('trainDpoDrift', config, dpoDriftDefaults, dpoDriftPresets);
  const drift = dpoDrift(options.alpha, options.beta);
  return runPpoFamily(
    config,
    options,
    {
      where: 'trainDpoDrift',
      policyTerm: (logRatio, advantages) => tf.tidy(() => driftLoss(tf.exp(logRatio), advantages, drift)),
    },
    callbacks,
  );
}
