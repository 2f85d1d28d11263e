/**
 * Off-policy MDPO (Tomar, Shani, Efroni & Ghavamzadeh, ICLR 2022, §5): SAC-like critics with a mirror-descent actor
 * step towards a frozen old policy θ_k that is refreshed every m gradient steps. Its actor loss {@link mdpoOffActorLoss}
 * is exported on its own; {@link trainMdpoOff} runs the algorithm.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Key, Optimizer, checkBoolean, checkNumber, ensureGradients, foldIn, invalidOption, key as prngKey, normalValues, split, uniformValues } from '@descent/core';
import { adam } from '@descent/optim';
import type { VectorEnv } from './env.js';
import { EpisodeStatistics } from './episode-statistics.js';
import type { GaussianParams } from './gaussian-policy.js';
import { makeEnv } from './make-env.js';
import type { MlpParams } from './mlp.js';
import { resolveOptions } from './ppo.js';
import { ReplayBuffer } from './replay-buffer.js';
import {
  type TwinCriticParams,
  checkHidden,
  cloneMlp,
  finiteBox,
  initTwinCritic,
  layerVariables,
  polyakUpdate,
  replayNextObservations,
  sacCriticLoss,
  squashedGaussianActor,
  summarizeEpisodes,
  twinQ,
} from './sac.js';
import type { IterationStats, TrainCallbacks, TrainConfig, TrainResult } from './training.js';
import { initValueNetwork, valueForward } from './value-network.js';

/** Inputs of {@link mdpoOffActorLoss}; per-sample tensors are [B]. */
export interface MdpoOffActorLossInputs {
  /** log π_θ(ã|s) of the reparameterised sample ã = tanh(u), u = μ_θ(s) + σ_θ(s) ε (differentiable). */
  logProb: tf.Tensor;
  /** log π_θk(ã|s): the frozen old policy's log-density at the same pre-tanh u (differentiable through u). */
  oldLogProb: tf.Tensor;
  /** Q₁(s, ã). */
  q1: tf.Tensor;
  /** The current policy's pre-tanh mean μ_θ(s) [B × |A|] and log σ_θ(s) [B × |A|], for the 1e-3 regularisers. */
  mean: tf.Tensor;
  logStd: tf.Tensor;
}

/**
 * The off-policy MDPO actor loss, as the authors' `mdpo_off/mdpo.py` (reparameterised branch, `tsallis_q = 1`):
 *
 * $$L_\pi = \mathrm{mean}\big(c\,\log\pi_\theta(\tilde a|s) + (\lambda - c)\log\pi_{\theta_k}(\tilde a|s) - Q_1(s,\tilde a)\big)
 *   + 10^{-3}\,\mathrm{mean}(\mu_\theta^2) + 10^{-3}\,\mathrm{mean}(\log\sigma_\theta^2),$$
 *
 * i.e. $c\cdot$(sample KL(π_θ‖π_θk)) + λ·log π_θk − Q₁: the mirror-descent proximity term with weight c = 1/t_k
 * (`kl_coef`, constant `klconst` in the code) plus entropy regularisation λ (`lamda`) placed at θ_k. Scalar, owned by
 * the caller.
 *
 * Reference: Tomar et al. (2022) eq. (12); manantomar/Mirror-Descent-Policy-Optimization `mdpo_off/mdpo.py` (c9bd3ba).
 */
export function mdpoOffActorLoss(inputs: MdpoOffActorLossInputs, options: { klCoef: number; lambda: number }): tf.Scalar {
  const c = checkNumber('mdpoOffActorLoss', 'klCoef', options.klCoef, { min: 0 });
  const lambda = checkNumber('mdpoOffActorLoss', 'lambda', options.lambda, { min: 0 });
  return tf.tidy(() => {
    const main = tf.mean(tf.sub(tf.add(tf.mul(inputs.logProb, c), tf.mul(inputs.oldLogProb, lambda - c)), inputs.q1));
    const reg = tf.mul(tf.add(tf.mean(tf.square(inputs.mean)), tf.mean(tf.square(inputs.logStd))), 1e-3);
    return tf.add(main, reg) as tf.Scalar;
  });
}

