/**
 * Reward normalisation by the running standard deviation of the discounted return, as Stable-Baselines3's
 * `VecNormalize(norm_reward=True)` (Gymnasium's `NormalizeReward` is the same idea).
 *
 * @packageDocumentation
 */
import { checkKnownOptions, checkNumber } from '@descent/core';
import type { BoxSpace, Space, VectorEnv, VectorStepResult } from './env.js';
import { checkFiniteReward } from './episodic-env.js';
import { RunningMeanStd, type RunningMeanStdState } from './normalize-observation.js';

/** Options of {@link NormalizeReward}. */
export interface NormalizeRewardOptions {
  /** Discount of the running return. Default 0.99 (SB3 `gamma`; match the algorithm's γ). */
  gamma?: number;
  /** Normalised rewards are clipped to ±clip. Default 10 (SB3 `clip_reward`). */
  clip?: number;
  /** Added to the variance under the square root. Default 1e-8. */
  epsilon?: number;
}

/**
 * Wraps a vector environment so that it emits `clip(r_t / sqrt(Var[R] + ε), −10, 10)`, where per sub-environment
 * `R_t = γ·R_{t−1} + r_t` is the running discounted return and `Var[R]` its running variance over all
 * sub-environments ({@link RunningMeanStd}, updated while `training`). `R` is zeroed when an episode ends
 * (terminated or truncated) and on `reset`. The mean is not subtracted (that would change the optimal policy).
 * Statistics: `getState`/`setState`; `training = false` freezes them.
 */
export class NormalizeReward implements VectorEnv {
  readonly id: string;
  readonly numEnvs: number;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: Space;
  readonly maxEpisodeSteps: number;
  readonly env: VectorEnv;
  readonly rms = new RunningMeanStd(1);
  readonly gamma: number;
  readonly clip: number;
  readonly epsilon: number;
  training = true;
  private readonly returns: Float64Array;

  constructor(env: VectorEnv, options: NormalizeRewardOptions = {}) {
    checkKnownOptions('NormalizeReward', options, ['gamma', 'clip', 'epsilon']);
    this.gamma = checkNumber('NormalizeReward', 'gamma', options.gamma ?? 0.99, { min: 0, max: 1 });
    this.clip = checkNumber('NormalizeReward', 'clip', options.clip ?? 10, { greaterThan: 0 });
    this.epsilon = checkNumber('NormalizeReward', 'epsilon', options.epsilon ?? 1e-8, { min: 0 });
    this.env = env;
    this.id = env.id;
    this.numEnvs = env.numEnvs;
    this.observationSpace = env.observationSpace;
    this.actionSpace = env.actionSpace;
    this.maxEpisodeSteps = env.maxEpisodeSteps;
    this.returns = new Float64Array(env.numEnvs);
  }

  reset(seed?: number): Float32Array {
    this.returns.fill(0);
    return this.env.reset(seed);
  }

  step(actions: Int32Array | Float32Array): VectorStepResult {
    const r = this.env.step(actions);
    checkFiniteReward(`${this.id} NormalizeReward`, r.rewards);
    const n = this.numEnvs;
    if (this.training) {
      for (let i = 0; i < n; i++) this.returns[i] = this.returns[i] * this.gamma + r.rewards[i];
      this.rms.update(this.returns, n);
    }
    const scale = Math.sqrt(this.rms.var[0] + this.epsilon);
    const rewards = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      rewards[i] = Math.min(Math.max(r.rewards[i] / scale, -this.clip), this.clip);
      if (r.terminated[i] || r.truncated[i]) this.returns[i] = 0;
    }
    return { ...r, rewards };
  }

  getState(): RunningMeanStdState {
    return this.rms.getState();
  }

  setState(state: RunningMeanStdState): void {
    this.rms.setState(state);
  }
}
