/**
 * Generalized state-dependent exploration (gSDE; Raffin, Kober & Stulp 2022, "Smooth Exploration for Robotic
 * Reinforcement Learning", CoRL 2021, arXiv 2005.05719): a Gaussian policy whose exploration noise is a linear function
 * of the policy's last hidden features, ε(s) = z(s)·W with a noise matrix W that stays fixed for several steps, so that
 * exploration is smooth in time. Two configurations of SB3's `StateDependentNoiseDistribution`
 * (`stable_baselines3/common/distributions.py`, e05d2db), written from its equations: SAC's actor with `use_sde=True`
 * (`sac/policies.py` `Actor`: ReLU features, clipped mean, tanh-squashed, `learn_features=True`) and the on-policy
 * `ActorCriticPolicy` with `use_sde=True` (`common/policies.py`: tanh features, unsquashed and clipped to the bounds,
 * `learn_features=False`).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Key, DescentError, checkBoolean, checkNumber, checkOneOf, invalidOption, isKey, normalValues, treeDispose } from '@descent/core';
import {
  type GaussianDistribution,
  boundsSafe,
  gaussianEntropy,
  gaussianKl,
  gaussianLogDensity,
  squashAffine,
  tanhLogDetJacobian,
} from './gaussian-policy.js';
import { type Activation, type MlpParams, initMlp, mlpSizes, ownedVariable } from './mlp.js';
import { encodePolicyBytes, mlpPolicyTensors } from './policy-bytes.js';
import { stopGradient } from './stop-gradient.js';
import {
  type ObservationNormalization,
  type PolicySample,
  type TrainablePolicy,
  applyObservationNormalization,
  observationRows,
} from './trainable-policy.js';

/**
 * Parameters of a {@link GsdePolicy}: `net` is the feature network followed by the linear mean head (its last layer),
 * `logStd` the `[featureDim × d]` matrix of log σ_ij (SB3 `full_std=True`).
 */
export type GsdeParams<T extends tf.Tensor = tf.Tensor> = { net: MlpParams<T>; logStd: T };

const LOG_2PI = Math.log(2 * Math.PI);
/** SB3 `StateDependentNoiseDistribution.epsilon`: added to the variance before the square root. */
const VARIANCE_EPS = 1e-6;
/** Inside log(s·(1 − tanh²u) + ε), as {@link GaussianPolicy} and SB3's `TanhBijector.epsilon`. */
const SQUASH_EPS = 1e-6;

/** Options of {@link GsdePolicy.create}. */
export interface GsdePolicyOptions {
  envId: string;
  observationDim: number;
  /** Lower action bounds [d] (finite). */
  actionLow: Float32Array;
  /** Upper action bounds [d] (finite). */
  actionHigh: Float32Array;
  /** Hidden widths of the feature network; the last one is the feature dimension of the noise. Default [64, 64]. */
  hidden?: number[];
  /** Activation after every hidden layer. Default 'relu' (SB3 SAC); SB3's PPO uses 'tanh'. */
  activation?: Activation;
  /**
   * Orthogonal init with gain √2 on hidden layers and 0.01 on the mean head (SB3 `ortho_init`, PPO's default).
   * Default false: torch's `nn.Linear` init, as SB3's SAC actor.
   */
  orthogonalInit?: boolean;
  /** Initial value of every log σ_ij. Default −3 (SB3 SAC `log_std_init` with gSDE); SB3's PPO default is 0. */
  logStdInit?: number;
  /** μ is clipped to [−clipMean, clipMean] (SB3 SAC's `Hardtanh`); 0 disables it. Default 2 (SB3 SAC); PPO uses 0. */
  clipMean?: number;
  /**
   * Environment actions b + s·tanh(u) with the change-of-variables term in log π (SAC). Off, the environment gets
   * clip(u, low, high) and log π is that of u (SB3 PPO `squash_output=False`). Default true.
   */
  squash?: boolean;
  /**
   * Whether gradients of the noise and the variance reach the features z(s) (SB3 `learn_features`: true in SAC's actor,
   * false in `ActorCriticPolicy`, which uses z(s).detach() there). Default true.
   */
  learnFeatures?: boolean;
  observationNormalization?: ObservationNormalization;
}

