/**
 * Proximal Policy Optimization (Schulman et al. 2017) with clipped surrogate, optional value clipping, entropy bonus,
 * target-KL early stopping, GAE(λ) and per-environment presets from rl-baselines3-zoo.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  type Key,
  DescentError,
  Optimizer,
  chain,
  checkBoolean,
  checkKnownOptions,
  checkNumber,
  checkOneOf,
  ensureGradients,
  foldIn,
  invalidOption,
  key as makeKey,
  split,
  treeDispose,
  valueAndGrad,
} from '@descent/core';
import { adam, clipByGlobalNorm } from '@descent/optim';
import { CategoricalPolicy } from './categorical-policy.js';
import type { VectorEnv } from './env.js';
import { GaussianPolicy } from './gaussian-policy.js';
import { GsdePolicy } from './gsde-policy.js';
import { makeEnv } from './make-env.js';
import type { Activation, MlpParams } from './mlp.js';
import { gatherRows, minibatchIndices } from './minibatches.js';
import { RunningMeanStd } from './normalize-observation.js';
import { RolloutBuffer, collectRollout, startRollout } from './rollout-buffer.js';
import type { TrainablePolicy } from './trainable-policy.js';
import type { IterationStats, TrainCallbacks, TrainConfig, TrainResult } from './training.js';
import { initValueNetwork, valueForward } from './value-network.js';

// ---------------------------------------------------------------------------------------------------------------
// The loss
// ---------------------------------------------------------------------------------------------------------------

/** Inputs of {@link ppoLoss}: per-sample tensors of one minibatch, all `[n]`. */
export interface PpoLossInputs {
  /** log π_θ(a | o) under the parameters being optimised. */
  logProbs: tf.Tensor;
  /** log π_old(a | o) recorded at collection. */
  oldLogProbs: tf.Tensor;
  /** Advantage estimates Â. */
  advantages: tf.Tensor;
  /** V_θ(o) (omit with `returns` to leave out the value term). */
  values?: tf.Tensor;
  /** V_old(o) recorded at collection (needed for value clipping). */
  oldValues?: tf.Tensor;
  /** Return targets R = Â + V_old. */
  returns?: tf.Tensor;
  /** Per-sample entropy H(π_θ(· | o)) (omit to leave out the entropy term). */
  entropy?: tf.Tensor;
}

/** Options of {@link ppoLoss}; defaults as SB3 `PPO`. */
export interface PpoLossOptions {
  /** ε of the ratio clip. Default 0.2. */
  clipRange?: number;
  /** ε_v of the value clip, or undefined for none (SB3 `clip_range_vf=None`). Default undefined. */
  clipRangeVf?: number;
  /** c_v. Default 0.5. */
  vfCoef?: number;
  /** c_e. Default 0. */
  entCoef?: number;
  /** Standardise Â within the minibatch (skipped for a single sample). Default true. */
  normalizeAdvantage?: boolean;
}

/** Scalars {@link ppoLoss} returns (owned by the caller). */
export interface PpoLossTerms {
  /** L = L_clip + c_v·L_V − c_e·H̄. */
  loss: tf.Scalar;
  policyLoss: tf.Scalar;
  valueLoss: tf.Scalar;
  /** Mean entropy H̄ (0 without `entropy`). */
  entropy: tf.Scalar;
  /** mean((r − 1) − log r), the low-variance KL(π_old ‖ π_θ) estimator (SB3 `approx_kl_div`, CleanRL `approx_kl`). */
  approxKl: tf.Scalar;
  /** mean(|r − 1| > ε). */
  clipFraction: tf.Scalar;
}

