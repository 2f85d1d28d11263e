/**
 * Observation normalisation with running statistics, as Stable-Baselines3's `VecNormalize(norm_obs=True)`.
 *
 * @packageDocumentation
 */
import { checkKnownOptions, checkNumber, invalidOption } from '@descent/core';
import { checkFiniteObservation } from './episodic-env.js';
import type { BoxSpace, Space, VectorEnv, VectorStepResult } from './env.js';

/** The serialisable state of a {@link RunningMeanStd}. */
export interface RunningMeanStdState {
  mean: number[];
  var: number[];
  count: number;
}

/**
 * Running mean and variance over batches (SB3's `RunningMeanStd`, Chan et al.'s parallel algorithm), float64:
 * starts at mean 0, var 1, count ε = 1e-4; a batch with mean μ_b, population variance σ²_b and size n updates
 *
 *   δ = μ_b − μ,  N = count + n,  μ ← μ + δ·n/N,  var ← (var·count + σ²_b·n + δ²·count·n/N)/N,  count ← N.
 */
export class RunningMeanStd {
  readonly dim: number;
  mean: Float64Array;
  var: Float64Array;
  count: number;

  constructor(dim: number, epsilon = 1e-4) {
    this.dim = checkNumber('RunningMeanStd', 'dim', dim, { integer: true, min: 1 });
    checkNumber('RunningMeanStd', 'epsilon', epsilon, { greaterThan: 0 });
    this.mean = new Float64Array(dim);
    this.var = new Float64Array(dim).fill(1);
    this.count = epsilon;
  }

  /** Updates from `n` rows of `dim` values, row-major. */
  update(batch: ArrayLike<number>, n: number): void {
    const d = this.dim;
    const total = this.count + n;
    for (let j = 0; j < d; j++) {
      let m = 0;
      for (let i = 0; i < n; i++) m += batch[i * d + j];
      m /= n;
      let v = 0;
      for (let i = 0; i < n; i++) v += (batch[i * d + j] - m) ** 2;
      v /= n;
      const delta = m - this.mean[j];
      const m2 = this.var[j] * this.count + v * n + (delta * delta * this.count * n) / total;
      this.mean[j] += (delta * n) / total;
      this.var[j] = m2 / total;
    }
    this.count = total;
  }

  getState(): RunningMeanStdState {
    return { mean: Array.from(this.mean), var: Array.from(this.var), count: this.count };
  }

  /** Restores a state from {@link getState} (validated: lengths, finite values, var ≥ 0, count > 0). */
  setState(state: RunningMeanStdState): void {
    const where = 'RunningMeanStd.setState';
    if (state === null || typeof state !== 'object') invalidOption(where, 'state', state, '{ mean, var, count }');
    for (const name of ['mean', 'var'] as const) {
      const arr = state[name];
      if (!Array.isArray(arr) || arr.length !== this.dim) invalidOption(where, name, arr, `an array of ${this.dim} numbers`);
      for (let j = 0; j < arr.length; j++) checkNumber(where, `${name}[${j}]`, arr[j], name === 'var' ? { min: 0 } : {});
    }
    checkNumber(where, 'count', state.count, { greaterThan: 0 });
    this.mean = Float64Array.from(state.mean);
    this.var = Float64Array.from(state.var);
    this.count = state.count;
  }
}

/** Options of {@link NormalizeObservation}. */
export interface NormalizeObservationOptions {
  /** Normalised observations are clipped to ±clip. Default 10 (SB3 `clip_obs`). */
  clip?: number;
  /** Added to the variance under the square root. Default 1e-8 (SB3 `epsilon`). */
  epsilon?: number;
}

/**
 * Wraps a vector environment so that it emits `clip((o − μ)/sqrt(σ² + ε), −10, 10)` with running statistics
 * (μ, σ²) of the raw observations ({@link RunningMeanStd}), exactly SB3's `VecNormalize` observation path:
 * while `training`, the statistics are updated with every batch of raw observations returned by `reset` and by
 * `step` (the post-autoreset rows), before normalising them; final observations are normalised without updating.
 * Set `training = false` to freeze the statistics (evaluation); `getState`/`setState` save and restore them.
 *
 * @throws DescentError (`non-finite`) when the wrapped environment returns a NaN or infinite observation.
 */
export class NormalizeObservation implements VectorEnv {
  readonly id: string;
  readonly numEnvs: number;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: Space;
  readonly maxEpisodeSteps: number;
  readonly env: VectorEnv;
  readonly rms: RunningMeanStd;
  readonly clip: number;
  readonly epsilon: number;
  /** While true, the running statistics are updated; false freezes them. */
  training = true;
  private readonly dim: number;

  constructor(env: VectorEnv, options: NormalizeObservationOptions = {}) {
    checkKnownOptions('NormalizeObservation', options, ['clip', 'epsilon']);
    this.clip = checkNumber('NormalizeObservation', 'clip', options.clip ?? 10, { greaterThan: 0 });
    this.epsilon = checkNumber('NormalizeObservation', 'epsilon', options.epsilon ?? 1e-8, { min: 0 });
    this.env = env;
    this.id = env.id;
    this.numEnvs = env.numEnvs;
    this.actionSpace = env.actionSpace;
    this.maxEpisodeSteps = env.maxEpisodeSteps;
    this.dim = env.observationSpace.shape.reduce((a, b) => a * b, 1);
    this.rms = new RunningMeanStd(this.dim);
    const bound = new Array<number>(this.dim).fill(this.clip);
    this.observationSpace = {
      kind: 'box',
      shape: [...env.observationSpace.shape],
      low: Float32Array.from(bound, (b) => -b),
      high: Float32Array.from(bound),
    };
  }

  /** Normalises rows of raw observations with the current statistics (no update). */
  normalize(observations: ArrayLike<number>): Float32Array {
    checkFiniteObservation(`${this.id} NormalizeObservation`, observations);
    if (observations.length % this.dim !== 0) {
      invalidOption('NormalizeObservation.normalize', 'observations.length', observations.length, `a multiple of ${this.dim}`);
    }
    const out = new Float32Array(observations.length);
    const { mean, var: variance } = this.rms;
    for (let i = 0; i < observations.length; i++) {
      const j = i % this.dim;
      const z = (observations[i] - mean[j]) / Math.sqrt(variance[j] + this.epsilon);
      out[i] = Math.min(Math.max(z, -this.clip), this.clip);
    }
    return out;
  }

  reset(seed?: number): Float32Array {
    const obs = this.env.reset(seed);
    return this.updateAndNormalize(obs);
  }

  step(actions: Int32Array | Float32Array): VectorStepResult {
    const r = this.env.step(actions);
    return {
      ...r,
      observations: this.updateAndNormalize(r.observations),
      finalObservations: r.finalObservations.map((o) => (o === undefined ? undefined : this.normalize(o))),
    };
  }

  getState(): RunningMeanStdState {
    return this.rms.getState();
  }

  setState(state: RunningMeanStdState): void {
    this.rms.setState(state);
  }

  private updateAndNormalize(obs: Float32Array): Float32Array {
    checkFiniteObservation(`${this.id} NormalizeObservation`, obs);
    if (this.training) this.rms.update(obs, this.numEnvs);
    return this.normalize(obs);
  }
}
