/**
 * N-PG-IGT: Normalized Policy Gradient with Implicit Gradient Transport (Fatkhullin, Barakat, Kireeva, He; ICML 2023,
 * arXiv 2302.01734, Algorithm 1).
 *
 * @packageDocumentation
 */
import { checkBoolean, checkNumber, ensureGradients, foldIn, invalidOption, key as makeKey, split } from '@descent/core';
import type { Env } from './env.js';
import { assignFlat, flatNorm, gpomdpGradient, sampleTrajectories, treeToFlat } from './gpomdp.js';
import { makeEnv, makeSingleEnv } from './make-env.js';
import type { Activation } from './mlp.js';
import { createPolicyFor, resolveOptions } from './ppo.js';
import type { TrainablePolicy } from './trainable-policy.js';
import type { IterationStats, TrainCallbacks, TrainConfig, TrainResult } from './training.js';

/**
 * Options of {@link trainNpgIgt} (and, with `normalized`, of `trainNHarpg`). Schedules, with t = 1, 2, … the iteration:
 *
 *   step size      γ_t = stepSize · t^(−stepSizeExponent)
 *   momentum       η_t = max(minMomentum, t^(−momentumExponent))   (η_1 = 1, so d_1 = g_1)
 */
export interface PolicyGradientOptions {
  /** Hidden layer sizes of the MLP policy. */
  hidden: number[];
  activation: Activation;
  orthogonalInit: boolean;
  /** Initial log σ of a Gaussian policy (continuous actions). */
  logStdInit: number;
  /** Discount γ of the GPOMDP weights w_h = Σ_{t≥h} γ^t r_t. */
  discount: number;
  /** Trajectories per estimate (the paper samples ONE; a batch averages N of them). */
  batchSize: number;
  /** Truncation horizon H of each trajectory; 0 (the default) means the environment's time limit. */
  horizon: number;
  /** γ_0 > 0. */
  stepSize: number;
  /** q ≥ 0 in γ_t = γ_0·t^(−q). */
  stepSizeExponent: number;
  /** p ≥ 0 in η_t = max(η_min, t^(−p)). */
  momentumExponent: number;
  /** η_min ∈ (0, 1]. */
  minMomentum: number;
  /** Normalised steps θ ← θ + γ_t d/‖d‖ (N-PG-IGT, N-HARPG); false: θ ← θ + γ_t d (PG-IGT, HARPG). */
  normalized: boolean;
}

/** N-PG-IGT defaults (environment presets override them). */
export const npgIgtDefaults: PolicyGradientOptions = {
  hidden: [32, 32],
  activation: 'tanh',
  orthogonalInit: true,
  logStdInit: 0,
  discount: 0.99,
  batchSize: 1,
  horizon: 0,
  stepSize: 0.05,
  // The Õ(ε^−2.5) analysis decays η_t like t^(−4/5) (IGT, Cutkosky & Mehta 2020); see trainNpgIgt.
  stepSizeExponent: 0.5,
  momentumExponent: 0.8,
  minMomentum: 0.05,
  normalized: true,
};

/** Per-environment presets of {@link trainNpgIgt} (measured in packages/rl/README.md). */
export const npgIgtPresets: Record<string, Partial<PolicyGradientOptions>> = {
  'CartPole-v1': { hidden: [32, 32], batchSize: 8, discount: 0.99, stepSize: 0.2, stepSizeExponent: 0.5, momentumExponent: 0.8, minMomentum: 0.1 },
  'Bandit-v0': { hidden: [8], batchSize: 8, discount: 1, stepSize: 0.2, stepSizeExponent: 0.25 },
};

/** η_t = max(η_min, t^(−p)) (t ≥ 1). */
export function momentumAt(t: number, exponent: number, min: number): number {
  return Math.max(min, t ** -exponent);
}

/** γ_t = γ_0·t^(−q) (t ≥ 1). */
export function stepSizeAt(t: number, stepSize: number, exponent: number): number {
  return stepSize * t ** -exponent;
}