/**
 * The PPO-clip loss of one minibatch, with r = exp(log π_θ − log π_old) and Â standardised when asked
 * ((Â − mean)/(std + 1e-8), unbiased std as torch):
 *
 * $$L_{clip} = -\operatorname{mean}\min\big(r\hat A,\ \operatorname{clip}(r, 1-\varepsilon, 1+\varepsilon)\hat A\big),\qquad
 *   L_V = \operatorname{mean}(R - V')^2,\quad V' = V_{old} + \operatorname{clip}(V_\theta - V_{old}, -\varepsilon_v, \varepsilon_v)\ (\text{or } V_\theta),$$
 * $$L = L_{clip} + c_v L_V - c_e\,\operatorname{mean} H.$$
 *
 * Follows SB3 `PPO.train` (stable_baselines3/ppo/ppo.py: MSE value loss without ½, clipped prediction when
 * `clip_range_vf` is set, advantage normalisation per minibatch); CleanRL `ppo.py` differs only by ½·max(unclipped,
 * clipped)² in the value term. All inputs are tensors, so it runs inside `valueAndGrad`.
 *
 * Reference: Schulman, Wolski, Dhariwal, Radford & Klimov (2017), "Proximal Policy Optimization Algorithms".
 */
export function ppoLoss(inputs: PpoLossInputs, options: PpoLossOptions = {}): PpoLossTerms {
  const where = 'ppoLoss';
  checkKnownOptions(where, options, ['clipRange', 'clipRangeVf', 'vfCoef', 'entCoef', 'normalizeAdvantage']);
  const eps = checkNumber(where, 'clipRange', options.clipRange ?? 0.2, { greaterThan: 0 });
  const epsVf = options.clipRangeVf === undefined ? undefined : checkNumber(where, 'clipRangeVf', options.clipRangeVf, { greaterThan: 0 });
  const vfCoef = checkNumber(where, 'vfCoef', options.vfCoef ?? 0.5, { min: 0 });
  const entCoef = checkNumber(where, 'entCoef', options.entCoef ?? 0, { min: 0 });
  const normalize = checkBoolean(where, 'normalizeAdvantage', options.normalizeAdvantage ?? true);
  const n = inputs.logProbs.size;
  if (inputs.oldLogProbs.size !== n || inputs.advantages.size !== n) {
    invalidOption(where, 'inputs', [inputs.logProbs.shape, inputs.oldLogProbs.shape, inputs.advantages.shape], 'logProbs, oldLogProbs and advantages of equal size');
  }
  if ((inputs.values === undefined) !== (inputs.returns === undefined)) invalidOption(where, 'inputs.values/returns', 'one of them', 'both or neither');
  if (epsVf !== undefined && inputs.values !== undefined && inputs.oldValues === undefined) invalidOption(where, 'inputs.oldValues', undefined, 'V_old when clipRangeVf is set');
  return tf.tidy(() => {
    let adv = tf.reshape(inputs.advantages, [n]);
    if (normalize && n > 1) {
      const mean = tf.mean(adv);
      const std = tf.sqrt(tf.div(tf.sum(tf.square(tf.sub(adv, mean))), tf.scalar(n - 1)));
      adv = tf.div(tf.sub(adv, mean), tf.add(std, tf.scalar(1e-8)));
    }
    const logRatio = tf.sub(tf.reshape(inputs.logProbs, [n]), tf.reshape(inputs.oldLogProbs, [n]));
    const ratio = tf.exp(logRatio);
    const surr1 = tf.mul(ratio, adv);
    const surr2 = tf.mul(tf.clipByValue(ratio, 1 - eps, 1 + eps), adv);
    const policyLoss = tf.neg(tf.mean(tf.minimum(surr1, surr2))) as tf.Scalar;
    let valueLoss: tf.Scalar = tf.scalar(0);
    if (inputs.values !== undefined && inputs.returns !== undefined) {
      let v = tf.reshape(inputs.values, [n]);
      if (epsVf !== undefined) {
        const old = tf.reshape(inputs.oldValues as tf.Tensor, [n]);
        v = tf.add(old, tf.clipByValue(tf.sub(v, old), -epsVf, epsVf));
      }
      valueLoss = tf.mean(tf.square(tf.sub(tf.reshape(inputs.returns, [n]), v))) as tf.Scalar;
    }
    const entropy = inputs.entropy === undefined ? tf.scalar(0) : (tf.mean(inputs.entropy) as tf.Scalar);
    const loss = tf.sub(tf.add(policyLoss, tf.mul(tf.scalar(vfCoef), valueLoss)), tf.mul(tf.scalar(entCoef), entropy)) as tf.Scalar;
    const approxKl = tf.mean(tf.sub(tf.sub(ratio, tf.scalar(1)), logRatio)) as tf.Scalar;
    const clipFraction = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, tf.scalar(1))), tf.scalar(eps)), 'float32')) as tf.Scalar;
    return { loss, policyLoss, valueLoss, entropy, approxKl, clipFraction };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Options and presets