/**
 * The gSDE policy. With features z(s) ∈ ℝᶠ (the activations of the last hidden layer), mean
 * μ(s) = clip(z·W_μ + b_μ, ±clipMean), σ = exp(logStd) ∈ ℝᶠˣᵈ and a noise matrix E ~ N(0, 1)ᶠˣᵈ held fixed between
 * resets:
 *
 * $$u = \mu(s) + z(s)\,(\sigma\odot E),\qquad u_j \sim \mathcal N\Big(\mu_j(s),\ \textstyle\sum_i z_i(s)^2\sigma_{ij}^2 + 10^{-6}\Big).$$
 *
 * Squashed (SAC): a = b + s⊙tanh u and log π(a|s) = Σ_j[log N(u_j) − log(s_j(1 − tanh²u_j) + 10⁻⁶)], with
 * s = (high − low)/2, b = (high + low)/2; deterministic actions b + s·tanh μ(s). Unsquashed (PPO): a = clip(u, low,
 * high), log π = Σ_j log N(u_j) of the unclipped u, deterministic actions clip(μ(s)). Gradients reach σ through the
 * variance (and, in `rsample`, the reparameterised noise z(σ⊙E)); they reach the features through the mean always and
 * through the noise and variance only with `learnFeatures`. The entropy is that of the Gaussian over u,
 * Σ_j ½ log(2πe·Var u_j), and KL terms use the per-state mean and standard deviation (`distribution`).
 *
 * Differences from SB3: log π is evaluated at u itself, where SB3's squashed form recovers u as atanh of the clamped
 * action (identical unless |u| > 8.3, where tanh saturates in float32); the squashed log-density includes the action
 * scale s (as {@link GaussianPolicy}, so SAC's target entropy −|A| means the same for both actors; SB3 scales actions
 * outside the policy — the two agree for the [−1, 1] bounds of MountainCarContinuous); the noise matrices hold E and
 * are scaled by the current σ when used, where SB3 stores σ⊙E drawn at the reset (the same while σ does not change
 * between a reset and its use, as within a PPO rollout); `expln` and `full_std=False` are not offered.
 */
export class GsdePolicy implements TrainablePolicy<GsdeParams, GaussianDistribution> {
  readonly kind = 'gaussian' as const;
  readonly envId: string;
  readonly observationDim: number;
  readonly actionDim: number;
  /** Width f of the last hidden layer: noise matrices are f × d. */
  readonly featureDim: number;
  readonly clipMean: number;
  readonly activation: Activation;
  readonly squash: boolean;
  readonly learnFeatures: boolean;
  readonly actionLow: Float32Array;
  readonly actionHigh: Float32Array;
  readonly params: GsdeParams<tf.Variable>;
  observationNormalization: ObservationNormalization | undefined;
  private readonly scale: Float32Array;
  private readonly bias: Float32Array;
  /** Noise matrices held by {@link GsdePolicy.resetNoise} for {@link GsdePolicy.sample}: one f·d block per row. */
  private heldNoise: Float32Array | undefined;
  private disposed = false;

  /** Wraps existing parameters (used by `create` and `loadPolicy`). The policy owns `params`. */
  constructor(options: {
    envId: string;
    params: GsdeParams<tf.Variable>;
    actionLow: Float32Array;
    actionHigh: Float32Array;
    clipMean?: number;
    activation?: Activation;
    squash?: boolean;
    learnFeatures?: boolean;
    observationNormalization?: ObservationNormalization;
  }) {
    const where = 'GsdePolicy';
    const sizes = mlpSizes(options.params.net);
    if (sizes.length < 3) invalidOption(where, 'params.net', sizes, 'at least one hidden layer and a mean head');
    this.envId = options.envId;
    this.params = options.params;
    this.observationDim = sizes[0];
    this.actionDim = sizes[sizes.length - 1];
    this.featureDim = sizes[sizes.length - 2];
    const ls = options.params.logStd?.shape;
    if (ls?.length !== 2 || ls[0] !== this.featureDim || ls[1] !== this.actionDim) {
      invalidOption(where, 'params.logStd', ls, `a [${this.featureDim}, ${this.actionDim}] log-std matrix`);
    }
    this.clipMean = checkNumber(where, 'clipMean', options.clipMean ?? 2, { min: 0 });
    this.activation = checkOneOf(where, 'activation', options.activation ?? 'relu', ['relu', 'tanh'] as const);
    this.squash = checkBoolean(where, 'squash', options.squash ?? true);
    this.learnFeatures = checkBoolean(where, 'learnFeatures', options.learnFeatures ?? true);
    if (options.actionLow?.length !== this.actionDim || options.actionHigh?.length !== this.actionDim) {
      invalidOption(where, 'actionLow/actionHigh', [options.actionLow, options.actionHigh], `Float32Arrays of length ${this.actionDim}`);
    }
    this.actionLow = Float32Array.from(options.actionLow);
    this.actionHigh = Float32Array.from(options.actionHigh);
    if (this.squash && ![...this.actionLow, ...this.actionHigh].every(Number.isFinite)) {
      invalidOption(where, 'actionLow/actionHigh', [options.actionLow, options.actionHigh], 'finite bounds (actions are tanh-squashed)');
    }
    ({ scale: this.scale, bias: this.bias } = squashAffine(where, this.actionLow, this.actionHigh));
    this.observationNormalization = options.observationNormalization;
  }

