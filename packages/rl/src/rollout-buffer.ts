/**
 * The on-policy rollout buffer (`[numSteps × numEnvs]` transitions) and the loop that fills it from a vectorised
 * environment with a policy and a value network.
 *
 * @packageDocumentation
 */
import { type Key, DescentError, checkNumber, split } from '@descent/core';
import type { VectorEnv } from './env.js';
import { computeGae } from './gae.js';
import type { Activation, MlpParams } from './mlp.js';
import type { TrainablePolicy } from './trainable-policy.js';
import { valuesHost } from './value-network.js';

/** Shape of a {@link RolloutBuffer}. */
export interface RolloutBufferOptions {
  numSteps: number;
  numEnvs: number;
  observationDim: number;
  /** Entries per action: 1 for discrete actions, d for continuous. */
  actionWidth: number;
  /** Integer (categorical) or float actions. */
  discrete: boolean;
}

/**
 * Host storage of one rollout, row-major with row index t·numEnvs + e (SB3 `RolloutBuffer`, CleanRL's `obs/actions/
 * logprobs/rewards/dones/values` arrays). Observations are stored as the policy saw them (normalised if it normalises).
 */
export class RolloutBuffer {
  readonly numSteps: number;
  readonly numEnvs: number;
  readonly observationDim: number;
  readonly actionWidth: number;
  readonly observations: Float32Array;
  readonly actions: Int32Array | Float32Array;
  readonly logProbs: Float32Array;
  readonly rewards: Float32Array;
  readonly values: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly truncatedValues: Float32Array;
  readonly lastValues: Float32Array;
  advantages: Float32Array;
  returns: Float32Array;
  /** Steps stored so far (0 … numSteps). */
  position = 0;

  constructor(options: RolloutBufferOptions) {
    const where = 'RolloutBuffer';
    this.numSteps = checkNumber(where, 'numSteps', options.numSteps, { integer: true, min: 1 });
    this.numEnvs = checkNumber(where, 'numEnvs', options.numEnvs, { integer: true, min: 1 });
    this.observationDim = checkNumber(where, 'observationDim', options.observationDim, { integer: true, min: 1 });
    this.actionWidth = checkNumber(where, 'actionWidth', options.actionWidth, { integer: true, min: 1 });
    const size = this.numSteps * this.numEnvs;
    this.observations = new Float32Array(size * this.observationDim);
    this.actions = options.discrete ? new Int32Array(size * this.actionWidth) : new Float32Array(size * this.actionWidth);
    this.logProbs = new Float32Array(size);
    this.rewards = new Float32Array(size);
    this.values = new Float32Array(size);
    this.terminated = new Uint8Array(size);
    this.truncated = new Uint8Array(size);
    this.truncatedValues = new Float32Array(size);
    this.lastValues = new Float32Array(this.numEnvs);
    this.advantages = new Float32Array(size);
    this.returns = new Float32Array(size);
  }

  /** Transitions the buffer holds when full. */
  get size(): number {
    return this.numSteps * this.numEnvs;
  }

  /** Stores step `position` for every sub-environment. */
  add(step: {
    observations: Float32Array;
    actions: Int32Array | Float32Array;
    logProbs: Float32Array;
    rewards: Float32Array;
    values: Float32Array;
    terminated: Uint8Array;
    truncated: Uint8Array;
    truncatedValues: Float32Array;
  }): void {
    if (this.position >= this.numSteps) throw new DescentError('unsupported', `RolloutBuffer.add: the buffer is full (${this.numSteps} steps); call reset()`, {});
    const t = this.position;
    const N = this.numEnvs;
    this.observations.set(step.observations, t * N * this.observationDim);
    this.actions.set(step.actions, t * N * this.actionWidth);
    this.logProbs.set(step.logProbs, t * N);
    this.rewards.set(step.rewards, t * N);
    this.values.set(step.values, t * N);
    this.terminated.set(step.terminated, t * N);
    this.truncated.set(step.truncated, t * N);
    this.truncatedValues.set(step.truncatedValues, t * N);
    this.position++;
  }

  /** GAE(λ) advantages and returns over the full buffer (see {@link computeGae}); needs `lastValues` set. */
  computeAdvantages(gamma: number, lambda: number): void {
    if (this.position !== this.numSteps) throw new DescentError('unsupported', `RolloutBuffer.computeAdvantages: the buffer holds ${this.position} of ${this.numSteps} steps`, {});
    const { advantages, returns } = computeGae({
      numSteps: this.numSteps,
      numEnvs: this.numEnvs,
      rewards: this.rewards,
      values: this.values,
      terminated: this.terminated,
      truncated: this.truncated,
      truncatedValues: this.truncatedValues,
      lastValues: this.lastValues,
      gamma,
      lambda,
    });
    this.advantages = advantages;
    this.returns = returns;
  }