// ---------------------------------------------------------------------------------------------------------------

/** Hyper-parameters of {@link trainPpo} (SB3 names in camelCase). */
export interface PpoOptions {
  /** Parallel sub-environments. Default 1 (SB3). */
  numEnvs: number;
  /** Steps per sub-environment per rollout (SB3 `n_steps`). Default 2048. */
  numSteps: number;
  /** Minibatch size. Default 64. */
  batchSize: number;
  /** Epochs over each rollout. Default 10. */
  numEpochs: number;
  /** Adam step size. Default 3e-4. */
  learningRate: number;
  /** Anneal the step size linearly to 0 over training (rl-zoo `lin_…`). Default false. */
  linearLearningRate: boolean;
  /** Adam ε. Default 1e-5 (CleanRL; SB3 uses torch's 1e-8 — CleanRL's choice is kept for both). */
  adamEps: number;
  /** Discount γ. Default 0.99. */
  gamma: number;
  /** GAE λ. Default 0.95. */
  gaeLambda: number;
  /** Ratio clip ε. Default 0.2. */
  clipRange: number;
  /** Anneal ε linearly to 0 (rl-zoo `lin_0.2`). Default false. */
  linearClipRange: boolean;
  /** Value clip ε_v, 0 for none. Default 0. */
  clipRangeVf: number;
  /** Entropy coefficient c_e. Default 0. */
  entCoef: number;
  /** Value-loss coefficient c_v. Default 0.5. */
  vfCoef: number;
  /** Global-norm gradient clip (policy and value together). Default 0.5. */
  maxGradNorm: number;
  /** Standardise advantages per minibatch. Default true. */
  normalizeAdvantage: boolean;
  /** Stop the epochs of an iteration once approx-KL > 1.5·targetKl (SB3); 0 disables. Default 0. */
  targetKl: number;
  /** Running observation normalisation (rl-zoo `normalize: true`, SB3 `VecNormalize`). Default false. */
  normalizeObservations: boolean;
  /** Running reward scaling by the std of the discounted return (VecNormalize `norm_reward`). Default false. */
  normalizeRewards: boolean;
  /** Hidden widths of the policy and value networks. Default [64, 64]. */
  hidden: number[];
  /** Hidden activation. Default 'tanh'. */
  activation: Activation;
  /** CleanRL/SB3 orthogonal init. Default true. */
  orthogonalInit: boolean;
  /** Initial log σ of Gaussian policies (every σ_ij of the gSDE matrix with `useSde`). Default 0. */
  logStdInit: number;
  /**
   * Generalized state-dependent exploration for Box actions ({@link GsdePolicy} unsquashed, SB3 `use_sde` with
   * `ActorCriticPolicy`: noise z(s)·(σ⊙E) from the policy network's last hidden features, detached, with one matrix E
   * per sub-environment held between resets). Default false.
   */
  useSde: boolean;
  /** Resample the gSDE matrices every this many steps of a rollout; −1: only at the start of each rollout (SB3). Default −1. */
  sdeSampleFreq: number;
}

/** SB3 `PPO` defaults (stable_baselines3/ppo/ppo.py), with CleanRL's Adam ε. */
export const ppoDefaults: PpoOptions = {
  numEnvs: 1,
  numSteps: 2048,
  batchSize: 64,
  numEpochs: 10,
  learningRate: 3e-4,
  linearLearningRate: false,
  adamEps: 1e-5,
  gamma: 0.99,
  gaeLambda: 0.95,
  clipRange: 0.2,
  linearClipRange: false,
  clipRangeVf: 0,
  entCoef: 0,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  normalizeAdvantage: true,
  targetKl: 0,
  normalizeObservations: false,
  normalizeRewards: false,
  hidden: [64, 64],
  activation: 'tanh',
  orthogonalInit: true,
  logStdInit: 0,
  useSde: false,
  sdeSampleFreq: -1,
};

