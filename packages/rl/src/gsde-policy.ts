/**
 * Generalized state-dependent exploration (gSDE; Raffin, Kober & Stulp 2022, "Smooth Exploration for Robotic
 * Reinforcement Learning", CoRL 2021, arXiv 2005.05719): a tanh-squashed Gaussian actor whose exploration noise is a
 * linear function of the policy's last hidden features, ε(s) = z(s)·W with a noise matrix W that stays fixed for
 * several steps, so that exploration is smooth in time. This is SB3's SAC actor with `use_sde=True`
 * (`stable_baselines3/sac/policies.py` `Actor`, `common/distributions.py` `StateDependentNoiseDistribution`, e05d2db),
 * written from those equations.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Key, DescentError, checkNumber, invalidOption, isKey, normalValues, treeDispose } from '@descent/core';
import { squashAffine } from './gaussian-policy.js';
import { type MlpParams, initMlp, mlpSizes, ownedVariable } from './mlp.js';
import { encodePolicyBytes, mlpPolicyTensors } from './policy-bytes.js';
import type { Policy } from './policy.js';
import { type ObservationNormalization, applyObservationNormalization, observationRows } from './trainable-policy.js';

/**
 * Parameters of a {@link GsdePolicy}: `net` is the ReLU feature network followed by the linear mean head (its last
 * layer), `logStd` the `[featureDim × d]` matrix of log σ_ij (SB3 `full_std=True`).
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
  /** Hidden widths of the ReLU feature network; the last one is the feature dimension of the noise. Default [64, 64]. */
  hidden?: number[];
  /** Initial value of every log σ_ij. Default −3 (SB3 SAC `log_std_init` with gSDE). */
  logStdInit?: number;
  /** μ is clipped to [−clipMean, clipMean] before the tanh (SB3's `Hardtanh`); 0 disables it. Default 2 (SB3 SAC). */
  clipMean?: number;
  observationNormalization?: ObservationNormalization;
}

/**
 * The gSDE actor. With features z(s) ∈ ℝᶠ (ReLU after every hidden layer), mean μ(s) = clip(z·W_μ + b_μ, ±clipMean),
 * σ = exp(logStd) ∈ ℝᶠˣᵈ and a noise matrix E ~ N(0, 1)ᶠˣᵈ held fixed between resets:
 *
 * $$u = \mu(s) + z(s)\,(\sigma\odot E),\qquad u_j \sim \mathcal N\Big(\mu_j(s),\ \textstyle\sum_i z_i(s)^2\sigma_{ij}^2 + 10^{-6}\Big),$$
 * $$a = b + s\odot\tanh u,\qquad \log\pi(a\mid s) = \sum_j\Big[\log\mathcal N(u_j) - \log\big(s_j(1-\tanh^2u_j) + 10^{-6}\big)\Big],$$
 *
 * with s = (high − low)/2 and b = (high + low)/2. Gradients reach σ through both the reparameterised noise
 * z(σ⊙E) and the variance, and reach the features through both (SB3 `learn_features=True` in SAC's actor).
 * Deterministic actions are b + s·tanh μ(s).
 *
 * Differences from SB3: log π is evaluated at u itself, where SB3 recovers u as atanh of the clamped squashed action
 * (identical unless |u| > 8.3, where tanh saturates in float32); the log-density includes the action scale s (as
 * {@link GaussianPolicy}, so SAC's target entropy −|A| means the same for both actors; SB3 scales actions outside the
 * policy — the two agree for the [−1, 1] bounds of MountainCarContinuous); `expln` and `full_std=False` are not
 * offered.
 */
export class GsdePolicy implements Policy {
  readonly kind = 'gaussian' as const;
  readonly envId: string;
  readonly observationDim: number;
  readonly actionDim: number;
  /** Width f of the last hidden layer: noise matrices are f × d. */
  readonly featureDim: number;
  readonly clipMean: number;
  readonly actionLow: Float32Array;
  readonly actionHigh: Float32Array;
  readonly params: GsdeParams<tf.Variable>;
  observationNormalization: ObservationNormalization | undefined;
  private readonly scale: Float32Array;
  private readonly bias: Float32Array;
  private disposed = false;