/**
 * The implicit-gradient-transport point `θ̃_t = θ_t + ((1 − η_t)/η_t)(θ_t − θ_{t−1})` at which N-PG-IGT evaluates its
 * one-trajectory gradient (Arnold et al. 2019; Cutkosky & Mehta 2020, NIGT; Algorithm 1 of Fatkhullin et al. 2023).
 * Why: under a constant Hessian the momentum average of gradients taken at these points equals the gradient at θ_t,
 * so the stale gradients in d_t are "transported" to the current iterate without any Hessian computation.
 */
export function igtExtrapolate(theta: Float32Array, thetaPrev: Float32Array, eta: number): Float32Array {
  checkNumber('igtExtrapolate', 'eta', eta, { greaterThan: 0, max: 1 });
  if (theta.length !== thetaPrev.length) invalidOption('igtExtrapolate', 'thetaPrev.length', thetaPrev.length, `${theta.length}`);
  const c = (1 - eta) / eta;
  const out = new Float32Array(theta.length);
  for (let i = 0; i < theta.length; i++) out[i] = theta[i] + c * (theta[i] - thetaPrev[i]);
  return out;
}

/**
 * One N-PG-IGT update from the gradient estimate `g` taken at θ̃_t:
 *
 *   d_t = (1 − η_t) d_{t−1} + η_t g,    θ_{t+1} = θ_t + γ_t d_t/‖d_t‖   (ascent on J; `normalized: false`: γ_t d_t).
 *
 * A zero direction leaves θ unchanged (no division by zero). Returns new arrays.
 */
export function npgIgtStep(
  state: { theta: Float32Array; d: Float32Array },
  g: Float32Array,
  eta: number,
  stepSize: number,
  normalized = true,
): { theta: Float32Array; d: Float32Array } {
  checkNumber('npgIgtStep', 'eta', eta, { min: 0, max: 1 });
  checkNumber('npgIgtStep', 'stepSize', stepSize, { min: 0 });
  const n = state.theta.length;
  if (state.d.length !== n || g.length !== n) invalidOption('npgIgtStep', 'g.length', g.length, `${n} (the parameter count)`);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = (1 - eta) * state.d[i] + eta * g[i];
  return { theta: ascend(state.theta, d, stepSize, normalized), d };
}

/** θ + γ d/‖d‖ (or θ + γ d); non-finite directions are refused so that NaN never enters θ. */
export function ascend(theta: Float32Array, d: Float32Array, stepSize: number, normalized: boolean): Float32Array {
  const norm = flatNorm(d);
  if (!Number.isFinite(norm)) invalidOption('policy-gradient step', 'direction', norm, 'a finite vector (the gradient estimate overflowed)');
  const scale = normalized ? (norm > 0 ? stepSize / norm : 0) : stepSize;
  const out = new Float32Array(theta.length);
  for (let i = 0; i < theta.length; i++) out[i] = theta[i] + scale * d[i];
  return out;
}

/** Validated options plus the objects a policy-gradient trainer needs (shared with n-harpg.ts). */
export interface PolicyGradientSetup {
  envId: string;
  seed: number;
  totalSteps: number;
  options: PolicyGradientOptions;
  policy: TrainablePolicy;
  envs: Env[];
  /** PRNG key of the run (sampling, interpolation points). */
  runKey: ReturnType<typeof makeKey>;
  horizon: number;
}

/** Resolves config + presets, validates, builds the policy and `batchSize` single environments. */
export async function setupPolicyGradient(
  where: string,
  config: TrainConfig,
  defaults: PolicyGradientOptions,
  presets: Record<string, Partial<PolicyGradientOptions>>,
): Promise<PolicyGradientSetup> {
  const { env, seed, totalSteps, options } = resolveOptions(where, config, defaults, presets);
  const probe = makeEnv(env, { numEnvs: 1, seed });
  checkNumber(where, 'discount', options.discount, { min: 0, max: 1 });
  checkNumber(where, 'batchSize', options.batchSize, { integer: true, min: 1, max: 1024 });
  checkNumber(where, 'horizon', options.horizon, { integer: true, min: 0 });
  checkNumber(where, 'stepSize', options.stepSize, { greaterThan: 0 });
  checkNumber(where, 'stepSizeExponent', options.stepSizeExponent, { min: 0 });
  checkNumber(where, 'momentumExponent', options.momentumExponent, { min: 0 });
  checkNumber(where, 'minMomentum', options.minMomentum, { greaterThan: 0, max: 1 });
  checkNumber(where, 'logStdInit', options.logStdInit);
  checkBoolean(where, 'normalized', options.normalized);
  checkBoolean(where, 'orthogonalInit', options.orthogonalInit);
  if (!Array.isArray(options.hidden) || options.hidden.some((h) => !Number.isInteger(h) || h < 1)) {
    invalidOption(where, 'hidden', options.hidden, 'an array of positive integers');
  }
  await ensureGradients();
  const [kInit, runKey] = split(makeKey(seed));
  const policy = createPolicyFor(probe, env, kInit, options);
  const envs = Array.from({ length: options.batchSize }, (_, i) => makeSingleEnv(env, seed * 4096 + i));
  const limit = probe.maxEpisodeSteps;
  const horizon = options.horizon > 0 ? options.horizon : Number.isFinite(limit) ? limit : 1000;
  return { envId: env, seed, totalSteps, options, policy, envs, runKey, horizon };
}