/**
 * Per-environment presets from rl-baselines3-zoo `hyperparams/ppo.yml` (spec rl.md §9), gSDE included where the zoo
 * uses it (Pendulum, MountainCarContinuous). The bandit and gridworld presets are for fast tests.
 */
export const ppoPresets: Record<string, Partial<PpoOptions>> = {
  'CartPole-v1': {
    numEnvs: 8, numSteps: 32, batchSize: 256, gaeLambda: 0.8, gamma: 0.98, numEpochs: 20, entCoef: 0,
    learningRate: 1e-3, linearLearningRate: true, clipRange: 0.2, linearClipRange: true,
  },
  'Pendulum-v1': {
    numEnvs: 4, numSteps: 1024, gaeLambda: 0.95, gamma: 0.9, numEpochs: 10, entCoef: 0, learningRate: 1e-3, clipRange: 0.2,
    useSde: true, sdeSampleFreq: 4,
  },
  'Acrobot-v1': {
    normalizeObservations: true, normalizeRewards: true, numEnvs: 16, numSteps: 256, gaeLambda: 0.94, gamma: 0.99, numEpochs: 4, entCoef: 0,
  },
  'MountainCarContinuous-v0': {
    normalizeObservations: true, normalizeRewards: true, numEnvs: 1, batchSize: 256, numSteps: 8, gamma: 0.9999, learningRate: 7.77e-5,
    entCoef: 0.00429, clipRange: 0.1, numEpochs: 10, gaeLambda: 0.9, maxGradNorm: 5, vfCoef: 0.19, logStdInit: -3.29, orthogonalInit: false,
    useSde: true,
  },
  'MountainCar-v0': { normalizeObservations: true, numEnvs: 16, numSteps: 16, gaeLambda: 0.98, gamma: 0.99, numEpochs: 4, entCoef: 0 },
  'Bandit-v0': { numEnvs: 8, numSteps: 16, batchSize: 64, numEpochs: 4, learningRate: 3e-3, gamma: 0.99, gaeLambda: 0.95, hidden: [16] },
  'GridWorld-v0': { numEnvs: 8, numSteps: 64, batchSize: 128, numEpochs: 4, learningRate: 1e-3, gamma: 0.99, entCoef: 0.01 },
};

const OPTION_NAMES = Object.keys(ppoDefaults) as (keyof PpoOptions)[];

/** Validates a resolved option set (everything up front, nothing half-applied). */
export function checkPpoOptions(where: string, o: PpoOptions): PpoOptions {
  checkNumber(where, 'numEnvs', o.numEnvs, { integer: true, min: 1, max: 4096 });
  checkNumber(where, 'numSteps', o.numSteps, { integer: true, min: 1 });
  checkNumber(where, 'batchSize', o.batchSize, { integer: true, min: 1 });
  checkNumber(where, 'numEpochs', o.numEpochs, { integer: true, min: 1 });
  checkNumber(where, 'learningRate', o.learningRate, { min: 0 });
  checkNumber(where, 'adamEps', o.adamEps, { min: 0 });
  checkNumber(where, 'gamma', o.gamma, { min: 0, max: 1 });
  checkNumber(where, 'gaeLambda', o.gaeLambda, { min: 0, max: 1 });
  checkNumber(where, 'clipRange', o.clipRange, { greaterThan: 0 });
  checkNumber(where, 'clipRangeVf', o.clipRangeVf, { min: 0 });
  checkNumber(where, 'entCoef', o.entCoef, { min: 0 });
  checkNumber(where, 'vfCoef', o.vfCoef, { min: 0 });
  checkNumber(where, 'maxGradNorm', o.maxGradNorm, { greaterThan: 0 });
  checkNumber(where, 'targetKl', o.targetKl, { min: 0 });
  checkNumber(where, 'logStdInit', o.logStdInit);
  if (o.sdeSampleFreq !== -1) checkNumber(where, 'sdeSampleFreq', o.sdeSampleFreq, { integer: true, min: 1 });
  for (const b of ['linearLearningRate', 'linearClipRange', 'normalizeAdvantage', 'normalizeObservations', 'normalizeRewards', 'orthogonalInit', 'useSde'] as const) {
    checkBoolean(where, b, o[b]);
  }
  checkOneOf(where, 'activation', o.activation, ['tanh', 'relu'] as const);
  if (!Array.isArray(o.hidden) || o.hidden.length === 0) invalidOption(where, 'hidden', o.hidden, 'a non-empty array of layer widths');
  o.hidden.forEach((h, i) => checkNumber(where, `hidden[${i}]`, h, { integer: true, min: 1 }));
  return o;
}

