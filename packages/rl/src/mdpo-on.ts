/**
 * On-policy MDPO (Mirror Descent Policy Optimization; Tomar, Shani, Efroni & Ghavamzadeh, ICLR 2022): its loss
 * {@link mdpoLoss}, the step-size schedule {@link mdpoStepSize}, the closed-form KL divergences it uses and the trainer
 * {@link trainMdpoOn}.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  DescentError,
  Optimizer,
  chain,
  checkBoolean,
  checkNumber,
  checkOneOf,
  ensureGradients,
  foldIn,
  invalidOption,
  key as makeKey,
  split,
  treeDispose,
} from '@descent/core';
import { adam, clipByGlobalNorm } from '@descent/optim';
import { makeEnv } from './make-env.js';
import type { Activation } from './mlp.js';
import { gatherRows, minibatchIndices } from './minibatches.js';
import { RunningMeanStd } from './normalize-observation.js';
import { createPolicyFor, resolveOptions, standardize } from './ppo.js';
import { RolloutBuffer, collectRollout, startRollout } from './rollout-buffer.js';
import type { IterationStats, TrainCallbacks, TrainConfig, TrainResult } from './training.js';
import { initValueNetwork, valueForward } from './value-network.js';

/**
 * KL(N(μ, diag σ²) ‖ N(μ_old, diag σ_old²)) per row, the closed form summed over the action dimensions:
 *
 * $$\mathrm{KL}(\pi\,\|\,\pi_{old}) = \sum_d \Big[\log\frac{\sigma_{old,d}}{\sigma_d}
 *   + \frac{\sigma_d^2 + (\mu_d - \mu_{old,d})^2}{2\sigma_{old,d}^2} - \tfrac12\Big].$$
 *
 * Inputs are [B × D] (log standard deviations may be [D] or [1 × D] and broadcast); the result is [B]. The caller owns it.
 * Reference: `DiagGaussianProbabilityDistribution.kl` of stable-baselines (used by the MDPO authors' code).
 */
export function diagonalGaussianKl(mean: tf.Tensor, logStd: tf.Tensor, oldMean: tf.Tensor, oldLogStd: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const varRatioTerm = tf.div(
      tf.add(tf.exp(tf.mul(logStd, 2)), tf.square(tf.sub(mean, oldMean))),
      tf.mul(tf.exp(tf.mul(oldLogStd, 2)), 2),
    );
    const perDim = tf.sub(tf.add(tf.sub(oldLogStd, logStd), varRatioTerm), 0.5);
    const full = tf.add(perDim, tf.zerosLike(mean)); // broadcast a shared log-std to [B × D]
    return tf.sum(full, -1) as tf.Tensor1D;
  });
}

/**
 * KL(π ‖ π_old) between categorical distributions given by logits [B × n], per row:
 * $\sum_a \pi(a)\,(\log\pi(a) - \log\pi_{old}(a))$ with log-probabilities from a log-softmax. Result [B], owned by the
 * caller. Reference: `CategoricalProbabilityDistribution.kl` of stable-baselines.
 */
export function categoricalKl(logits: tf.Tensor2D, oldLogits: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits);
    const logq = tf.logSoftmax(oldLogits);
    return tf.sum(tf.mul(tf.exp(logp), tf.sub(logp, logq)), -1) as tf.Tensor1D;
  });
}

/**
 * The MDPO step size of iteration k out of K, as the authors' code computes it:
 * $t_k = 1 - (k - 1)/K$ with k counted from 0 (`lr_now = 1.0 - (iters_so_far - 1.0) / n_updates` in
 * `mdpo_on/mdpo.py`), so $t_0 = 1 + 1/K$ and the KL weight $1/t_k$ grows from about 1 to about K. (The paper writes
 * $t_k = 1 - k/K$, "annealed from 1 to 0"; the code's off-by-one keeps $t_k > 0$ for every k < K + 1.)
 *
 * @param k - iteration index, an integer ≥ 0.
 * @param totalIterations - K ≥ 1, the number of MD iterations of the run.
 */
export function mdpoStepSize(k: number, totalIterations: number): number {
  checkNumber('mdpoStepSize', 'k', k, { integer: true, min: 0 });
  checkNumber('mdpoStepSize', 'totalIterations', totalIterations, { integer: true, min: 1 });
  if (k > totalIterations) invalidOption('mdpoStepSize', 'k', k, `an integer in [0, totalIterations = ${totalIterations}]`);
  return 1 - (k - 1) / totalIterations;
}