/**
 * Trains a policy with N-PG-IGT (Algorithm 1 of Fatkhullin et al. 2023): θ_0 = θ_1, d_0 = 0, and for t = 1, 2, …
 *
 *   θ̃_t = θ_t + ((1 − η_t)/η_t)(θ_t − θ_{t−1})            ({@link igtExtrapolate})
 *   τ_t ~ π_{θ̃_t}   (batchSize trajectories; the paper uses one)
 *   d_t = (1 − η_t) d_{t−1} + η_t g(τ_t, θ̃_t)                (GPOMDP estimate, gpomdp.ts)
 *   θ_{t+1} = θ_t + γ_t d_t/‖d_t‖                             ({@link npgIgtStep})
 *
 * No importance sampling, no second-order information, one trajectory (batch) per iteration. Schedules: see
 * {@link PolicyGradientOptions}. The paper's Õ(ε^−2.5) global rate uses a momentum weight decaying like t^(−4/5) and a
 * decaying step; the exact constants of its theorem could not be retrieved from the public material available here
 * (the spec marks them unverified), so the exponents are options and the presets are tuned on the task (a slower step
 * decay and a momentum floor, measured in packages/rl/README.md). Runs until `totalSteps` environment steps.
 *
 * @throws DescentError for an unknown environment id or option, or an invalid option value.
 */
export async function trainNpgIgt(config: TrainConfig, callbacks?: TrainCallbacks): Promise<TrainResult> {
  const where = 'trainNpgIgt';
  const setup = await setupPolicyGradient(where, config, npgIgtDefaults, npgIgtPresets);
  const { policy, envs, options, runKey, horizon, totalSteps } = setup;
  const t0 = Date.now();
  const history: IterationStats[] = [];
  let theta: Float32Array = treeToFlat(policy.params as never);
  let thetaPrev: Float32Array = theta;
  let d: Float32Array = new Float32Array(theta.length);
  let steps = 0;
  for (let t = 1; steps < totalSteps; t++) {
    const eta = momentumAt(t, options.momentumExponent, options.minMomentum);
    const gammaT = stepSizeAt(t, options.stepSize, options.stepSizeExponent);
    const point = t === 1 ? theta : igtExtrapolate(theta, thetaPrev, eta);
    assignFlat(policy.params as never, point);
    const trajectories = sampleTrajectories(envs, policy, foldIn(runKey, t), horizon);
    const g = gpomdpGradient(policy, policy.params as never, trajectories, options.discount);
    const next = npgIgtStep({ theta, d }, g, eta, gammaT, options.normalized);
    thetaPrev = theta;
    theta = next.theta;
    d = next.d;
    const iterSteps = trajectories.reduce((a, tr) => a + tr.length, 0);
    steps += iterSteps;
    const stats: IterationStats = {
      iteration: t,
      steps,
      meanReturn: trajectories.reduce((a, tr) => a + tr.totalReward, 0) / trajectories.length,
      episodes: trajectories.length,
      wallTimeMs: Date.now() - t0,
      gradNorm: flatNorm(g),
      directionNorm: flatNorm(d),
      stepSize: gammaT,
      momentum: eta,
    };
    history.push(stats);
    if (callbacks?.onIteration?.(stats) === false) break;
  }
  assignFlat(policy.params as never, theta);
  return { policy, history };
}