/**
 * Splits a {@link TrainConfig} into the common fields and `{ ...defaults, ...presets[env], ...overrides }`, rejecting
 * unknown override keys with a DescentError that lists the valid ones. Shared by the trainers built on PPO's machinery.
 */
export function resolveOptions<O extends object>(
  where: string,
  config: TrainConfig,
  defaults: O,
  presets: Record<string, Partial<O>>,
): { env: string; seed: number; totalSteps: number; options: O } {
  if (config === null || typeof config !== 'object') invalidOption(where, 'config', config, '{ env, seed, totalSteps, ...overrides }');
  const { env, seed, totalSteps, ...overrides } = config;
  if (typeof env !== 'string') invalidOption(where, 'env', env, 'an environment id string');
  checkNumber(where, 'seed', seed, { integer: true, min: 0, max: 2 ** 31 - 1 });
  checkNumber(where, 'totalSteps', totalSteps, { integer: true, min: 1 });
  const known = Object.keys(defaults);
  for (const k of Object.keys(overrides)) {
    if (!known.includes(k)) {
      throw new DescentError('invalid-option', `${where}: unknown option '${k}'; valid options are env, seed, totalSteps, ${known.join(', ')}`, {
        parameter: k,
        value: overrides[k],
      });
    }
  }
  const options = { ...defaults, ...(presets[env] ?? {}), ...overrides } as O;
  return { env, seed, totalSteps, options };
}

// ---------------------------------------------------------------------------------------------------------------
// The trainer machinery (shared with the drift trainers of lpo.ts / ta-lpo.ts)
// ---------------------------------------------------------------------------------------------------------------

/**
 * A fresh policy for `env`'s action space: categorical for Discrete, diagonal Gaussian (clipped) for Box, or with
 * `useSde` the unsquashed gSDE policy of SB3's `ActorCriticPolicy` (clip mean off, features detached).
 */
export function createPolicyFor(
  env: VectorEnv,
  envId: string,
  k: Key,
  o: { hidden: number[]; activation: Activation; orthogonalInit: boolean; logStdInit: number; useSde?: boolean },
): TrainablePolicy {
  const obsDim = env.observationSpace.shape.reduce((a, b) => a * b, 1);
  if (env.actionSpace.kind === 'discrete') {
    if (o.useSde) invalidOption('createPolicyFor', 'useSde', true, `a Box action space (${envId} has discrete actions)`);
    return CategoricalPolicy.create(k, { envId, observationDim: obsDim, actionDim: env.actionSpace.n, hidden: o.hidden, activation: o.activation, orthogonalInit: o.orthogonalInit });
  }
  const space = env.actionSpace;
  const common = {
    envId,
    observationDim: obsDim,
    actionLow: space.low,
    actionHigh: space.high,
    hidden: o.hidden,
    activation: o.activation,
    orthogonalInit: o.orthogonalInit,
    logStdInit: o.logStdInit,
  };
  if (o.useSde) return GsdePolicy.create(k, { ...common, clipMean: 0, squash: false, learnFeatures: false });
  return GaussianPolicy.create(k, { ...common, actionDim: space.low.length });
}

/**
 * The policy-gradient term of a PPO-family objective given the ratio machinery: receives the per-sample log-ratio
 * log r, the (possibly standardised) advantages and the training progress n/N ∈ [0, 1), returns the scalar policy loss.
 * PPO's clip, DPO's closed-form drift and TA-LPO's learned drift are such terms (lpo.ts).
 */
export type PolicyTerm = (logRatio: tf.Tensor1D, advantages: tf.Tensor1D, progress: number) => tf.Scalar;

