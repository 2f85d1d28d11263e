/**
 * SAC — Soft Actor-Critic (Haarnoja et al. 2018, "Soft Actor-Critic Algorithms and Applications" 2019): twin Q
 * critics with Polyak-averaged targets, a tanh-squashed Gaussian actor and automatic entropy tuning. The losses are
 * exported on their own ({@link sacCriticTarget}, {@link sacCriticLoss}, {@link sacActorLoss},
 * {@link sacTemperatureLoss}); {@link trainSac} runs the algorithm.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  type Key,
  Optimizer,
  checkBoolean,
  checkNumber,
  ensureGradients,
  foldIn,
  invalidOption,
  key as prngKey,
  normalValues,
  split,
  uniformValues,
} from '@descent/core';
import { adam } from '@descent/optim';
import type { BoxSpace, VectorEnv } from './env.js';
import { EpisodeStatistics } from './episode-statistics.js';
import { GaussianPolicy } from './gaussian-policy.js';
import { GsdePolicy } from './gsde-policy.js';
import { makeEnv } from './make-env.js';
import { type MlpParams, initMlp, mlpForward } from './mlp.js';
import { resolveOptions } from './ppo.js';
import { ReplayBuffer } from './replay-buffer.js';
import type { IterationStats, TrainCallbacks, TrainConfig, TrainResult } from './training.js';

/** Inputs of {@link sacCriticTarget}; all [B]. */
export interface SacCriticTargetInputs {
  rewards: tf.Tensor;
  /** 1 for terminal transitions (no bootstrap), 0 otherwise (truncation bootstraps). */
  dones: tf.Tensor;
  /** Q̄₁(s', a'), Q̄₂(s', a') from the target critics, a' ~ π(·|s'). */
  nextQ1: tf.Tensor;
  nextQ2: tf.Tensor;
  /** log π(a'|s'). */
  nextLogProb: tf.Tensor;
}

/**
 * The soft Bellman target of both critics (clipped double Q):
 *
 * $$y = r + \gamma\,(1 - d)\,\big(\min(\bar Q_1(s',a'), \bar Q_2(s',a')) - \alpha\log\pi(a'|s')\big),\quad a'\sim\pi(\cdot|s').$$
 *
 * Returns [B], owned by the caller; treat it as a constant (it is built from target networks).
 * Reference: Haarnoja et al. (2019) eq. (3) with Fujimoto et al.'s clipped double-Q; SB3 `SAC.train`; CleanRL
 * `sac_continuous_action.py`.
 */
export function sacCriticTarget(inputs: SacCriticTargetInputs, options: { alpha: number; gamma: number }): tf.Tensor1D {
  const alpha = checkNumber('sacCriticTarget', 'alpha', options.alpha, { min: 0 });
  const gamma = checkNumber('sacCriticTarget', 'gamma', options.gamma, { min: 0, max: 1 });
  return tf.tidy(() => {
    const soft = tf.sub(tf.minimum(inputs.nextQ1, inputs.nextQ2), tf.mul(inputs.nextLogProb, alpha));
    return tf.add(inputs.rewards, tf.mul(tf.mul(tf.sub(1, inputs.dones), gamma), soft)) as tf.Tensor1D;
  });
}

/**
 * The twin-critic loss, SB3's scaling:
 * $$L_Q = \tfrac12\big[\mathrm{mean}((Q_1(s,a) - y)^2) + \mathrm{mean}((Q_2(s,a) - y)^2)\big].$$
 * `target` must not depend on the differentiated critic parameters (compute it outside the gradient function: tfjs
 * has no stop-gradient). (CleanRL omits the ½; with Adam only the effective step of the first iterations differs.) Scalar, owned by the caller.
 * Reference: SB3 `SAC.train` (`critic_loss = 0.5 * sum(F.mse_loss(current_q, target_q_values) ...)`).
 */
export function sacCriticLoss(q1: tf.Tensor, q2: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    return tf.mul(tf.add(tf.mean(tf.squaredDifference(q1, target)), tf.mean(tf.squaredDifference(q2, target))), 0.5) as tf.Scalar;
  });
}

/**
 * The actor loss with reparameterized actions ã = tanh(μ + σ ε):
 * $$L_\pi = \mathrm{mean}\big(\alpha\log\pi(\tilde a|s) - \min(Q_1(s,\tilde a), Q_2(s,\tilde a))\big).$$
 * Scalar, owned by the caller. Reference: Haarnoja et al. (2019) eq. (7); SB3 `SAC.train` (min over both critics).
 */