  /**
   * A freshly initialised policy; `key` seeds the weights (torch's `nn.Linear` default init as SB3's SAC actor, or
   * orthogonal with `orthogonalInit`) and every log σ_ij starts at `logStdInit`.
   */
  static create(key: Key, options: GsdePolicyOptions): GsdePolicy {
    const where = 'GsdePolicy.create';
    if (!isKey(key)) invalidOption(where, 'key', key, 'a PRNG key from key(seed)');
    checkNumber(where, 'observationDim', options.observationDim, { integer: true, min: 1 });
    const d = options.actionLow?.length;
    if (!Number.isInteger(d) || d < 1) invalidOption(where, 'actionLow', options.actionLow, 'a non-empty Float32Array of bounds');
    const hidden = options.hidden ?? [64, 64];
    if (!Array.isArray(hidden) || hidden.length === 0) invalidOption(where, 'hidden', hidden, 'at least one hidden layer (the noise features)');
    const logStdInit = checkNumber(where, 'logStdInit', options.logStdInit ?? -3);
    const orthogonalInit = checkBoolean(where, 'orthogonalInit', options.orthogonalInit ?? false);
    const net = initMlp(key, options.observationDim, d, { hidden, orthogonalInit, outputGain: 0.01 });
    const logStd = ownedVariable(tf.fill([hidden[hidden.length - 1] as number, d], logStdInit));
    return new GsdePolicy({ ...options, params: { net, logStd } });
  }

  /**
   * Features z(s) `[n, f]` (the activation after every hidden layer) and the mean μ(s) `[n, d]`, clipped when
   * `clipMean` > 0. Differentiable.
   */
  featuresAndMean(params: GsdeParams, observations: tf.Tensor2D): { features: tf.Tensor2D; mean: tf.Tensor2D } {
    return tf.tidy(() => {
      const layers = params.net;
      let h: tf.Tensor = observations;
      for (let l = 0; l < layers.length - 1; l++) {
        const pre = tf.add(tf.matMul(h as tf.Tensor2D, layers[l].w as tf.Tensor2D), layers[l].b);
        h = this.activation === 'tanh' ? tf.tanh(pre) : tf.relu(pre);
      }
      const head = layers[layers.length - 1];
      let mean: tf.Tensor = tf.add(tf.matMul(h as tf.Tensor2D, head.w as tf.Tensor2D), head.b);
      if (this.clipMean > 0) mean = tf.clipByValue(mean, -this.clipMean, this.clipMean);
      return { features: h as tf.Tensor2D, mean: mean as tf.Tensor2D };
    });
  }

  /** The features as the noise and the variance see them: z(s), detached unless `learnFeatures`. */
  private noiseFeatures(features: tf.Tensor2D): tf.Tensor2D {
    return this.learnFeatures ? features : stopGradient(features);
  }