/** Extra knobs for {@link runPpoFamily} beyond {@link PpoOptions}. */
export interface PpoFamilyHooks {
  /** Replaces the clipped surrogate (the value and entropy terms are kept). */
  policyTerm?: PolicyTerm;
  /** Trainer name for error messages. */
  where: string;
}

/** Welford-free running reward scaler of SB3 `VecNormalize(norm_reward=True)`: r / √(Var[discounted return] + ε), clip ±10. */
class RewardScaler {
  private readonly rms = new RunningMeanStd(1);
  private readonly returns: Float64Array;
  constructor(numEnvs: number, private readonly gamma: number) {
    this.returns = new Float64Array(numEnvs);
  }
  scale(rewards: Float32Array, terminated: Uint8Array, truncated: Uint8Array): Float32Array {
    for (let e = 0; e < rewards.length; e++) this.returns[e] = this.returns[e] * this.gamma + rewards[e];
    this.rms.update(this.returns, this.returns.length);
    const std = Math.sqrt(this.rms.var[0] + 1e-8);
    const out = new Float32Array(rewards.length);
    for (let e = 0; e < rewards.length; e++) {
      out[e] = Math.max(-10, Math.min(10, rewards[e] / std));
      if (terminated[e] || truncated[e]) this.returns[e] = 0;
    }
    return out;
  }
}

/**
 * The PPO training loop (SB3 `OnPolicyAlgorithm.learn` + `PPO.train`; CleanRL `ppo.py`): per iteration, collect
 * `numSteps × numEnvs` transitions, GAE(λ), then `numEpochs` passes over seeded minibatches minimising
 * L_policy + c_v·L_V − c_e·H̄ with `chain(clipByGlobalNorm(maxGradNorm), adam({ eps: adamEps }))` on the policy and
 * value networks together; approx-KL early stop at 1.5·targetKl (SB3). Returns the policy and one
 * {@link IterationStats} per iteration.
 */
