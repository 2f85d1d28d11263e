/**
 * (N)-HARPG: (Normalized) Hessian-Aided Recursive Policy Gradient (Fatkhullin, Barakat, Kireeva, He; ICML 2023,
 * arXiv 2302.01734, Algorithm 2).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Params, checkNumber, foldIn, hvp, invalidOption, treeFlatten, treeUnflatten, uniformValues, valueAndGrad } from '@descent/core';
import { type Trajectory, assignFlat, batchWeights, flatNorm, flatToTree, gpomdpGradient, gpomdpSurrogate, logLikelihoodFn, sampleTrajectories, treeToFlat } from './gpomdp.js';
import { type PolicyGradientOptions, ascend, momentumAt, npgIgtDefaults, setupPolicyGradient, stepSizeAt } from './npg-igt.js';
import type { TrainablePolicy } from './trainable-policy.js';
import type { IterationStats, TrainCallbacks, TrainConfig, TrainResult } from './training.js';

/** (N)-HARPG defaults (environment presets override them). */
export const nHarpgDefaults: PolicyGradientOptions = {
  ...npgIgtDefaults,
  // STORM-style recursive momentum with η_t = 2/(t + 2)-like decay (exponent 1); see trainNHarpg.
  momentumExponent: 1,
};

/** Per-environment presets of {@link trainNHarpg} (measured in packages/rl/README.md). */
export const nHarpgPresets: Record<string, Partial<PolicyGradientOptions>> = {
  'CartPole-v1': { hidden: [32, 32], batchSize: 8, discount: 0.99, stepSize: 0.2, stepSizeExponent: 0.5, momentumExponent: 1, minMomentum: 0.2 },
  'Bandit-v0': { hidden: [8], batchSize: 8, discount: 1, stepSize: 0.2, stepSizeExponent: 0.25 },
};

/** The random point on the segment, `θ̂_t = q θ_t + (1 − q) θ_{t−1}` with q ∈ [0, 1]. */
export function harpgInterpolate(theta: Float32Array, thetaPrev: Float32Array, q: number): Float32Array {
  checkNumber('harpgInterpolate', 'q', q, { min: 0, max: 1 });
  if (theta.length !== thetaPrev.length) invalidOption('harpgInterpolate', 'thetaPrev.length', thetaPrev.length, `${theta.length}`);
  const out = new Float32Array(theta.length);
  for (let i = 0; i < theta.length; i++) out[i] = q * theta[i] + (1 - q) * thetaPrev[i];
  return out;
}

/**
 * The recursive (STORM-like) direction `d_t = (1 − η_t)(d_{t−1} + v_t) + η_t g_t`, where `v_t` estimates
 * ∇J(θ_t) − ∇J(θ_{t−1}) and `g_t` is a fresh gradient estimate at θ_t. Returns a new array.
 */
export function harpgDirection(d: Float32Array, v: Float32Array, g: Float32Array, eta: number): Float32Array {
  checkNumber('harpgDirection', 'eta', eta, { min: 0, max: 1 });
  if (v.length !== d.length || g.length !== d.length) invalidOption('harpgDirection', 'v.length', v.length, `${d.length}`);
  const out = new Float32Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = (1 - eta) * (d[i] + v[i]) + eta * g[i];
  return out;
}

/**
 * For ONE fixed trajectory τ with per-step log-likelihoods `logProbs(θ) = [log π_θ(a_h | s_h)]_h` and GPOMDP weights
 * `w`: the gradient estimate `g = ∇Φ(θ)` and the Hessian-estimate product
 *
 *   B(τ, θ)Δ = ∇Φ(τ, θ)·⟨∇log p(τ | θ), Δ⟩ + ∇²Φ(τ, θ)Δ,   Φ = Σ_h w_h log π_θ(a_h|s_h),  log p(τ|θ) = Σ_h log π_θ(a_h|s_h) + const
 *
 * (§5 of the paper; B is the derivative of the GPOMDP estimator's expectation, whose sampling distribution depends on θ:
 * ∇_θ E_τ~p(·|θ)[g(τ, θ)] = E[g ∇log pᵀ + ∇g]). The second term is an EXACT Hessian-vector product by double
 * backprop (core's `hvp`), no finite differences. `logProbs` must be twice differentiable (see gpomdp.ts). Returns
 * trees shaped like `params` that the caller disposes.
 */