/** Hyper-parameters of {@link trainMdpoOff}; defaults as the authors' `mdpo_off/run_mujoco.py` and README. */
export interface MdpoOffOptions {
  /** Adam step size of actor, critics and value net. Default 3e-4. */
  learningRate: number;
  /** Replay capacity. Default 1e6. */
  bufferSize: number;
  /** Uniformly random steps before learning. Default 10000. */
  learningStarts: number;
  batchSize: number;
  /** Polyak coefficient of the target value network. Default 0.005. */
  tau: number;
  gamma: number;
  /** c = 1/t_k, the KL weight (`klcoeff`). Default 1. */
  klCoef: number;
  /** λ, the entropy-regularisation weight (`lam`). Default 0.2. */
  lambda: number;
  /** m: gradient steps between two refreshes θ_k ← θ (`sgd_steps`). Default 1000. */
  sgdSteps: number;
  hiddenSizes: number[];
  /** Bounds of the actor's state-dependent log σ (squashed by tanh, as {@link trainSac}). Default [−5, 2]. */
  logStdBounds: [number, number];
  /**
   * Act with the deterministic action tanh(μ(s)) after warm-up, as the authors' code does (`step(obs,
   * deterministic=True)`). Default false: sample from π_θ (SAC's exploration; the code's choice is flagged as an oddity
   * in spec rl.md §1.2).
   */
  deterministicExploration: boolean;
  numEnvs: number;
  logInterval: number;
}

/** `mdpo_off/run_mujoco.py` + README (c9bd3ba): lr 3e-4, buffer 1e6, batch 256, learning_starts 1e4, m = 1000, λ = 0.2. */
export const mdpoOffDefaults: MdpoOffOptions = {
  learningRate: 3e-4,
  bufferSize: 1_000_000,
  learningStarts: 10_000,
  batchSize: 256,
  tau: 0.005,
  gamma: 0.99,
  klCoef: 1,
  lambda: 0.2,
  sgdSteps: 1000,
  hiddenSizes: [256, 256],
  logStdBounds: [-5, 2],
  deterministicExploration: false,
  numEnvs: 1,
  logInterval: 1000,
};

/**
 * Per-environment presets (this package's choice; the authors ran MuJoCo only). Pendulum-v1: SAC-zoo's learning
 * rate 1e-3, learning from step 1000, hidden [64, 64] and batch 64 (CPU budget, as SAC's preset), m = 1000.
 */
export const mdpoOffPresets: Record<string, Partial<MdpoOffOptions>> = {
  'Pendulum-v1': { learningRate: 1e-3, learningStarts: 1000, hiddenSizes: [64, 64], batchSize: 64 },
};

function checkMdpoOffOptions(where: string, o: MdpoOffOptions): void {
  checkNumber(where, 'learningRate', o.learningRate, { greaterThan: 0 });
  checkNumber(where, 'bufferSize', o.bufferSize, { integer: true, min: 1 });
  checkNumber(where, 'learningStarts', o.learningStarts, { integer: true, min: 0 });
  checkNumber(where, 'batchSize', o.batchSize, { integer: true, min: 1 });
  checkNumber(where, 'tau', o.tau, { greaterThan: 0, max: 1 });
  checkNumber(where, 'gamma', o.gamma, { min: 0, max: 1 });
  checkNumber(where, 'klCoef', o.klCoef, { min: 0 });
  checkNumber(where, 'lambda', o.lambda, { min: 0 });
  checkNumber(where, 'sgdSteps', o.sgdSteps, { integer: true, min: 1 });
  checkHidden(where, o.hiddenSizes);
  if (!Array.isArray(o.logStdBounds) || o.logStdBounds.length !== 2 || !(o.logStdBounds[0] < o.logStdBounds[1])) {
    invalidOption(where, 'logStdBounds', o.logStdBounds, 'a pair [lo, hi] of numbers with lo < hi');
  }
  checkBoolean(where, 'deterministicExploration', o.deterministicExploration);
  checkNumber(where, 'numEnvs', o.numEnvs, { integer: true, min: 1 });
  checkNumber(where, 'logInterval', o.logInterval, { integer: true, min: 1 });
}