export async function runPpoFamily(config: TrainConfig, o: PpoOptions, hooks: PpoFamilyHooks, callbacks: TrainCallbacks = {}): Promise<TrainResult> {
  const { where } = hooks;
  const { env: envId, seed, totalSteps } = config;
  checkPpoOptions(where, o);
  if (!(await ensureGradients())) throw new DescentError('unsupported', `${where}: tfjs gradients are not registered (install @tensorflow/tfjs-layers)`, {});
  const env = makeEnv(envId, { numEnvs: o.numEnvs, seed });
  const rootKey = makeKey(seed);
  const [policyKey, valueKey, rolloutKey, batchKey] = split(rootKey, 4);
  // gSDE's matrices draw from a stream of their own, so runs without gSDE keep the keys (and results) they had.
  const noiseKey = foldIn(rootKey, 4);
  const policy = createPolicyFor(env, envId, policyKey, o);
  const valueParams = initValueNetwork(valueKey, policy.observationDim, { hidden: o.hidden, orthogonalInit: o.orthogonalInit });
  const perIteration = o.numSteps * o.numEnvs;
  const numIterations = Math.max(1, Math.ceil(totalSteps / perIteration));
  let lrFactor = 1;
  const transform = chain(clipByGlobalNorm(o.maxGradNorm), adam({ learningRate: () => o.learningRate * lrFactor, eps: o.adamEps }));
  const variables = { pi: policy.params, vf: valueParams } as unknown as ConstructorParameters<typeof Optimizer>[1];
  const optimizer = new Optimizer(transform, variables);
  const discrete = env.actionSpace.kind === 'discrete';
  const actionWidth = discrete ? 1 : policy.actionDim;
  const buffer = new RolloutBuffer({ numSteps: o.numSteps, numEnvs: o.numEnvs, observationDim: policy.observationDim, actionWidth, discrete });
  const state = startRollout(env, seed);
  const obsRms = o.normalizeObservations ? new RunningMeanStd(policy.observationDim) : undefined;
  const rewardScaler = o.normalizeRewards ? new RewardScaler(o.numEnvs, o.gamma) : undefined;
  const refreshNormalization = (raw: Float32Array): void => {
    if (!obsRms) return;
    obsRms.update(raw, raw.length / policy.observationDim);
    policy.observationNormalization = { mean: Float32Array.from(obsRms.mean), variance: Float32Array.from(obsRms.var), clip: 10, epsilon: 1e-8 };
  };
  refreshNormalization(state.observations);
  const history: IterationStats[] = [];
  const start = Date.now();
  const D = policy.observationDim;
  const vfAct = o.activation;

  try {
    for (let it = 1; it <= numIterations; it++) {
      const progress = (it - 1) / numIterations;
      lrFactor = o.linearLearningRate ? 1 - progress : 1;
      const clipNow = o.linearClipRange ? o.clipRange * (1 - progress) : o.clipRange;
      const episodes = collectRollout(state, policy, valueParams, buffer, foldIn(rolloutKey, it), {
        valueActivation: vfAct,
        rewardScale: rewardScaler ? (r, term, trunc) => rewardScaler.scale(r, term, trunc) : undefined,
        onObservations: obsRms ? refreshNormalization : undefined,
        // SB3 `collect_rollouts`: fresh gSDE matrices (one per sub-environment) at the start of every rollout and every
        // sdeSampleFreq steps of it.
        beforeStep:
          policy instanceof GsdePolicy
            ? (t) => {
                if (t === 0 || (o.sdeSampleFreq > 0 && t % o.sdeSampleFreq === 0)) policy.resetNoise(foldIn(foldIn(noiseKey, it), t), o.numEnvs);
              }
            : undefined,
      });
      buffer.computeAdvantages(o.gamma, o.gaeLambda);
      const sums = { policyLoss: 0, valueLoss: 0, entropy: 0, kl: 0, clipFraction: 0, updates: 0 };
      let stopped = false;
      for (let epoch = 0; epoch < o.numEpochs && !stopped; epoch++) {
        const batches = minibatchIndices(foldIn(foldIn(batchKey, it), epoch), buffer.size, Math.min(o.batchSize, buffer.size));
        for (const idx of batches) {
          const m = idx.length;
          const obs = tf.tensor2d(gatherRows(buffer.observations, D, idx), [m, D]);
          const actions = policy.actionsTensor(gatherRows(buffer.actions, actionWidth, idx), m);
          const oldLogProbs = tf.tensor1d(gatherRows(buffer.logProbs, 1, idx));
          const advantages = tf.tensor1d(gatherRows(buffer.advantages, 1, idx));
          const returns = tf.tensor1d(gatherRows(buffer.returns, 1, idx));
          const oldValues = tf.tensor1d(gatherRows(buffer.values, 1, idx));
          let terms: PpoLossTerms | undefined;
          const f = (p: { pi: object; vf: MlpParams }): tf.Scalar => {
            const logProbs = policy.logProb(p.pi, obs, actions);
            const values = valueForward(p.vf, obs, vfAct);
            // The entropy costs another forward pass: only inside the loss when it is weighted.
            const entropy = o.entCoef > 0 ? policy.entropy(p.pi, obs) : undefined;
            const t = ppoLoss(
              { logProbs, oldLogProbs, advantages, values, oldValues, returns, entropy },
              { clipRange: clipNow, clipRangeVf: o.clipRangeVf > 0 ? o.clipRangeVf : undefined, vfCoef: o.vfCoef, entCoef: o.entCoef, normalizeAdvantage: o.normalizeAdvantage },
            );
            let loss = t.loss;
            if (hooks.policyTerm) {
              // Same standardised advantages as ppoLoss; swap the clip term for the drift term.
              const adv = o.normalizeAdvantage ? standardize(advantages as tf.Tensor1D) : (advantages as tf.Tensor1D);
              const term = hooks.policyTerm(tf.sub(logProbs, oldLogProbs) as tf.Tensor1D, adv, progress);
              loss = tf.add(tf.sub(loss, t.policyLoss), term) as tf.Scalar;
              t.policyLoss = term;
            }
            terms = { ...t, loss };
            tf.keep(t.policyLoss);
            tf.keep(t.valueLoss);
            tf.keep(t.entropy);
            tf.keep(t.approxKl);
            tf.keep(t.clipFraction);
            return loss;
          };
          const { value, grads } = valueAndGrad(f as unknown as (p: object) => tf.Scalar)({ pi: policy.params, vf: valueParams } as never);
          const tt = terms as unknown as PpoLossTerms;
          const kl = tt.approxKl.dataSync()[0];
          const early = o.targetKl > 0 && kl > 1.5 * o.targetKl;
          if (!early) {
            optimizer.step(grads as never);
            sums.policyLoss += tt.policyLoss.dataSync()[0];
            sums.valueLoss += tt.valueLoss.dataSync()[0];
            sums.entropy += tt.entropy.dataSync()[0];
            sums.clipFraction += tt.clipFraction.dataSync()[0];
            sums.kl += kl;
            sums.updates++;
          }
          tf.dispose([value, tt.policyLoss, tt.valueLoss, tt.entropy, tt.approxKl, tt.clipFraction, obs, actions, oldLogProbs, advantages, returns, oldValues]);
          treeDispose(grads);
          if (early) {
            stopped = true;
            break;
          }
        }
      }
      const u = Math.max(1, sums.updates);
      if (o.entCoef === 0) sums.entropy = u * meanEntropy(policy, buffer.observations, buffer.size);
      const finished = episodes.episodeReturns;
      const stats: IterationStats = {
        iteration: it,
        steps: state.steps,
        meanReturn: finished.length ? finished.reduce((a, b) => a + b, 0) / finished.length : NaN,
        episodes: finished.length,
        wallTimeMs: Date.now() - start,
        policyLoss: sums.policyLoss / u,
        valueLoss: sums.valueLoss / u,
        entropy: sums.entropy / u,
        kl: sums.kl / u,
        clipFraction: sums.clipFraction / u,
        learningRate: o.learningRate * lrFactor,
        clipRange: clipNow,
        updates: sums.updates,
        earlyStopped: stopped ? 1 : 0,
      };
      history.push(stats);
      if (callbacks.onIteration?.(stats) === false) break;
    }
  } catch (e) {
    policy.dispose();
    throw e;
  } finally {
    optimizer.dispose?.();
    treeDispose(valueParams);
  }
  return { policy, history };
}

