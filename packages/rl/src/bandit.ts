/**
 * A multi-armed bandit as a one-step episodic environment, for fast tests of policy-gradient code.
 *
 * @packageDocumentation
 */
import { type Key, checkKnownOptions, checkNumber, checkOneOf, invalidOption, normalValues } from '@descent/core';
import { EpisodicEnv, type Transition, boxSpace, discreteSpace, uniformFloat64 } from './episodic-env.js';

/** Options of {@link BanditEnv}. */
export interface BanditOptions {
  /** 'bernoulli' (reward 1 with probability `means[a]`, else 0) or 'gaussian' (reward ~ N(means[a], stds[a]²)). Default 'bernoulli'. */
  kind?: 'bernoulli' | 'gaussian';
  /** One mean per arm (a probability in [0, 1] for Bernoulli arms). Default [0.2, 0.5, 0.8, 0.35] — arm 2 is best. */
  means?: readonly number[];
  /** Gaussian arms only: one standard deviation ≥ 0 per arm. Default 1 for every arm. */
  stds?: readonly number[];
  /** Seed of the environment's PRNG. Default 0. */
  seed?: number;
}

/** The default arms of 'Bandit-v0': Bernoulli with these success probabilities (the best arm is 2). */
export const DEFAULT_BANDIT_MEANS: readonly number[] = [0.2, 0.5, 0.8, 0.35];

/**
 * A K-armed bandit: every episode is ONE step (`terminated` is always true, `maxEpisodeSteps` = 1), the observation is
 * the constant `[1]` (so that any MLP policy applies), actions `Discrete(K)`. Rewards: Bernoulli(means[a]) or
 * N(means[a], stds[a]²), drawn from core's PRNG (the environment key is split once per reset; the reward is drawn from the half
 * reserved for that episode). The optimal expected return is `max(means)`.
 */
export class BanditEnv extends EpisodicEnv {
  readonly id = 'Bandit-v0';
  readonly observationSpace = boxSpace([1], [1]);
  readonly actionSpace;
  readonly maxEpisodeSteps = 1;
  protected readonly state = new Float64Array(0);
  readonly kind: 'bernoulli' | 'gaussian';
  readonly means: readonly number[];
  readonly stds: readonly number[];
  private episodeKey: Key = [0, 0];

  constructor(options: BanditOptions = {}) {
    checkKnownOptions('BanditEnv', options, ['kind', 'means', 'stds', 'seed']);
    super(options.seed ?? 0);
    this.kind = checkOneOf('BanditEnv', 'kind', options.kind ?? 'bernoulli', ['bernoulli', 'gaussian'] as const);
    const means = options.means ?? DEFAULT_BANDIT_MEANS;
    if (!Array.isArray(means) || means.length < 1) invalidOption('BanditEnv', 'means', means, 'a non-empty array of numbers');
    for (let i = 0; i < means.length; i++) {
      checkNumber('BanditEnv', `means[${i}]`, means[i], this.kind === 'bernoulli' ? { min: 0, max: 1 } : {});
    }
    const stds = options.stds ?? means.map(() => 1);
    if (this.kind === 'bernoulli' && options.stds !== undefined) {
      invalidOption('BanditEnv', 'stds', options.stds, "undefined for kind 'bernoulli'");
    }
    if (!Array.isArray(stds) || stds.length !== means.length) {
      invalidOption('BanditEnv', 'stds', stds, `an array of ${means.length} numbers (one per arm)`);
    }
    for (let i = 0; i < stds.length; i++) checkNumber('BanditEnv', `stds[${i}]`, stds[i], { min: 0 });
    this.means = [...means];
    this.stds = [...stds];
    this.actionSpace = discreteSpace(means.length);
  }

  protected resetState(k: Key): void {
    this.episodeKey = k;
  }

  protected transition(action: number | Float32Array): Transition {
    const a = action as number;
    const draw = this.episodeKey;
    const reward =
      this.kind === 'bernoulli'
        ? uniformFloat64(draw, 1, 0, 1)[0] < this.means[a]
          ? 1
          : 0
        : this.means[a] + this.stds[a] * normalValues(draw, 1)[0];
    return { reward, terminated: true };
  }

  protected observe(): Float32Array {
    return Float32Array.of(1);
  }
}