  /** Var u = z(s)²·σ² + 10⁻⁶, `[n, d]`. */
  private variance(noiseFeatures: tf.Tensor2D, logStd: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => tf.add(tf.matMul(tf.square(noiseFeatures), tf.exp(tf.mul(tf.scalar(2), logStd)) as tf.Tensor2D), tf.scalar(VARIANCE_EPS)) as tf.Tensor2D);
  }

  /** Per-state mean and log standard deviation ½ log Var u, both `[n, d]` (of u, before any squashing). */
  distribution(params: GsdeParams, observations: tf.Tensor2D): GaussianDistribution {
    return tf.tidy(() => {
      const { features, mean } = this.featuresAndMean(params, observations);
      const logStd = tf.mul(tf.scalar(0.5), tf.log(this.variance(this.noiseFeatures(features), params.logStd))) as tf.Tensor2D;
      return { mean, logStd };
    });
  }

  /** log π(u | s) per row for raw actions u `[n, d]` (with the tanh term when squashed). */
  logProb(params: GsdeParams, observations: tf.Tensor2D, actions: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => {
      const logp = gaussianLogDensity(this.distribution(params, observations), actions);
      return (this.squash ? tf.sub(logp, tanhLogDetJacobian(actions, this.scale)) : logp) as tf.Tensor1D;
    });
  }

  /** Entropy of the Gaussian over u per row, Σ_j ½ log(2πe·Var u_j) (SB3 `entropy()` without a bijector). */
  entropy(params: GsdeParams, observations: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => gaussianEntropy(this.distribution(params, observations).logStd));
  }

  kl(p: GaussianDistribution, q: GaussianDistribution): tf.Tensor1D {
    return gaussianKl(p, q);
  }

  actionsTensor(raw: Int32Array | Float32Array, n: number): tf.Tensor {
    return tf.tensor2d(raw instanceof Float32Array ? raw : Float32Array.from(raw), [n, this.actionDim]);
  }

  /**
   * The reparameterised draw u = μ(s) + z(s)(σ⊙E) for one noise matrix `noise` = E `[f, d]` shared by all rows (SB3
   * resamples one matrix per gradient step): environment-space actions (b + s·tanh u when squashed, else u unclipped)
   * and log π, both differentiable in `params`.
   */
  rsample(params: GsdeParams, observations: tf.Tensor2D, noise: tf.Tensor2D): { actions: tf.Tensor2D; logProb: tf.Tensor1D } {
    return tf.tidy(() => {
      const { features, mean } = this.featuresAndMean(params, observations);
      const z = this.noiseFeatures(features);
      const u = tf.add(mean, tf.matMul(z, tf.mul(tf.exp(params.logStd), noise) as tf.Tensor2D)) as tf.Tensor2D;
      const logStd = tf.mul(tf.scalar(0.5), tf.log(this.variance(z, params.logStd)));
      let logProb = gaussianLogDensity({ mean, logStd: logStd as tf.Tensor2D }, u);
      if (!this.squash) return { actions: u, logProb };
      logProb = tf.sub(logProb, tanhLogDetJacobian(u, this.scale));
      const actions = tf.add(tf.tensor1d(this.bias), tf.mul(tf.tensor1d(this.scale), tf.tanh(u))) as tf.Tensor2D;
      return { actions, logProb };
    });
  }

  /** A fresh standard-normal noise matrix E `[f × d]` (row-major) from `key` (SB3 `sample_weights`). */
  sampleNoise(key: Key): Float32Array {
    return normalValues(key, this.featureDim * this.actionDim);
  }

  /**
   * Holds `count` fresh noise matrices E (one per sub-environment; SB3 `reset_noise(n_envs)`) for the following
   * {@link GsdePolicy.sample} calls, until the next reset.
   */
  resetNoise(key: Key, count: number): void {
    this.checkAlive('resetNoise');
    checkNumber('GsdePolicy.resetNoise', 'count', count, { integer: true, min: 1 });
    this.heldNoise = normalValues(key, count * this.featureDim * this.actionDim);
  }

  /**
   * Exploration actions for `n` observations where row r uses noise matrix r of `noise` (`n·f·d` values, one matrix per
   * sub-environment, as SB3 with several environments) or, when `noise` holds one matrix, the same matrix for all rows.
   */
  explore(observations: Float32Array, noise: Float32Array): Float32Array {
    return this.draw('GsdePolicy.explore', this.normalizeObservations(observations), noise).actions;
  }

  /**
   * One draw per row of already-normalised observations with the matrices held by {@link GsdePolicy.resetNoise} (row r
   * uses matrix r; `key` is not used), or, when none are held or their number differs from the rows, with fresh
   * per-row matrices from `key`. Returns environment actions, the raw u and log π(u | s).
   */
  sample(observations: Float32Array, key: Key): PolicySample {
    const n = observationRows('GsdePolicy.sample', observations, this.observationDim);
    const block = this.featureDim * this.actionDim;
    const noise = this.heldNoise !== undefined && this.heldNoise.length === n * block ? this.heldNoise : normalValues(key, n * block);
    return this.draw('GsdePolicy.sample', observations, noise);
  }

  /** u = μ + z(σ⊙E) on the host for normalised observations, with actions and log π (see `explore`'s noise layout). */
  private draw(where: string, obs: Float32Array, noise: Float32Array): PolicySample & { actions: Float32Array } {
    this.checkAlive(where);
    const n = observationRows(where, obs, this.observationDim);
    const f = this.featureDim;
    const d = this.actionDim;
    if (!(noise instanceof Float32Array) || (noise.length !== f * d && noise.length !== n * f * d)) {
      invalidOption(where, 'noise', noise?.length, `a Float32Array of ${f * d} or ${n * f * d} values`);
    }
    const [z, mean, std] = tf.tidy(() => {
      const r = this.featuresAndMean(this.params, tf.tensor2d(obs, [n, this.observationDim]));
      return [r.features.dataSync(), r.mean.dataSync(), tf.exp(this.params.logStd).dataSync()] as Float32Array[];
    });
    const shared = noise.length === f * d;
    const raw = new Float32Array(n * d);
    const actions = new Float32Array(n * d);
    const logProbs = new Float32Array(n);
    for (let r = 0; r < n; r++) {
      const e0 = shared ? 0 : r * f * d;
      let lp = 0;
      for (let j = 0; j < d; j++) {
        let u = mean[r * d + j];
        let variance = VARIANCE_EPS;
        for (let i = 0; i < f; i++) {
          const zs = z[r * f + i] * std[i * d + j];
          u += zs * noise[e0 + i * d + j];
          variance += zs * zs;
        }
        u = Math.fround(u);
        raw[r * d + j] = u;
        actions[r * d + j] = this.toEnv(u, j);
        const dev = u - mean[r * d + j];
        lp += -0.5 * ((dev * dev) / variance + Math.log(variance) + LOG_2PI);
        if (this.squash) {
          const t = Math.tanh(u);
          lp -= Math.log(this.scale[j] * (1 - t * t) + SQUASH_EPS);
        }
      }
      logProbs[r] = lp;
    }
    return { actions, raw, logProbs };
  }

  /** Environment action from u in dimension j: b + s·tanh u when squashed, else u clipped to the bounds. */
  private toEnv(u: number, j: number): number {
    if (this.squash) return this.bias[j] + this.scale[j] * Math.tanh(u);
    return Math.min(this.actionHigh[j], Math.max(this.actionLow[j], u));
  }

  /** Applies the frozen observation normalisation (identity without one). */
  normalizeObservations(observations: Float32Array): Float32Array {
    return applyObservationNormalization(this.observationNormalization, observations);
  }

  /**
   * Deterministic: b + s·tanh μ(s) (squashed) or clip(μ(s)). Otherwise every row draws its own noise matrix from `key`
   * (a fresh gSDE matrix per call; trainers that hold a matrix for several steps call {@link GsdePolicy.explore} or
   * {@link GsdePolicy.resetNoise}).
   */
  act(observations: Float32Array, options: { deterministic?: boolean; key?: Key } = {}): Float32Array {
    this.checkAlive('act');
    const n = observationRows('GsdePolicy.act', observations, this.observationDim);
    if (!(options.deterministic ?? false)) {
      if (!isKey(options.key)) invalidOption('GsdePolicy.act', 'options.key', options.key, 'a PRNG key when deterministic is false');
      return this.explore(observations, normalValues(options.key, n * this.featureDim * this.actionDim));
    }
    const obs = this.normalizeObservations(observations);
    const mean = tf.tidy(() => this.featuresAndMean(this.params, tf.tensor2d(obs, [n, this.observationDim])).mean.dataSync() as Float32Array);
    const out = new Float32Array(n * this.actionDim);
    for (let k = 0; k < out.length; k++) out[k] = this.toEnv(mean[k], k % this.actionDim);
    return out;
  }

  save(): Uint8Array {
    this.checkAlive('save');
    const norm = this.observationNormalization;
    const tensors = mlpPolicyTensors(this.params.net, norm);
    tensors.push(
      { name: 'logStd', shape: this.params.logStd.shape, data: this.params.logStd.dataSync() as Float32Array },
      // ±Infinity bounds (possible unsquashed) travel as ±float32 max, as GaussianPolicy's.
      { name: 'action.low', shape: [this.actionDim], data: boundsSafe(this.actionLow) },
      { name: 'action.high', shape: [this.actionDim], data: boundsSafe(this.actionHigh) },
    );
    return encodePolicyBytes(
      {
        kind: this.kind,
        exploration: 'gsde',
        envId: this.envId,
        activation: this.activation,
        layers: this.params.net.length,
        clipMean: this.clipMean,
        squash: this.squash,
        learnFeatures: this.learnFeatures,
        observationNormalization: norm ? { clip: norm.clip, epsilon: norm.epsilon } : null,
      },
      tensors,
    );
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    treeDispose(this.params);
  }

  private checkAlive(where: string): void {
    if (this.disposed) throw new DescentError('unsupported', `GsdePolicy.${where}: the policy was disposed`, {});
  }
}