/**
 * Off-policy MDPO (spec rl.md §1.2), one gradient step per environment step after `learningStarts`:
 *
 * ```
 * B ~ replay; ã = tanh(u), u = μ_θ(s) + σ_θ(s)ε
 * actor:  Adam on mdpoOffActorLoss (c·log π_θ(ã|s) + (λ − c)·log π_θk(ã|s) − Q₁(s, ã) + regularisers)
 * critics (Q₁, Q₂, V, one Adam): ½mean((Qᵢ(s, a) − y)²) + ½mean((V(s) − v)²),
 *   y = r + γ(1 − d)·V̄(s'),  v = min(Q₁, Q₂)(s, ã) − λ·log π_θ(ã|s)   (ã, Q from before this step's updates)
 * V̄ ← (1 − τ)V̄ + τV;  every m steps: θ_k ← θ
 * ```
 *
 * The actor is a tanh-squashed {@link GaussianPolicy} with state-dependent log σ, as {@link trainSac}. Deviations from the
 * authors' code: stochastic exploration by default (`deterministicExploration`), and truncated episodes bootstrap
 * (SB3's timeout handling; SB2 stored the time limit as terminal). Records one {@link IterationStats} every
 * `logInterval` environment steps (`policyLoss`, `valueLoss` = critic loss, `entropy` = −mean log π).
 *
 * Reference: Tomar et al. (2022); manantomar/Mirror-Descent-Policy-Optimization `mdpo_off/mdpo.py` (c9bd3ba).
 */
export async function trainMdpoOff(config: TrainConfig, callbacks: TrainCallbacks = {}): Promise<TrainResult> {
  const { env: envId, seed, options: o } = resolveOptions('trainMdpoOff', config, mdpoOffDefaults, mdpoOffPresets);
  checkMdpoOffOptions('trainMdpoOff', o);
  return trainMdpoOffOn(makeEnv(envId, { numEnvs: o.numEnvs, seed }), config, callbacks);
}