export function sacActorLoss(logProb: tf.Tensor, q1: tf.Tensor, q2: tf.Tensor, alpha: number): tf.Scalar {
  checkNumber('sacActorLoss', 'alpha', alpha, { min: 0 });
  return tf.tidy(() => tf.mean(tf.sub(tf.mul(logProb, alpha), tf.minimum(q1, q2))) as tf.Scalar);
}

/**
 * The temperature loss of automatic entropy tuning, on log α (SB3's parameterization):
 * $$L(\log\alpha) = -\,\mathrm{mean}\big(\log\alpha\cdot(\log\pi(\tilde a|s) + \bar{\mathcal H})\big),\qquad \bar{\mathcal H} = -|\mathcal A|,$$
 * with log π a constant (pass a tensor that does not depend on the differentiated parameters — tfjs has no
 * stop-gradient; differentiate with respect to log α only). Its gradient −mean(log π + H̄) raises α when the policy's entropy −E[log π] is
 * below the target and lowers it above. Scalar, owned by the caller.
 * Reference: Haarnoja et al. (2019) eq. (18); SB3 `SAC.train` (`ent_coef_loss = -(log_ent_coef * (log_prob +
 * target_entropy).detach()).mean()`).
 */
export function sacTemperatureLoss(logAlpha: tf.Tensor, logProb: tf.Tensor, targetEntropy: number): tf.Scalar {
  checkNumber('sacTemperatureLoss', 'targetEntropy', targetEntropy);
  return tf.tidy(() => tf.neg(tf.mean(tf.mul(logAlpha, tf.add(logProb, targetEntropy)))) as tf.Scalar);
}


// ---------------------------------------------------------------------------------------------------------------
// Twin critic: two independent ReLU MLPs (s, a) ↦ Q. (Stacking them into one batched matmul per layer was measured
// slower on the tfjs CPU backend: adding the [2 × 1 × out] bias takes the backend's per-element broadcasting path.)

/** The twin critic's parameters: Q₁ and Q₂ networks. */
export type TwinCriticParams = [MlpParams<tf.Variable>, MlpParams<tf.Variable>];

/**
 * Two independently initialised ReLU MLPs (s, a) ↦ Q with torch's `nn.Linear` initialisation (U(±1/√fan_in)), as
 * SB3's and CleanRL's SAC critics.
 */
export function initTwinCritic(k: Key, inputDim: number, hidden: number[]): TwinCriticParams {
  const [k1, k2] = split(k, 2) as [Key, Key];
  return [initMlp(k1, inputDim, 1, { hidden, orthogonalInit: false }), initMlp(k2, inputDim, 1, { hidden, orthogonalInit: false })];
}

/** Q₁(s, a) and Q₂(s, a), each [B], for observations [B × obsDim] and actions [B × actDim]. Differentiable. */
export function twinQ(critic: TwinCriticParams, observations: tf.Tensor, actions: tf.Tensor): [tf.Tensor1D, tf.Tensor1D] {
  return tf.tidy(() => {
    const x = tf.concat([observations, actions], -1);
    return [tf.squeeze(mlpForward(critic[0], x, 'relu'), [1]) as tf.Tensor1D, tf.squeeze(mlpForward(critic[1], x, 'relu'), [1]) as tf.Tensor1D];
  });
}

/** Variables of MLPs, in order (w₀, b₀, w₁, b₁, … of each network). */
export function layerVariables(...nets: MlpParams<tf.Variable>[]): tf.Variable[] {
  return nets.flatMap((layers) => layers.flatMap((l) => [l.w, l.b]));
}

/** A non-trainable copy of an MLP (target networks, frozen old policies). */
export function cloneMlp(layers: MlpParams<tf.Variable>): MlpParams<tf.Variable> {
  return layers.map((l) => ({ w: tf.variable(l.w, false), b: tf.variable(l.b, false) }));
}