export function trajectoryHessianVector<P extends Params>(
  logProbs: (params: P) => tf.Tensor1D,
  weights: tf.Tensor1D,
  params: P,
  delta: P,
): { gradient: P; bv: P } {
  const phi = (p: P) => gpomdpSurrogate(logProbs(p), weights);
  const logLik = (p: P) => tf.sum(logProbs(p)) as tf.Scalar;
  const g = valueAndGrad(phi)(params);
  const l = valueAndGrad(logLik)(params);
  const hv = hvp(phi, params, delta);
  const gLeaves = treeFlatten(g.grads).leaves as tf.Tensor[];
  const lLeaves = treeFlatten(l.grads).leaves as tf.Tensor[];
  const dLeaves = treeFlatten(delta).leaves as tf.Tensor[];
  const hLeaves = treeFlatten(hv).leaves as tf.Tensor[];
  const { treedef } = treeFlatten(params);
  const bvLeaves = tf.tidy(() => {
    let c = tf.scalar(0);
    for (let i = 0; i < lLeaves.length; i++) c = tf.add(c, tf.sum(tf.mul(lLeaves[i], dLeaves[i])));
    return gLeaves.map((gi, i) => tf.add(tf.mul(gi, c), hLeaves[i]));
  });
  tf.dispose([g.value, l.value, ...lLeaves, ...hLeaves]);
  return { gradient: g.grads, bv: treeUnflatten(treedef, bvLeaves) as P };
}

/**
 * The batch correction `v = (1/N) Σ_i B(τ̂_i, θ̂) Δ` at the policy's current parameters (θ̂) for `Δ = θ_t − θ_{t−1}`,
 * as a flat vector. Same value as averaging {@link trajectoryHessianVector} over the trajectories, computed with one
 * Hessian-vector product for the whole batch (∇²Φ is linear in the weights, so Σ_i ∇²Φ_i Δ = ∇²(Σ_i Φ_i) Δ); only
 * the products g_i·⟨∇log p(τ̂_i), Δ⟩ need per-trajectory gradients.
 */
export function harpgCorrection(policy: TrainablePolicy, trajectories: readonly Trajectory[], discount: number, delta: Float32Array): Float32Array {
  const params = policy.params as Params;
  const n = trajectories.length;
  const out = new Float32Array(delta.length);
  for (const tr of trajectories) {
    const ll = logLikelihoodFn(policy, [tr]);
    const w = tf.tensor1d(batchWeights([tr], discount, 1));
    try {
      const phi = valueAndGrad((p: Params) => gpomdpSurrogate(ll.fn(p), w))(params);
      const lik = valueAndGrad((p: Params) => tf.sum(ll.fn(p)) as tf.Scalar)(params);
      const g = treeToFlat(phi.grads);
      const l = treeToFlat(lik.grads);
      tf.dispose([phi.value, lik.value, ...(treeFlatten(phi.grads).leaves as tf.Tensor[]), ...(treeFlatten(lik.grads).leaves as tf.Tensor[])]);
      let c = 0;
      for (let i = 0; i < l.length; i++) c += l[i] * delta[i];
      for (let i = 0; i < out.length; i++) out[i] += (g[i] * c) / n;
    } finally {
      w.dispose();
      ll.dispose();
    }
  }
  const all = logLikelihoodFn(policy, trajectories);
  const w = tf.tensor1d(batchWeights(trajectories, discount, 1 / n));
  const deltaTree = flatToTree(delta, params);
  try {
    const hv = hvp((p: Params) => gpomdpSurrogate(all.fn(p), w), params, deltaTree);
    const h = treeToFlat(hv);
    tf.dispose(treeFlatten(hv).leaves as tf.Tensor[]);
    for (let i = 0; i < out.length; i++) out[i] += h[i];
  } finally {
    tf.dispose(treeFlatten(deltaTree).leaves as tf.Tensor[]);
    w.dispose();
    all.dispose();
  }
  return out;
}