  /** Wraps existing parameters (used by `create` and `loadPolicy`). The policy owns `params`. */
  constructor(options: {
    envId: string;
    params: GsdeParams<tf.Variable>;
    actionLow: Float32Array;
    actionHigh: Float32Array;
    clipMean?: number;
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
    if (options.actionLow?.length !== this.actionDim || options.actionHigh?.length !== this.actionDim) {
      invalidOption(where, 'actionLow/actionHigh', [options.actionLow, options.actionHigh], `Float32Arrays of length ${this.actionDim}`);
    }
    this.actionLow = Float32Array.from(options.actionLow);
    this.actionHigh = Float32Array.from(options.actionHigh);
    if (![...this.actionLow, ...this.actionHigh].every(Number.isFinite)) {
      invalidOption(where, 'actionLow/actionHigh', [options.actionLow, options.actionHigh], 'finite bounds (actions are tanh-squashed)');
    }
    ({ scale: this.scale, bias: this.bias } = squashAffine(where, this.actionLow, this.actionHigh));
    this.observationNormalization = options.observationNormalization;
  }

  /**
   * A freshly initialised actor; `key` seeds the weights (torch's `nn.Linear` default init, as SB3's SAC actor) and
   * every log σ_ij starts at `logStdInit`.
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
    const net = initMlp(key, options.observationDim, d, { hidden, orthogonalInit: false });
    const logStd = ownedVariable(tf.fill([hidden[hidden.length - 1] as number, d], logStdInit));
    return new GsdePolicy({ ...options, params: { net, logStd } });
  }

  /** Features z(s) `[n, f]` (ReLU after every hidden layer) and the clipped mean μ(s) `[n, d]`. Differentiable. */
  featuresAndMean(params: GsdeParams, observations: tf.Tensor2D): { features: tf.Tensor2D; mean: tf.Tensor2D } {
    return tf.tidy(() => {
      const layers = params.net;
      let h: tf.Tensor = observations;
      for (let l = 0; l < layers.length - 1; l++) h = tf.relu(tf.add(tf.matMul(h as tf.Tensor2D, layers[l].w as tf.Tensor2D), layers[l].b));
      const head = layers[layers.length - 1];
      let mean: tf.Tensor = tf.add(tf.matMul(h as tf.Tensor2D, head.w as tf.Tensor2D), head.b);
      if (this.clipMean > 0) mean = tf.clipByValue(mean, -this.clipMean, this.clipMean);
      return { features: h as tf.Tensor2D, mean: mean as tf.Tensor2D };
    });
  }

  /**
   * The reparameterised draw u = μ(s) + z(s)(σ⊙E) for one noise matrix `noise` = E `[f, d]` shared by all rows (SB3
   * resamples one matrix per gradient step): environment-space actions b + s·tanh u and log π(a|s), both
   * differentiable in `params`.
   */
  rsample(params: GsdeParams, observations: tf.Tensor2D, noise: tf.Tensor2D): { actions: tf.Tensor2D; logProb: tf.Tensor1D } {
    return tf.tidy(() => {
      const { features, mean } = this.featuresAndMean(params, observations);
      const std = tf.exp(params.logStd);
      const u = tf.add(mean, tf.matMul(features, tf.mul(std, noise) as tf.Tensor2D));
      const variance = tf.add(tf.matMul(tf.square(features), tf.square(std) as tf.Tensor2D), tf.scalar(VARIANCE_EPS));
      const z2 = tf.div(tf.square(tf.sub(u, mean)), variance);
      const perDim = tf.mul(tf.scalar(-0.5), tf.add(tf.add(z2, tf.log(variance)), tf.scalar(LOG_2PI)));
      const t = tf.tanh(u);
      const corr = tf.log(tf.add(tf.mul(tf.tensor1d(this.scale), tf.sub(tf.scalar(1), tf.square(t))), tf.scalar(SQUASH_EPS)));
      const logProb = tf.sum(tf.sub(perDim, corr), 1) as tf.Tensor1D;
      const actions = tf.add(tf.tensor1d(this.bias), tf.mul(tf.tensor1d(this.scale), t)) as tf.Tensor2D;
      return { actions, logProb };
    });
  }

  /** A fresh standard-normal noise matrix E `[f × d]` (row-major) from `key` (SB3 `sample_weights`). */
  sampleNoise(key: Key): Float32Array {
    return normalValues(key, this.featureDim * this.actionDim);
  }

  /**
   * Exploration actions for `n` observations where row r uses noise matrix r of `noise` (`n·f·d` values, one matrix per
   * sub-environment, as SB3 with several environments) or, when `noise` holds one matrix, the same matrix for all rows.
   */
  explore(observations: Float32Array, noise: Float32Array): Float32Array {
    this.checkAlive('explore');
    const n = observationRows('GsdePolicy.explore', observations, this.observationDim);
    const f = this.featureDim;
    const d = this.actionDim;
    if (!(noise instanceof Float32Array) || (noise.length !== f * d && noise.length !== n * f * d)) {
      invalidOption('GsdePolicy.explore', 'noise', noise?.length, `a Float32Array of ${f * d} or ${n * f * d} values`);
    }
    const obs = this.normalizeObservations(observations);
    const [z, mean, std] = tf.tidy(() => {
      const r = this.featuresAndMean(this.params, tf.tensor2d(obs, [n, this.observationDim]));
      return [r.features.dataSync(), r.mean.dataSync(), tf.exp(this.params.logStd).dataSync()] as Float32Array[];
    });
    const shared = noise.length === f * d;
    const out = new Float32Array(n * d);
    for (let r = 0; r < n; r++) {
      const e0 = shared ? 0 : r * f * d;
      for (let j = 0; j < d; j++) {
        let u = mean[r * d + j];
        for (let i = 0; i < f; i++) u += z[r * f + i] * std[i * d + j] * noise[e0 + i * d + j];
        out[r * d + j] = this.bias[j] + this.scale[j] * Math.tanh(u);
      }
    }
    return out;
  }

  /** Applies the frozen observation normalisation (identity without one). */
  normalizeObservations(observations: Float32Array): Float32Array {
    return applyObservationNormalization(this.observationNormalization, observations);
  }

  /**
   * Deterministic: b + s·tanh μ(s). Otherwise every row draws its own noise matrix from `key` (a fresh gSDE matrix per
   * call; trainers that hold a matrix for several steps call {@link GsdePolicy.explore}).
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
    for (let k = 0; k < out.length; k++) {
      const j = k % this.actionDim;
      out[k] = this.bias[j] + this.scale[j] * Math.tanh(mean[k]);
    }
    return out;
  }

  save(): Uint8Array {
    this.checkAlive('save');
    const norm = this.observationNormalization;
    const tensors = mlpPolicyTensors(this.params.net, norm);
    tensors.push(
      { name: 'logStd', shape: this.params.logStd.shape, data: this.params.logStd.dataSync() as Float32Array },
      { name: 'action.low', shape: [this.actionDim], data: this.actionLow },
      { name: 'action.high', shape: [this.actionDim], data: this.actionHigh },
    );
    return encodePolicyBytes(
      {
        kind: this.kind,
        exploration: 'gsde',
        envId: this.envId,
        activation: 'relu',
        layers: this.params.net.length,
        clipMean: this.clipMean,
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