/** {@link trainMdpoOff} on a vector environment you built (as {@link trainSacOn}). */
export async function trainMdpoOffOn(vectorEnv: VectorEnv, config: TrainConfig, callbacks: TrainCallbacks = {}): Promise<TrainResult> {
  const where = 'trainMdpoOff';
  const { env: envId, seed, totalSteps, options: o } = resolveOptions(where, config, mdpoOffDefaults, mdpoOffPresets);
  checkMdpoOffOptions(where, o);
  if (vectorEnv.numEnvs !== o.numEnvs) invalidOption(where, 'numEnvs', o.numEnvs, `the vector environment's numEnvs (${vectorEnv.numEnvs})`);
  await ensureGradients();
  const env = new EpisodeStatistics(vectorEnv);
  const box = finiteBox(where, env);
  const obsDim = env.observationSpace.shape.reduce((a, b) => a * b, 1);
  const actDim = box.low.length;
  const [kActor, kCritic, kValue, kAct, kBatch, kNoise, kRandom] = split(prngKey(seed), 7) as Key[];
  const policy = squashedGaussianActor(kActor as Key, envId, obsDim, box, o.hiddenSizes, o.logStdBounds);
  const oldParams: GaussianParams<tf.Variable> = { net: cloneMlp(policy.params.net) };
  const critic: TwinCriticParams = initTwinCritic(kCritic as Key, obsDim + actDim, o.hiddenSizes);
  const value: MlpParams<tf.Variable> = initValueNetwork(kValue as Key, obsDim, { hidden: o.hiddenSizes, orthogonalInit: false });
  const valueTarget = cloneMlp(value);
  const criticVars = [...layerVariables(...critic), ...layerVariables(value)];
  const actorOpt = new Optimizer(adam({ learningRate: o.learningRate }), policy.params);
  const criticOpt = new Optimizer(adam({ learningRate: o.learningRate }), criticVars);
  const buffer = new ReplayBuffer({ capacity: o.bufferSize, observationDim: obsDim, actionDim: actDim });
  const history: IterationStats[] = [];
  const start = performance.now();
  let sums = { actor: 0, critic: 0, logp: 0, updates: 0 };
  let updates = 0;

  const update = (): void => {
    const B = o.batchSize;
    const batch = buffer.sample(foldIn(kBatch as Key, updates), B);
    const noise = tf.tensor2d(normalValues(foldIn(kNoise as Key, updates), B * actDim), [B, actDim]);
    updates += 1;
    const obs = tf.tensor2d(batch.observations, [B, obsDim]);
    const act = tf.tensor2d(batch.actions, [B, actDim]);
    const nextObs = tf.tensor2d(batch.nextObservations, [B, obsDim]);
    let vBackup: tf.Tensor | undefined;
    let meanLogp: tf.Scalar | undefined;
    sums.actor += actorOpt.minimize(() => {
      const dist = policy.distribution(policy.params, obs);
      const u = tf.add(dist.mean, tf.mul(tf.exp(dist.logStd), noise));
      const logProb = policy.logProb(policy.params, obs, u);
      const oldLogProb = policy.logProb(oldParams, obs, u);
      const actions = tf.add(tf.mul(tf.tanh(u), tf.tensor1d(halfRange(box))), tf.tensor1d(midpoint(box)));
      const [q1, q2] = twinQ(critic, obs, actions);
      // The value target uses this pre-update sample and pre-update critics (the authors' single sess.run).
      vBackup = tf.keep(tf.sub(tf.minimum(q1, q2), tf.mul(logProb, o.lambda)));
      meanLogp = tf.keep(tf.mean(logProb)) as tf.Scalar;
      return mdpoOffActorLoss({ logProb, oldLogProb, q1, mean: dist.mean, logStd: dist.logStd }, { klCoef: o.klCoef, lambda: o.lambda });
    });
    const y = tf.tidy(() => {
      const vNext = valueForward(valueTarget, nextObs, 'relu');
      return tf.add(tf.tensor1d(batch.rewards), tf.mul(tf.mul(tf.sub(1, tf.tensor1d(batch.dones)), o.gamma), vNext));
    });
    sums.critic += criticOpt.minimize(() => {
      const [q1, q2] = twinQ(critic, obs, act);
      const v = valueForward(value, obs, 'relu');
      return tf.add(sacCriticLoss(q1, q2, y), tf.mul(tf.mean(tf.squaredDifference(v, vBackup as tf.Tensor)), 0.5)) as tf.Scalar;
    });
    sums.logp += (meanLogp as tf.Scalar).dataSync()[0] as number;
    sums.updates += 1;
    polyakUpdate(layerVariables(value), layerVariables(valueTarget), o.tau);
    if (updates % o.sgdSteps === 0) polyakUpdate(layerVariables(policy.params.net), layerVariables(oldParams.net), 1);
    tf.dispose([obs, act, nextObs, noise, y, vBackup as tf.Tensor, meanLogp as tf.Scalar]);
  };

  let obs = env.reset(seed);
  let steps = 0;
  let vecSteps = 0;
  let nextLog = o.logInterval;
  let iteration = 0;
  try {
    while (steps < totalSteps) {
      const n = o.numEnvs;
      let actions: Float32Array;
      if (steps < o.learningStarts) {
        const u = uniformValues(foldIn(kRandom as Key, vecSteps), n * actDim, -1, 1);
        actions = new Float32Array(n * actDim);
        for (let j = 0; j < actions.length; j++) {
          const i = j % actDim;
          actions[j] = (box.low[i] as number) + 0.5 * ((u[j] as number) + 1) * ((box.high[i] as number) - (box.low[i] as number));
        }
      } else {
        actions = policy.act(obs, { deterministic: o.deterministicExploration, key: foldIn(kAct as Key, vecSteps) });
      }
      const res = env.step(actions);
      buffer.add(obs, actions, res.rewards, replayNextObservations(res.observations, res.finalObservations, obsDim), res.terminated);
      obs = res.observations;
      steps += n;
      vecSteps += 1;
      if (steps >= o.learningStarts) update();
      if (steps >= nextLog || steps >= totalSteps) {
        nextLog += o.logInterval;
        const u = Math.max(sums.updates, 1);
        const stats: IterationStats = { iteration: iteration++, steps, ...summarizeEpisodes(env.drain().returns), wallTimeMs: performance.now() - start };
        if (sums.updates > 0) {
          stats.policyLoss = sums.actor / u;
          stats.valueLoss = sums.critic / u;
          stats.entropy = -sums.logp / u;
        }
        sums = { actor: 0, critic: 0, logp: 0, updates: 0 };
        history.push(stats);
        if (callbacks.onIteration?.(stats) === false) break;
      }
    }
  } catch (e) {
    policy.dispose();
    throw e;
  } finally {
    actorOpt.dispose();
    criticOpt.dispose();
    tf.dispose([...criticVars, ...layerVariables(valueTarget), ...layerVariables(oldParams.net)]);
  }
  return { policy, history };
}

function halfRange(box: { low: Float32Array; high: Float32Array }): Float32Array {
  return box.low.map((lo, i) => ((box.high[i] as number) - lo) / 2);
}

function midpoint(box: { low: Float32Array; high: Float32Array }): Float32Array {
  return box.low.map((lo, i) => ((box.high[i] as number) + lo) / 2);
}