/** θ̄ ← (1 − τ) θ̄ + τ θ, leaf by leaf (SB3 `polyak_update`; τ = 1 is a hard copy). */
export function polyakUpdate(source: tf.Variable[], target: tf.Variable[], tau: number): void {
  tf.tidy(() => {
    target.forEach((v, i) => {
      const s = source[i] as tf.Tensor;
      v.assign(tau === 1 ? s : tf.add(tf.mul(v, 1 - tau), tf.mul(s, tau)));
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The trainer.

/** SAC hyper-parameters; names and defaults as SB3's `SAC` (camelCase). */
export interface SacOptions {
  /** Adam learning rate of actor, critics and temperature. SB3 default 3e-4. */
  learningRate: number;
  /** Replay capacity. Default 1e6. */
  bufferSize: number;
  /** Environment steps with uniformly random actions before learning starts. Default 100. */
  learningStarts: number;
  /** Minibatch size. Default 256. */
  batchSize: number;
  /** Polyak coefficient of the target critics. Default 0.005. */
  tau: number;
  /** Discount. Default 0.99. */
  gamma: number;
  /** Update every `trainFreq` vector-env steps… Default 1. */
  trainFreq: number;
  /** …with this many gradient steps. Default 1 (one gradient step per environment step). */
  gradientSteps: number;
  /** 'auto' learns α by {@link sacTemperatureLoss}; a number fixes α. Default 'auto'. */
  entCoef: 'auto' | number;
  /** Initial α when `entCoef` is 'auto'. SB3 default 1.0. */
  entCoefInit: number;
  /** Target entropy H̄; 'auto' is −|A|. */
  targetEntropy: 'auto' | number;
  /** Hidden layer widths of the actor and each critic (ReLU). SB3 default [256, 256]. */
  hiddenSizes: number[];
  /** Bounds of the actor's state-dependent log σ, squashed by tanh into [lo, hi] (CleanRL: [−5, 2]). */
  logStdBounds: [number, number];
  /**
   * Generalized state-dependent exploration ({@link GsdePolicy}, SB3 `use_sde`): exploration noise z(s)·(σ⊙E) with a
   * noise matrix E per sub-environment, resampled at the start of every collection of `trainFreq` steps and every
   * `sdeSampleFreq` steps; each gradient step draws one fresh matrix for the whole batch. Default false.
   */
  useSde: boolean;
  /** With gSDE, resample the exploration matrices every this many steps; −1: only at the start of each collection. Default −1. */
  sdeSampleFreq: number;
  /** With gSDE, the initial log σ_ij. Default −3 (SB3). */
  logStdInit: number;
  /** With gSDE, μ is clipped to ±clipMean before the tanh; 0 disables. Default 2 (SB3). */
  clipMean: number;
  /** Parallel environments (one replay row each per step). Default 1. */
  numEnvs: number;
  /** Environment steps between two learning-curve records. Default 1000. */
  logInterval: number;
}

/** SB3's `SAC` defaults (`stable_baselines3/sac/sac.py`, e05d2db), with CleanRL's log-σ bounds. */
export const sacDefaults: Readonly<SacOptions> = {
  learningRate: 3e-4,
  bufferSize: 1_000_000,
  learningStarts: 100,
  batchSize: 256,
  tau: 0.005,
  gamma: 0.99,
  trainFreq: 1,
  gradientSteps: 1,
  entCoef: 'auto',
  entCoefInit: 1,
  targetEntropy: 'auto',
  hiddenSizes: [256, 256],
  logStdBounds: [-5, 2],
  useSde: false,
  sdeSampleFreq: -1,
  logStdInit: -3,
  clipMean: 2,
  numEnvs: 1,
  logInterval: 1000,
};

/**
 * Per-environment presets (rl-baselines3-zoo `hyperparams/sac.yml`, 22e3ff2):
 * - Pendulum-v1: learning rate 1e-3, else SB3 defaults (zoo: −157 ± 89 at 2e4 steps). Deviations for the CPU budget:
 *   hidden [64, 64] instead of [256, 256] and batch 64 instead of 256 — one gradient step per environment step at
 *   256 units and batch 256 costs ≈ 0.1 s of one idle core on the tfjs CPU backend (compute-bound in matmul), and the
 *   2-core CI machine is shared.
 * - MountainCarContinuous-v0: lr 3e-4, buffer 5e4, α fixed at 0.1, train every 32 steps with 32 gradient steps,
 *   γ 0.9999, τ 0.01, learning from step 0, hidden [64, 64], gSDE with log σ₀ = −3.67 (zoo: 94.7 ± 1.1 at 5e4 steps).
 *   gSDE's temporally-correlated noise finds the goal within ≈ 4,000 steps here (accept/results/sac-mcc-s*.json).
 *   Deviation for the CPU budget: batch 128 instead of the zoo's 512 (a gradient step at 512 costs ≈ 80 ms of one idle
 *   core here, 61% of it in the tfjs CPU matmul, so 5e4 of them would take 70 min; at 128 ≈ 21 ms).
 */
export const sacPresets: Record<string, Partial<SacOptions>> = {
  'Pendulum-v1': { learningRate: 1e-3, hiddenSizes: [64, 64], batchSize: 64 },
  'MountainCarContinuous-v0': {
    learningRate: 3e-4,
    bufferSize: 50_000,
    batchSize: 128,
    entCoef: 0.1,
    trainFreq: 32,
    gradientSteps: 32,
    gamma: 0.9999,
    tau: 0.01,
    learningStarts: 0,
    hiddenSizes: [64, 64],
    useSde: true,
    logStdInit: -3.67,
  },
};

/** Validates a resolved option set up front (nothing half-applied). */
function checkSacOptions(where: string, o: SacOptions): SacOptions {
  checkNumber(where, 'learningRate', o.learningRate, { greaterThan: 0 });
  checkNumber(where, 'bufferSize', o.bufferSize, { integer: true, min: 1 });
  checkNumber(where, 'learningStarts', o.learningStarts, { integer: true, min: 0 });
  checkNumber(where, 'batchSize', o.batchSize, { integer: true, min: 1 });
  checkNumber(where, 'tau', o.tau, { greaterThan: 0, max: 1 });
  checkNumber(where, 'gamma', o.gamma, { min: 0, max: 1 });
  checkNumber(where, 'trainFreq', o.trainFreq, { integer: true, min: 1 });
  checkNumber(where, 'gradientSteps', o.gradientSteps, { integer: true, min: 0 });
  if (o.entCoef !== 'auto') checkNumber(where, 'entCoef', o.entCoef, { min: 0 });
  checkNumber(where, 'entCoefInit', o.entCoefInit, { greaterThan: 0 });
  if (o.targetEntropy !== 'auto') checkNumber(where, 'targetEntropy', o.targetEntropy);
  checkHidden(where, o.hiddenSizes);
  if (!Array.isArray(o.logStdBounds) || o.logStdBounds.length !== 2 || !(o.logStdBounds[0] < o.logStdBounds[1])) {
    invalidOption(where, 'logStdBounds', o.logStdBounds, 'a pair [lo, hi] of numbers with lo < hi');
  }
  checkBoolean(where, 'useSde', o.useSde);
  if (o.sdeSampleFreq !== -1) checkNumber(where, 'sdeSampleFreq', o.sdeSampleFreq, { integer: true, min: 1 });
  checkNumber(where, 'logStdInit', o.logStdInit);
  checkNumber(where, 'clipMean', o.clipMean, { min: 0 });
  checkNumber(where, 'numEnvs', o.numEnvs, { integer: true, min: 1 });
  checkNumber(where, 'logInterval', o.logInterval, { integer: true, min: 1 });
  return o;
}

/** Hidden widths: a non-empty array of positive integers. */
export function checkHidden(where: string, hidden: unknown): void {
  if (!Array.isArray(hidden) || hidden.length === 0) invalidOption(where, 'hiddenSizes', hidden, 'a non-empty array of layer widths');
  hidden.forEach((h, i) => checkNumber(where, `hiddenSizes[${i}]`, h, { integer: true, min: 1 }));
}

/**
 * The SAC-style actor shared by SAC and off-policy MDPO: a tanh-squashed diagonal Gaussian whose mean and log σ come
 * from one ReLU MLP (state-dependent σ, log σ clipped to `logStdBounds`), default (non-orthogonal) init, as SB3's
 * `SACPolicy` / CleanRL's `sac_continuous_action.py` Actor.
 */
export function squashedGaussianActor(
  k: Key,
  envId: string,
  observationDim: number,
  box: BoxSpace,
  hidden: number[],
  logStdBounds: [number, number],
): GaussianPolicy {
  return GaussianPolicy.create(k, {
    envId,
    observationDim,
    actionDim: box.low.length,
    actionLow: box.low,
    actionHigh: box.high,
    hidden,
    activation: 'relu',
    orthogonalInit: false,
    stateDependentStd: true,
    logStdBounds,
    squash: true,
  });
}

/** A continuous action space with finite bounds, or a DescentError naming the environment. */
export function finiteBox(where: string, env: VectorEnv): BoxSpace {
  const space = env.actionSpace;
  if (space.kind !== 'box') invalidOption(where, 'env', env.id, 'an environment with a continuous (box) action space');
  for (let i = 0; i < space.low.length; i++) {
    if (!Number.isFinite(space.low[i]) || !Number.isFinite(space.high[i])) invalidOption(where, 'env', env.id, 'finite action bounds');
  }
  return space;
}

/** Mean (NaN when empty) and count of finished-episode returns. */
export function summarizeEpisodes(returns: number[]): { meanReturn: number; episodes: number } {
  return { meanReturn: returns.length === 0 ? NaN : returns.reduce((a, b) => a + b, 0) / returns.length, episodes: returns.length };
}

/** s' for the replay buffer: the final observation of sub-environments that finished, else the next observation. */
export function replayNextObservations(next: Float32Array, finals: (Float32Array | undefined)[], observationDim: number): Float32Array {
  if (finals.every((f) => f === undefined)) return next;
  const out = Float32Array.from(next);
  finals.forEach((f, e) => {
    if (f !== undefined) out.set(f, e * observationDim);
  });
  return out;
}

/**
 * Soft Actor-Critic on a continuous-action environment, SB3 `SAC` / CleanRL `sac_continuous_action.py` semantics:
 *
 * ```
 * for each env step: a ~ π(·|s) (uniform before learningStarts); store (s, a, r, s', terminated) (s' = final obs
 *   on truncation, which bootstraps)
 *   every trainFreq steps, gradientSteps times: B ~ replay;
 *     y = r + γ(1 − d)(min Q̄ᵢ(s', a') − α log π(a'|s'))          a' ~ π(·|s')
 *     critics: Adam on ½Σᵢ mean((Qᵢ(s, a) − y)²)
 *     actor:   Adam on mean(α log π(ã|s) − min Qᵢ(s, ã))          ã = reparameterised tanh-Gaussian sample
 *     α:       Adam on −log α · mean(log π(ã|s) + H̄), H̄ = −|A|     (entCoef 'auto')
 *     Q̄ᵢ ← (1 − τ) Q̄ᵢ + τ Qᵢ
 * ```
 *
 * The actor is a {@link GaussianPolicy} with a state-dependent log σ squashed into `logStdBounds` and tanh-squashed
 * actions scaled to the bounds (CleanRL's actor; its log π includes the scale, and H̄ = −|A| then refers to the
 * environment's action units, as in CleanRL). With `useSde` the actor is a {@link GsdePolicy} instead (SB3's
 * `use_sde`: exploration z(s)(σ⊙E) with E held per collection; one fresh E per gradient step). Order within an update: critic, actor, then α from the actor's log π
 * (SB3 updates α first with the same log π; the difference is one step of lag in α). Everything is seeded from
 * `config.seed`. Records one {@link IterationStats} every `logInterval` environment steps with `policyLoss`,
 * `valueLoss` (critic), `entropy` (−mean log π) and `alpha`.
 *
 * Presets: {@link sacPresets}. Reference: Haarnoja et al. (2018, 2019); SB3 `sac/sac.py` (e05d2db); CleanRL
 * `sac_continuous_action.py`.
 */
export async function trainSac(config: TrainConfig, callbacks: TrainCallbacks = {}): Promise<TrainResult> {
  const { env: envId, options: o } = resolveOptions('trainSac', config, sacDefaults as SacOptions, sacPresets);
  checkSacOptions('trainSac', o);
  return trainSacOn(makeEnv(envId, { numEnvs: o.numEnvs, seed: config.seed }), config, callbacks);
}

/**
 * {@link trainSac} on a vector environment you built (your own `Env`s in a `SyncVectorEnv`, wrappers, …):
 * `config.env` names the preset to start from (any string; unknown ids use the defaults), `config.numEnvs` must match
 * `env.numEnvs`.
 */
export async function trainSacOn(vectorEnv: VectorEnv, config: TrainConfig, callbacks: TrainCallbacks = {}): Promise<TrainResult> {
  const where = 'trainSac';
  const { env: envId, seed, totalSteps, options: o } = resolveOptions(where, config, sacDefaults as SacOptions, sacPresets);
  checkSacOptions(where, o);
  if (vectorEnv.numEnvs !== o.numEnvs) invalidOption(where, 'numEnvs', o.numEnvs, `the vector environment's numEnvs (${vectorEnv.numEnvs})`);
  await ensureGradients();
  const env = new EpisodeStatistics(vectorEnv);
  const box = finiteBox(where, env);
  const obsDim = env.observationSpace.shape.reduce((a, b) => a * b, 1);
  const actDim = box.low.length;
  const [kActor, kCritic, kAct, kBatch, kNoise, kRandom] = split(prngKey(seed), 6) as Key[];
  const policy: GaussianPolicy | GsdePolicy = o.useSde
    ? GsdePolicy.create(kActor as Key, { envId, observationDim: obsDim, actionLow: box.low, actionHigh: box.high, hidden: o.hiddenSizes, logStdInit: o.logStdInit, clipMean: o.clipMean })
    : squashedGaussianActor(kActor as Key, envId, obsDim, box, o.hiddenSizes, o.logStdBounds);
  // rsample through either actor; the noise is [B × d] per-row ε, or with gSDE one [f × d] matrix E for the batch.
  const rsample = (params: unknown, x: tf.Tensor2D, noise: tf.Tensor2D): { actions: tf.Tensor2D; logProb: tf.Tensor1D } =>
    policy instanceof GsdePolicy
      ? policy.rsample(params as GsdePolicy['params'], x, noise)
      : policy.rsample(params as GaussianPolicy['params'], x, noise);
  const critic = initTwinCritic(kCritic as Key, obsDim + actDim, o.hiddenSizes);
  const criticTarget: TwinCriticParams = [cloneMlp(critic[0]), cloneMlp(critic[1])];
  const criticVars = layerVariables(...critic);
  const targetVars = layerVariables(...criticTarget);
  const actorOpt = new Optimizer(adam({ learningRate: o.learningRate }), policy.params);
  const criticOpt = new Optimizer(adam({ learningRate: o.learningRate }), criticVars);
  const autoAlpha = o.entCoef === 'auto';
  const logAlphaInit = tf.scalar(Math.log(autoAlpha ? o.entCoefInit : 1));
  const logAlpha = tf.variable(logAlphaInit, autoAlpha);
  logAlphaInit.dispose(); // tf.variable copies its initial value
  const alphaOpt = autoAlpha ? new Optimizer(adam({ learningRate: o.learningRate }), [logAlpha]) : undefined;
  let alpha = autoAlpha ? o.entCoefInit : (o.entCoef as number);
  const targetEntropy = o.targetEntropy === 'auto' ? -actDim : o.targetEntropy;
  const buffer = new ReplayBuffer({ capacity: o.bufferSize, observationDim: obsDim, actionDim: actDim });
  const history: IterationStats[] = [];
  const start = performance.now();
  let sums = { actor: 0, critic: 0, logp: 0, updates: 0 };
  let updates = 0;

  const update = (): void => {
    const batch = buffer.sample(foldIn(kBatch as Key, updates), o.batchSize);
    const [kn1, kn2] = split(foldIn(kNoise as Key, updates), 2) as [Key, Key];
    updates += 1;
    const B = o.batchSize;
    const obs = tf.tensor2d(batch.observations, [B, obsDim]);
    const act = tf.tensor2d(batch.actions, [B, actDim]);
    const nextObs = tf.tensor2d(batch.nextObservations, [B, obsDim]);
    // SB3 draws one gSDE matrix per gradient step (`actor.reset_noise()`) and uses it for a' and ã alike.
    const noiseNext =
      policy instanceof GsdePolicy
        ? tf.tensor2d(policy.sampleNoise(kn1), [policy.featureDim, actDim])
        : tf.tensor2d(normalValues(kn1, B * actDim), [B, actDim]);
    const noise = policy instanceof GsdePolicy ? tf.clone(noiseNext) : tf.tensor2d(normalValues(kn2, B * actDim), [B, actDim]);
    const y = tf.tidy(() => {
      const next = rsample(policy.params, nextObs, noiseNext);
      const [nq1, nq2] = twinQ(criticTarget, nextObs, next.actions);
      return sacCriticTarget(
        { rewards: tf.tensor1d(batch.rewards), dones: tf.tensor1d(batch.dones), nextQ1: nq1, nextQ2: nq2, nextLogProb: next.logProb },
        { alpha, gamma: o.gamma },
      );
    });
    sums.critic += criticOpt.minimize(() => {
      const [q1, q2] = twinQ(critic, obs, act);
      return sacCriticLoss(q1, q2, y);
    });
    let meanLogp: tf.Scalar | undefined;
    sums.actor += actorOpt.minimize(() => {
      const { actions, logProb } = rsample(policy.params, obs, noise);
      const [q1, q2] = twinQ(critic, obs, actions);
      meanLogp = tf.keep(tf.mean(logProb)) as tf.Scalar;
      return sacActorLoss(logProb, q1, q2, alpha);
    });
    const logp = (meanLogp as tf.Scalar).dataSync()[0] as number;
    (meanLogp as tf.Scalar).dispose();
    sums.logp += logp;
    sums.updates += 1;
    if (alphaOpt !== undefined) {
      // d/dlog α of sacTemperatureLoss is −(mean log π + H̄): a host number, no tape needed.
      const g = tf.scalar(-(logp + targetEntropy));
      alphaOpt.step([g]);
      g.dispose();
      alpha = Math.exp(logAlpha.dataSync()[0] as number);
    }
    polyakUpdate(criticVars, targetVars, o.tau);
    tf.dispose([obs, act, nextObs, noiseNext, noise, y]);
  };

  // gSDE: one exploration matrix per sub-environment, held between resets.
  let exploration: Float32Array | undefined;
  let obs = env.reset(seed);
  let steps = 0;
  let vecSteps = 0;
  let nextLog = o.logInterval;
  let iteration = 0;
  try {
    while (steps < totalSteps) {
      const n = o.numEnvs;
      const squashed =
        steps < o.learningStarts
          ? uniformValues(foldIn(kRandom as Key, vecSteps), n * actDim, -1, 1)
          : undefined;
      let envActions: Float32Array;
      let stored: Float32Array;
      if (squashed !== undefined) {
        envActions = new Float32Array(n * actDim);
        for (let j = 0; j < envActions.length; j++) {
          const i = j % actDim;
          envActions[j] = (box.low[i] as number) + 0.5 * ((squashed[j] as number) + 1) * ((box.high[i] as number) - (box.low[i] as number));
        }
        stored = envActions;
      } else if (policy instanceof GsdePolicy) {
        // SB3 resets the matrices when a collection of trainFreq steps starts, and every sdeSampleFreq steps within it.
        const inChunk = vecSteps % o.trainFreq;
        if (exploration === undefined || inChunk === 0 || (o.sdeSampleFreq > 0 && inChunk % o.sdeSampleFreq === 0)) {
          exploration = normalValues(foldIn(kAct as Key, vecSteps), n * policy.featureDim * actDim);
        }
        envActions = policy.explore(obs, exploration);
        stored = envActions;
      } else {
        envActions = policy.act(obs, { key: foldIn(kAct as Key, vecSteps) });
        stored = envActions;
      }
      const res = env.step(envActions);
      buffer.add(obs, stored, res.rewards, replayNextObservations(res.observations, res.finalObservations, obsDim), res.terminated);
      obs = res.observations;
      steps += n;
      vecSteps += 1;
      if (steps >= o.learningStarts && vecSteps % o.trainFreq === 0 && buffer.size >= 1) {
        for (let g = 0; g < o.gradientSteps; g++) update();
      }
      if (steps >= nextLog || steps >= totalSteps) {
        nextLog += o.logInterval;
        const { meanReturn, episodes } = summarizeEpisodes(env.drain().returns);
        const u = Math.max(sums.updates, 1);
        const stats: IterationStats = {
          iteration: iteration++,
          steps,
          meanReturn,
          episodes,
          wallTimeMs: performance.now() - start,
        };
        if (sums.updates > 0) {
          stats.policyLoss = sums.actor / u;
          stats.valueLoss = sums.critic / u;
          stats.entropy = -sums.logp / u;
          stats.alpha = alpha;
        }
        sums = { actor: 0, critic: 0, logp: 0, updates: 0 };
        history.push(stats);
        if (callbacks.onIteration?.(stats) === false) break;
      }
    }
  } finally {
    actorOpt.dispose();
    criticOpt.dispose();
    alphaOpt?.dispose();
    tf.dispose([...criticVars, ...targetVars, logAlpha]);
  }
  return { policy, history };
}