  /** Empties the buffer for the next rollout (the arrays are reused). */
  reset(): void {
    this.position = 0;
  }
}

/** Running state of {@link collectRollout} across iterations: the environment's current observations and episode tallies. */
export interface RolloutState {
  env: VectorEnv;
  /** Current raw observations [numEnvs × observationDim]. */
  observations: Float32Array;
  /** Undiscounted return and length of each sub-environment's episode in progress. */
  episodeReturns: Float64Array;
  episodeLengths: Int32Array;
  /** Environment steps taken so far (summed over sub-environments). */
  steps: number;
}

/** Starts a {@link RolloutState}: resets `env` with `seed`. */
export function startRollout(env: VectorEnv, seed: number): RolloutState {
  return {
    env,
    observations: env.reset(seed),
    episodeReturns: new Float64Array(env.numEnvs),
    episodeLengths: new Int32Array(env.numEnvs),
    steps: 0,
  };
}

/** Options of {@link collectRollout}. */
export interface CollectRolloutOptions {
  /** Activation of the value network. Default 'tanh'. */
  valueActivation?: Activation;
  /** Maps raw rewards to the rewards stored for learning (e.g. SB3 `VecNormalize` reward scaling); episode returns stay raw. */
  rewardScale?: (rewards: Float32Array, terminated: Uint8Array, truncated: Uint8Array) => Float32Array;
  /** Sees every raw observation batch before it is normalised (e.g. to update running statistics). */
  onObservations?: (observations: Float32Array) => void;
  /** Called with the step index t ∈ [0, numSteps) before the policy samples step t (e.g. to reset gSDE noise). */
  beforeStep?: (t: number) => void;
}

/**
 * Fills `buffer` with `buffer.numSteps` steps of every sub-environment: observations are normalised with the policy's
 * `normalizeObservations`, actions drawn by `policy.sample` with one split of `key` per step,
 * V(o) from `valueParams`; truncated transitions record V(final observation) for the GAE bootstrap. Sets
 * `buffer.lastValues`. Returns the returns and lengths of the episodes that finished during the rollout.
 * `onObservations` sees each new raw observation batch once (the first one of a rollout was seen at the end of the
 * previous rollout or by the caller after `startRollout`).
 */
export function collectRollout(
  state: RolloutState,
  policy: TrainablePolicy,
  valueParams: MlpParams,
  buffer: RolloutBuffer,
  key: Key,
  options: CollectRolloutOptions = {},
): { episodeReturns: number[]; episodeLengths: number[] } {
  const { env } = state;
  const N = env.numEnvs;
  const D = policy.observationDim;
  const act = options.valueActivation ?? 'tanh';
  const finished: number[] = [];
  const lengths: number[] = [];
  const keys = split(key, buffer.numSteps);
  buffer.reset();
  for (let t = 0; t < buffer.numSteps; t++) {
    if (t > 0) options.onObservations?.(state.observations);
    const obs = policy.normalizeObservations(state.observations);
    options.beforeStep?.(t);
    const sample = policy.sample(obs, keys[t]);
    const values = valuesHost(valueParams, obs, D, act);
    const result = env.step(sample.actions);
    const truncatedValues = new Float32Array(N);
    for (let e = 0; e < N; e++) {
      state.episodeReturns[e] += result.rewards[e];
      state.episodeLengths[e] += 1;
      if (result.terminated[e] || result.truncated[e]) {
        finished.push(state.episodeReturns[e]);
        lengths.push(state.episodeLengths[e]);
        state.episodeReturns[e] = 0;
        state.episodeLengths[e] = 0;
        const final = result.finalObservations[e];
        if (result.truncated[e] && !result.terminated[e] && final !== undefined) {
          truncatedValues[e] = valuesHost(valueParams, policy.normalizeObservations(final), D, act)[0];
        }
      }
    }
    const rewards = options.rewardScale ? options.rewardScale(result.rewards, result.terminated, result.truncated) : result.rewards;
    buffer.add({
      observations: obs,
      actions: sample.raw,
      logProbs: sample.logProbs,
      rewards,
      values,
      terminated: result.terminated,
      truncated: result.truncated,
      truncatedValues,
    });
    state.observations = result.observations;
    state.steps += N;
  }
  options.onObservations?.(state.observations);
  buffer.lastValues.set(valuesHost(valueParams, policy.normalizeObservations(state.observations), D, act));
  return { episodeReturns: finished, episodeLengths: lengths };
}