/**
 * Trains a policy with (N)-HARPG (Algorithm 2 of Fatkhullin et al. 2023). t = 1: d_1 = g(τ_1, θ_1); then for t ≥ 2
 *
 *   q_t ~ U[0, 1],   θ̂_t = q_t θ_t + (1 − q_t) θ_{t−1}                     ({@link harpgInterpolate})
 *   τ_t ~ π_{θ_t},   τ̂_t ~ π_{θ̂_t}                                          (two batches per iteration)
 *   v_t = B(τ̂_t, θ̂_t)(θ_t − θ_{t−1})                                       ({@link trajectoryHessianVector}; unbiased
 *                                                                             for ∇J(θ_t) − ∇J(θ_{t−1}) since q_t is uniform)
 *   d_t = (1 − η_t)(d_{t−1} + v_t) + η_t g(τ_t, θ_t)                          ({@link harpgDirection})
 *   θ_{t+1} = θ_t + γ_t d_t/‖d_t‖   (N-HARPG, `normalized: true`)   or   θ_t + γ_t d_t   (HARPG)
 *
 * Schedules: η_t = max(η_min, t^(−p)) with p = 1 by default (the 2/(t+2)-type decay of STORM/SHARP-style recursive
 * momentum that the Õ(ε^−2) analysis uses) and γ_t = γ_0·t^(−q). As for N-PG-IGT, the paper's exact theorem
 * constants could not be retrieved from the public material available here (spec §13 item 1): the exponents are
 * options and the CartPole preset is tuned (packages/rl/README.md). Memory is O(d): θ_t, θ_{t−1}, d_t on the host.
 *
 * @throws DescentError for an unknown environment id or option, or an invalid option value.
 */
export async function trainNHarpg(config: TrainConfig, callbacks?: TrainCallbacks): Promise<TrainResult> {
  const where = 'trainNHarpg';
  const setup = await setupPolicyGradient(where, config, nHarpgDefaults, nHarpgPresets);
  const { policy, envs, options, runKey, horizon, totalSteps } = setup;
  const params = policy.params as Params;
  const t0 = Date.now();
  const history: IterationStats[] = [];
  let theta: Float32Array = treeToFlat(params);
  let thetaPrev: Float32Array = theta;
  let d: Float32Array = new Float32Array(theta.length);
  let steps = 0;
  for (let t = 1; steps < totalSteps; t++) {
    const eta = momentumAt(t, options.momentumExponent, options.minMomentum);
    const gammaT = stepSizeAt(t, options.stepSize, options.stepSizeExponent);
    const kt = foldIn(runKey, t);
    assignFlat(params, theta);
    const trajectories = sampleTrajectories(envs, policy, foldIn(kt, 0), horizon);
    const g = gpomdpGradient(policy, params, trajectories, options.discount);
    let iterSteps = trajectories.reduce((a, tr) => a + tr.length, 0);
    let correctionNorm = 0;
    if (t === 1) {
      d = g;
    } else {
      const q = uniformValues(foldIn(kt, 1), 1)[0];
      assignFlat(params, harpgInterpolate(theta, thetaPrev, q));
      const hat = sampleTrajectories(envs, policy, foldIn(kt, 2), horizon);
      iterSteps += hat.reduce((a, tr) => a + tr.length, 0);
      const delta = new Float32Array(theta.length);
      for (let i = 0; i < delta.length; i++) delta[i] = theta[i] - thetaPrev[i];
      const v = harpgCorrection(policy, hat, options.discount, delta);
      correctionNorm = flatNorm(v);
      d = harpgDirection(d, v, g, eta);
    }
    const next = ascend(theta, d, gammaT, options.normalized);
    thetaPrev = theta;
    theta = next;
    steps += iterSteps;
    const stats: IterationStats = {
      iteration: t,
      steps,
      meanReturn: trajectories.reduce((a, tr) => a + tr.totalReward, 0) / trajectories.length,
      episodes: trajectories.length,
      wallTimeMs: Date.now() - t0,
      gradNorm: flatNorm(g),
      correctionNorm,
      directionNorm: flatNorm(d),
      stepSize: gammaT,
      momentum: eta,
    };
    history.push(stats);
    if (callbacks?.onIteration?.(stats) === false) break;
  }
  assignFlat(params, theta);
  return { policy, history };
}