/** The tensors {@link mdpoLoss} reads; all [B] unless said otherwise. */
export interface MdpoLossInputs {
  /** log π_θ(a|s) of the taken actions (differentiable). */
  logProb: tf.Tensor;
  /** log π_θk(a|s) under the frozen policy of this iteration. */
  oldLogProb: tf.Tensor;
  /** Â, usually GAE advantages standardized over the batch. */
  advantages: tf.Tensor;
  /**
   * Per-state KL(π_θ(·|s) ‖ π_θk(·|s)) in closed form ({@link diagonalGaussianKl} / {@link categoricalKl}); required
   * when `tsallisQ` is 1 (the default), unused otherwise.
   */
  kl?: tf.Tensor;
}

/** Options of {@link mdpoLoss}. */
export interface MdpoLossOptions {
  /** t_k > 0, the mirror-descent step size; the KL is weighted by 1/t_k. See {@link mdpoStepSize}. */
  stepSize: number;
  /**
   * The authors' `tsallis_q`; 1 (default) uses the closed-form KL `kl`. Any other value replaces the KL by the
   * sample-based Tsallis divergence mean(log_q π_θ(a|s) − log_q π_θk(a|s)) with q = 2 − tsallisQ and
   * log_q(x) = (x^{1−q} − 1)/(1 − q), x clamped ≥ 1e-6.
   */
  tsallisQ?: number;
}

/**
 * The on-policy MDPO loss (negated surrogate gain of the authors' `"multistep-SGD"` method, `mdpo_on/mdpo.py`):
 *
 * $$L(\theta) = -\Big[\tfrac1B\sum_i r_i(\theta)\,\hat A_i - \tfrac{1}{t_k}\,\tfrac1B\sum_i
 *   \mathrm{KL}\big(\pi_\theta(\cdot|s_i)\,\|\,\pi_{\theta_k}(\cdot|s_i)\big)\Big],\qquad
 *   r_i(\theta) = \exp(\log\pi_\theta(a_i|s_i) - \log\pi_{\theta_k}(a_i|s_i)).$$
 *
 * The KL is KL(new ‖ old) — the reverse of PPO-penalty's direction — as in the code
 * (`kloldnew = policy_pi.proba_distribution.kl(old_policy.proba_distribution)`). With `tsallisQ ≠ 1` the KL term is
 * the Tsallis sample estimate described in {@link MdpoLossOptions.tsallisQ}. Returns a scalar the caller owns;
 * minimize it by m SGD steps per iteration (θ_k fixed).
 *
 * Reference: Tomar et al. (2022), "Mirror Descent Policy Optimization", eq. (9); manantomar/Mirror-Descent-Policy-
 * Optimization `mdpo_on/mdpo.py` (c9bd3ba).
 */