/** Mean entropy of the policy over `n` host observations (for the learning curve). */
function meanEntropy(policy: TrainablePolicy, observations: Float32Array, n: number): number {
  return tf.tidy(() => tf.mean(policy.entropy(policy.params, tf.tensor2d(observations, [n, policy.observationDim]))).dataSync()[0]);
}

/** (x − mean)/(std + 1e-8) with torch's unbiased std; unchanged for a single sample (SB3). */
export function standardize(x: tf.Tensor1D): tf.Tensor1D {
  const n = x.size;
  if (n < 2) return x;
  return tf.tidy(() => {
    const mean = tf.mean(x);
    const std = tf.sqrt(tf.div(tf.sum(tf.square(tf.sub(x, mean))), tf.scalar(n - 1)));
    return tf.div(tf.sub(x, mean), tf.add(std, tf.scalar(1e-8))) as tf.Tensor1D;
  });
}

/**
 * PPO as a {@link Trainer}: `trainPpo({ env, seed, totalSteps, ...overrides })` with `{ ...ppoDefaults,
 * ...ppoPresets[env], ...overrides }`. Unknown override keys and environment ids throw a DescentError listing the
 * valid ones.
 *
 * @example
 * ```ts
 * const { policy, history } = await trainPpo({ env: 'CartPole-v1', seed: 0, totalSteps: 100_000 });
 * const { meanReturn } = await evaluate(policy, { env: 'CartPole-v1', episodes: 20, seed: 1 });
 * ```
 */
export async function trainPpo(config: TrainConfig, callbacks?: TrainCallbacks): Promise<TrainResult> {
  const { options } = resolveOptions('trainPpo', config, ppoDefaults, ppoPresets);
  return runPpoFamily(config, options, { where: 'trainPpo' }, callbacks);
}

/** The option names {@link trainPpo} accepts as overrides. */
export const ppoOptionNames: readonly string[] = OPTION_NAMES;