export function mdpoLoss(inputs: MdpoLossInputs, options: MdpoLossOptions): tf.Scalar {
  const where = 'mdpoLoss';
  const stepSize = checkNumber(where, 'stepSize', options.stepSize, { greaterThan: 0 });
  const tsallisQ = checkNumber(where, 'tsallisQ', options.tsallisQ ?? 1);
  if (tsallisQ === 1 && inputs.kl === undefined) invalidOption(where, 'kl', undefined, 'a tensor of per-state KL(π‖π_old) when tsallisQ is 1');
  return tf.tidy(() => {
    const ratio = tf.exp(tf.sub(inputs.logProb, inputs.oldLogProb));
    const gain = tf.mean(tf.mul(ratio, inputs.advantages));
    let meanKl: tf.Tensor;
    if (tsallisQ === 1) {
      meanKl = tf.mean(inputs.kl as tf.Tensor);
    } else {
      const q = 2 - tsallisQ;
      const logQ = (logp: tf.Tensor): tf.Tensor =>
        tf.div(tf.sub(tf.pow(tf.maximum(tf.exp(logp), 1e-6), 1 - q), 1), 1 - q);
      meanKl = tf.mean(tf.sub(logQ(inputs.logProb), logQ(inputs.oldLogProb)));
    }
    return tf.neg(tf.sub(gain, tf.div(meanKl, stepSize))) as tf.Scalar;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The trainer

/** Hyper-parameters of {@link trainMdpoOn}; defaults as the authors' `mdpo_on/run_mujoco.py`. */
export interface MdpoOnOptions {
  /** Parallel sub-environments. Default 1. */
  numEnvs: number;
  /** Steps per sub-environment per iteration (`timesteps_per_batch` = numSteps × numEnvs). Default 2048. */
  numSteps: number;
  /** m, full-batch Adam steps on the MDPO loss per iteration (`sgd_steps`). Default 10 (README example). */
  sgdSteps: number;
  /** Adam step size of the policy (`outer_learning_rate`). Default 3e-4. */
  learningRate: number;
  /** Adam ε. Default 1e-5. */
  adamEps: number;
  /** Global gradient-norm clip of the policy step. Default 0.5. */
  maxGradNorm: number;
  gamma: number;
  /** GAE λ. Default 0.95 (run_mujoco.py). */
  gaeLambda: number;
  /** Tsallis entropic index (`tsallis_q`); 1 uses the closed-form KL. Default 1. */
  tsallisQ: number;
  /** Value-function epochs per iteration (`vf_iters`). Default 5. */
  vfIters: number;
  /** Value minibatch size. Default 128. */
  vfBatchSize: number;
  /** Value Adam step size. Default 3e-4. */
  vfLearningRate: number;
  /** PPO2-style value clip range. Default 0.2. */
  vfClipRange: number;
  /** Running observation normalisation (the authors wrap the env in `VecNormalize`). Default false. */
  normalizeObservations: boolean;
  hidden: number[];
  activation: Activation;
  orthogonalInit: boolean;
  logStdInit: number;
}

/** `mdpo_on/run_mujoco.py` (c9bd3ba) values; SB2 `MlpPolicy` is 64-64 tanh. */
export const mdpoOnDefaults: MdpoOnOptions = {
  numEnvs: 1,
  numSteps: 2048,
  sgdSteps: 10,
  learningRate: 3e-4,
  adamEps: 1e-5,
  maxGradNorm: 0.5,
  gamma: 0.99,
  gaeLambda: 0.95,
  tsallisQ: 1,
  vfIters: 5,
  vfBatchSize: 128,
  vfLearningRate: 3e-4,
  vfClipRange: 0.2,
  normalizeObservations: false,
  hidden: [64, 64],
  activation: 'tanh',
  orthogonalInit: true,
  logStdInit: 0,
};

/**
 * Per-environment presets. The authors tuned MDPO on MuJoCo only; these classic-control presets are this package's
 * (chosen, not copied): CartPole-v1 takes rl-zoo PPO's discount and GAE λ (γ 0.98, λ 0.8) with 8 × 64-step batches
 * and Adam 1e-3; Acrobot-v1 takes rl-zoo PPO's (normalised observations, 16 × 256 steps, γ 0.99, λ 0.94).
 */
export const mdpoOnPresets: Record<string, Partial<MdpoOnOptions>> = {
  'CartPole-v1': { numEnvs: 8, numSteps: 64, sgdSteps: 10, learningRate: 1e-3, vfLearningRate: 1e-3, gamma: 0.98, gaeLambda: 0.8 },
  'Acrobot-v1': { normalizeObservations: true, numEnvs: 16, numSteps: 256, sgdSteps: 10, learningRate: 1e-3, vfLearningRate: 1e-3, gamma: 0.99, gaeLambda: 0.94 },
  'Bandit-v0': { numEnvs: 8, numSteps: 16, sgdSteps: 5, learningRate: 3e-3, vfLearningRate: 3e-3, hidden: [16] },
};

function checkMdpoOnOptions(where: string, o: MdpoOnOptions): void {
  checkNumber(where, 'numEnvs', o.numEnvs, { integer: true, min: 1, max: 4096 });
  checkNumber(where, 'numSteps', o.numSteps, { integer: true, min: 1 });
  checkNumber(where, 'sgdSteps', o.sgdSteps, { integer: true, min: 1 });
  checkNumber(where, 'learningRate', o.learningRate, { greaterThan: 0 });
  checkNumber(where, 'adamEps', o.adamEps, { min: 0 });
  checkNumber(where, 'maxGradNorm', o.maxGradNorm, { greaterThan: 0 });
  checkNumber(where, 'gamma', o.gamma, { min: 0, max: 1 });
  checkNumber(where, 'gaeLambda', o.gaeLambda, { min: 0, max: 1 });
  checkNumber(where, 'tsallisQ', o.tsallisQ, { greaterThan: 0 });
  checkNumber(where, 'vfIters', o.vfIters, { integer: true, min: 0 });
  checkNumber(where, 'vfBatchSize', o.vfBatchSize, { integer: true, min: 1 });
  checkNumber(where, 'vfLearningRate', o.vfLearningRate, { greaterThan: 0 });
  checkNumber(where, 'vfClipRange', o.vfClipRange, { greaterThan: 0 });
  checkBoolean(where, 'normalizeObservations', o.normalizeObservations);
  checkBoolean(where, 'orthogonalInit', o.orthogonalInit);
  checkNumber(where, 'logStdInit', o.logStdInit);
  checkOneOf(where, 'activation', o.activation, ['tanh', 'relu'] as const);
  if (!Array.isArray(o.hidden) || o.hidden.length === 0) invalidOption(where, 'hidden', o.hidden, 'a non-empty array of layer widths');
  o.hidden.forEach((h, i) => checkNumber(where, `hidden[${i}]`, h, { integer: true, min: 1 }));
}

/**
 * On-policy MDPO (spec rl.md §1.1; the authors' `"multistep-SGD"` method). With K = ⌈totalSteps / (numSteps·numEnvs)⌉:
 *
 * ```
 * for k = 0 … K−1:
 *   D ← rollout(π_θk); Â ← GAE(γ, λ) standardised over the batch; t_k = 1 − (k − 1)/K   (mdpoStepSize)
 *   m = sgdSteps times, full batch: θ ← Adam step (global-norm clip) on mdpoLoss = −[mean(r_θ Â) − mean_s KL(π_θ‖π_θk)/t_k]
 *   vfIters epochs × minibatches of vfBatchSize: V ← Adam step on mean(max((V − R)², (V_old + clip(V − V_old, ±ε_v) − R)²))
 *   θ_k+1 ← θ
 * ```
 *
 * Categorical (discrete actions) or diagonal-Gaussian policies (state-independent log σ, SB2 `MlpPolicy`), closed-form
 * KL of {@link TrainablePolicy.kl} (or the Tsallis sample estimate for `tsallisQ ≠ 1`); entropy coefficient 0 as the
 * authors'. Deviation: truncated episodes bootstrap from V(final observation) (SB3 semantics; SB2 treated the time
 * limit as terminal). Records one {@link IterationStats} per iteration with `policyLoss`, `valueLoss`, `kl`
 * (mean KL(π_θ‖π_θk) after the m steps), `entropy` and `stepSize` (t_k).
 *
 * Reference: Tomar et al. (2022), "Mirror Descent Policy Optimization", Algorithm 1; manantomar/Mirror-Descent-Policy-
 * Optimization `mdpo_on/mdpo.py`, `run_mujoco.py` (c9bd3ba).
 */
export async function trainMdpoOn(config: TrainConfig, callbacks: TrainCallbacks = {}): Promise<TrainResult> {
  const where = 'trainMdpoOn';
  const { env: envId, seed, totalSteps, options: o } = resolveOptions(where, config, mdpoOnDefaults, mdpoOnPresets);
  checkMdpoOnOptions(where, o);
  if (!(await ensureGradients())) throw new DescentError('unsupported', `${where}: tfjs gradients are not registered (install @tensorflow/tfjs-layers)`, {});
  const env = makeEnv(envId, { numEnvs: o.numEnvs, seed });
  const [policyKey, valueKey, rolloutKey, batchKey] = split(makeKey(seed), 4);
  const policy = createPolicyFor(env, envId, policyKey!, o);
  const valueParams = initValueNetwork(valueKey!, policy.observationDim, { hidden: o.hidden, orthogonalInit: o.orthogonalInit });
  const piOpt = new Optimizer(chain(clipByGlobalNorm(o.maxGradNorm), adam({ learningRate: o.learningRate, eps: o.adamEps })), policy.params as never);
  const vfOpt = new Optimizer(adam({ learningRate: o.vfLearningRate, eps: o.adamEps }), valueParams as never);
  const discrete = env.actionSpace.kind === 'discrete';
  const actionWidth = discrete ? 1 : policy.actionDim;
  const D = policy.observationDim;
  const buffer = new RolloutBuffer({ numSteps: o.numSteps, numEnvs: o.numEnvs, observationDim: D, actionWidth, discrete });
  const state = startRollout(env, seed);
  const obsRms = o.normalizeObservations ? new RunningMeanStd(D) : undefined;
  const refreshNormalization = (raw: Float32Array): void => {
    if (!obsRms) return;
    obsRms.update(raw, raw.length / D);
    policy.observationNormalization = { mean: Float32Array.from(obsRms.mean), variance: Float32Array.from(obsRms.var), clip: 10, epsilon: 1e-8 };
  };
  refreshNormalization(state.observations);
  const K = Math.max(1, Math.ceil(totalSteps / (o.numSteps * o.numEnvs)));
  const history: IterationStats[] = [];
  const start = Date.now();
  try {
    for (let k = 0; k < K; k++) {
      const episodes = collectRollout(state, policy, valueParams, buffer, foldIn(rolloutKey!, k), {
        valueActivation: o.activation,
        onObservations: obsRms ? refreshNormalization : undefined,
      });
      buffer.computeAdvantages(o.gamma, o.gaeLambda);
      const n = buffer.size;
      const stepSize = mdpoStepSize(k, K);
      const obs = tf.tensor2d(buffer.observations, [n, D]);
      const actions = policy.actionsTensor(buffer.actions, n);
      const oldLogProb = tf.tensor1d(buffer.logProbs);
      const advantages = tf.tidy(() => standardize(tf.tensor1d(buffer.advantages)));
      // π_θk's distribution on the batch, a constant during the m steps.
      const oldDist = policy.distribution(policy.params, obs);
      let policyLoss = 0;
      for (let i = 0; i < o.sgdSteps; i++) {
        policyLoss = piOpt.minimize(() => {
          const logProb = policy.logProb(policy.params, obs, actions);
          const kl = o.tsallisQ === 1 ? policy.kl(policy.distribution(policy.params, obs), oldDist) : undefined;
          return mdpoLoss({ logProb, oldLogProb, advantages, kl }, { stepSize, tsallisQ: o.tsallisQ });
        });
      }
      const [kl, entropy] = tf.tidy(() => [
        tf.mean(policy.kl(policy.distribution(policy.params, obs), oldDist)).dataSync()[0] as number,
        tf.mean(policy.entropy(policy.params, obs)).dataSync()[0] as number,
      ]);
      tf.dispose([obs, actions, oldLogProb, advantages, ...Object.values(oldDist)]);
      let valueLoss = 0;
      let vfUpdates = 0;
      for (let epoch = 0; epoch < o.vfIters; epoch++) {
        for (const idx of minibatchIndices(foldIn(foldIn(batchKey!, k), epoch), n, Math.min(o.vfBatchSize, n))) {
          const m = idx.length;
          const bObs = tf.tensor2d(gatherRows(buffer.observations, D, idx), [m, D]);
          const bRet = tf.tensor1d(gatherRows(buffer.returns, 1, idx));
          const bOld = tf.tensor1d(gatherRows(buffer.values, 1, idx));
          valueLoss += vfOpt.minimize(() => {
            const v = valueForward(valueParams, bObs, o.activation);
            const clipped = tf.add(bOld, tf.clipByValue(tf.sub(v, bOld), -o.vfClipRange, o.vfClipRange));
            return tf.mean(tf.maximum(tf.square(tf.sub(v, bRet)), tf.square(tf.sub(clipped, bRet)))) as tf.Scalar;
          });
          vfUpdates += 1;
          tf.dispose([bObs, bRet, bOld]);
        }
      }
      const finished = episodes.episodeReturns;
      const stats: IterationStats = {
        iteration: k,
        steps: state.steps,
        meanReturn: finished.length ? finished.reduce((a, b) => a + b, 0) / finished.length : NaN,
        episodes: finished.length,
        wallTimeMs: Date.now() - start,
        policyLoss,
        valueLoss: vfUpdates ? valueLoss / vfUpdates : NaN,
        entropy,
        kl,
        stepSize,
      };
      history.push(stats);
      if (callbacks.onIteration?.(stats) === false) break;
    }
  } catch (e) {
    policy.dispose();
    throw e;
  } finally {
    piOpt.dispose();
    vfOpt.dispose();
    treeDispose(valueParams);
  }
  return { policy, history };
}
