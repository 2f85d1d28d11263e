/**
 * A diagonal-Gaussian MLP policy for continuous (box) action spaces, with a state-independent log-std (PPO, SB3/CleanRL
 * default) or a state-dependent one (SAC), and an optional tanh squashing into the action bounds with the
 * change-of-variables correction of the log-density (SAC, Haarnoja et al. 2018, appendix C).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Key, DescentError, checkBoolean, checkNumber, invalidOption, isKey, normalValues, treeDispose } from '@descent/core';
import { type Activation, type MlpParams, initMlp, mlpForward, mlpSizes, ownedVariable } from './mlp.js';
import { encodePolicyBytes, mlpPolicyTensors } from './policy-bytes.js';
import {
  type ObservationNormalization,
  type PolicySample,
  type TrainablePolicy,
  applyObservationNormalization,
  observationRows,
} from './trainable-policy.js';

/** Parameters of a {@link GaussianPolicy}: the mean network and, for a state-independent std, the log-std vector `[d]`. */
export type GaussianParams<T extends tf.Tensor = tf.Tensor> = { net: MlpParams<T>; logStd?: T };

/** Distribution parameters of a {@link GaussianPolicy}: mean and log-std, both `[n, d]` (pre-squash). */
export type GaussianDistribution = { mean: tf.Tensor2D; logStd: tf.Tensor2D };

const LOG_2PI = Math.log(2 * Math.PI);
/** Added inside log(scale·(1 − tanh²u)) so the correction stays finite at saturation (CleanRL `sac_continuous_action.py`). */
const SQUASH_EPS = 1e-6;

/** Options of {@link GaussianPolicy.create}. */
export interface GaussianPolicyOptions {
  envId: string;
  observationDim: number;
  /** Action dimension d. */
  actionDim: number;
  /** Lower action bounds [d] (finite when `squash`). */
  actionLow: Float32Array;
  /** Upper action bounds [d]. */
  actionHigh: Float32Array;
  /** Hidden widths. Default [64, 64]. */
  hidden?: number[];
  /** Default 'tanh' (PPO); SAC uses 'relu'. */
  activation?: Activation;
  /** Orthogonal init, mean head gain 0.01 (CleanRL `ppo_continuous_action.py`). Default true. */
  orthogonalInit?: boolean;
  /** Initial log σ of the state-independent std. Default 0 (SB3 `log_std_init`). */
  logStdInit?: number;
  /** The network outputs [μ, s] and log σ = lo + ½(hi − lo)(tanh s + 1) (CleanRL SAC). Default false. */
  stateDependentStd?: boolean;
  /** [lo, hi] of a state-dependent log σ. Default [−5, 2] (CleanRL SAC). */
  logStdBounds?: [number, number];
  /** a = bias + scale·tanh(u) with scale = (high − low)/2, bias = (high + low)/2. Default false (PPO clips u instead). */
  squash?: boolean;
  observationNormalization?: ObservationNormalization;
}

/**
 * Diagonal Gaussian policy u ~ N(μ(o), diag σ²):
 *
 * $$\log\pi(u\mid o) = \sum_i\Big[-\tfrac12\big(\tfrac{u_i-\mu_i}{\sigma_i}\big)^2 - \log\sigma_i - \tfrac12\log 2\pi\Big]
 *   \;\big[-\textstyle\sum_i \log\big(s_i(1-\tanh^2 u_i) + 10^{-6}\big)\ \text{when squashed}\big],$$
 *
 * H = Σ_i(½ + ½ log 2π + log σ_i) (of the pre-squash Gaussian), KL(p‖q) = Σ_i[log σ_q/σ_p + (σ_p² + (μ_p − μ_q)²)/(2σ_q²) − ½].
 * Unsquashed, the environment receives clip(u, low, high) while the log-probability is of u (SB3/CleanRL PPO);
 * squashed, it receives bias + s·tanh(u). Sampling uses `normalValues(key, n·d)`; the reparameterised draw for SAC is
 * {@link GaussianPolicy.rsample}.
 */
export class GaussianPolicy implements TrainablePolicy<GaussianParams, GaussianDistribution> {
  readonly kind = 'gaussian' as const;
  readonly envId: string;
  readonly observationDim: number;
  readonly actionDim: number;
  readonly activation: Activation;
  readonly squash: boolean;
  readonly stateDependentStd: boolean;
  readonly logStdBounds: [number, number];
  readonly actionLow: Float32Array;
  readonly actionHigh: Float32Array;
  readonly params: GaussianParams<tf.Variable>;
  observationNormalization: ObservationNormalization | undefined;
  private readonly scale: Float32Array;
  private readonly bias: Float32Array;
  private readonly logScaleSum: number;
  private disposed = false;

  /** Wraps existing parameters (used by `create` and `loadPolicy`). The policy owns `params`. */
  constructor(options: {
    envId: string;
    params: GaussianParams<tf.Variable>;
    actionLow: Float32Array;
    actionHigh: Float32Array;
    activation?: Activation;
    squash?: boolean;
    stateDependentStd?: boolean;
    logStdBounds?: [number, number];
    observationNormalization?: ObservationNormalization;
  }) {
    const where = 'GaussianPolicy';
    const sizes = mlpSizes(options.params.net);
    if (sizes.length < 2) invalidOption(where, 'params.net', options.params.net, 'at least one dense layer');
    this.stateDependentStd = options.stateDependentStd ?? false;
    this.squash = options.squash ?? false;
    this.activation = options.activation ?? 'tanh';
    this.logStdBounds = options.logStdBounds ?? [-5, 2];
    this.envId = options.envId;
    this.params = options.params;
    this.observationDim = sizes[0];
    const out = sizes[sizes.length - 1];
    this.actionDim = this.stateDependentStd ? out / 2 : out;
    if (!Number.isInteger(this.actionDim)) invalidOption(where, 'params.net', sizes, 'an even output width for a state-dependent std');
    if (!this.stateDependentStd && options.params.logStd?.shape[0] !== this.actionDim) {
      invalidOption(where, 'params.logStd', options.params.logStd?.shape, `a [${this.actionDim}] log-std vector`);
    }
    if (options.actionLow?.length !== this.actionDim || options.actionHigh?.length !== this.actionDim) {
      invalidOption(where, 'actionLow/actionHigh', [options.actionLow, options.actionHigh], `Float32Arrays of length ${this.actionDim}`);
    }
    this.actionLow = Float32Array.from(options.actionLow);
    this.actionHigh = Float32Array.from(options.actionHigh);
    if (this.squash && ![...this.actionLow, ...this.actionHigh].every(Number.isFinite)) invalidOption(where, 'squash', true, 'finite action bounds');
    ({ scale: this.scale, bias: this.bias } = squashAffine(where, this.actionLow, this.actionHigh));
    this.logScaleSum = this.squash ? this.scale.reduce((s, v) => s + Math.log(v), 0) : 0;
    this.observationNormalization = options.observationNormalization;
  }

  /** A freshly initialised policy; `key` seeds the weights. */
  static create(key: Key, options: GaussianPolicyOptions): GaussianPolicy {
    const where = 'GaussianPolicy.create';
    if (!isKey(key)) invalidOption(where, 'key', key, 'a PRNG key from key(seed)');
    checkNumber(where, 'observationDim', options.observationDim, { integer: true, min: 1 });
    checkNumber(where, 'actionDim', options.actionDim, { integer: true, min: 1 });
    const stateDependent = checkBoolean(where, 'stateDependentStd', options.stateDependentStd ?? false);
    const logStdInit = checkNumber(where, 'logStdInit', options.logStdInit ?? 0);
    const net = initMlp(key, options.observationDim, stateDependent ? 2 * options.actionDim : options.actionDim, {
      hidden: options.hidden,
      orthogonalInit: options.orthogonalInit,
      outputGain: 0.01,
    });
    const params: GaussianParams<tf.Variable> = { net };
    if (!stateDependent) params.logStd = ownedVariable(tf.fill([options.actionDim], logStdInit));
    return new GaussianPolicy({ ...options, params, stateDependentStd: stateDependent });
  }

  distribution(params: GaussianParams, observations: tf.Tensor2D): GaussianDistribution {
    return tf.tidy(() => {
      const out = mlpForward(params.net, observations, this.activation);
      const n = observations.shape[0];
      const d = this.actionDim;
      if (!this.stateDependentStd) {
        return { mean: out, logStd: tf.broadcastTo(params.logStd as tf.Tensor, [n, d]) as tf.Tensor2D };
      }
      const mean = tf.slice(out, [0, 0], [n, d]) as tf.Tensor2D;
      const s = tf.tanh(tf.slice(out, [0, d], [n, d]));
      const [lo, hi] = this.logStdBounds;
      const logStd = tf.add(tf.scalar(lo), tf.mul(tf.scalar(0.5 * (hi - lo)), tf.add(s, tf.scalar(1)))) as tf.Tensor2D;
      return { mean, logStd };
    });
  }

  /** log N(u; μ, σ) summed over dimensions, minus the tanh correction when squashed. */
  private logDensity(dist: GaussianDistribution, u: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => {
      const logp = gaussianLogDensity(dist, u);
      return (this.squash ? tf.sub(logp, tanhLogDetJacobian(u, this.scale)) : logp) as tf.Tensor1D;
    });
  }

  logProb(params: GaussianParams, observations: tf.Tensor2D, actions: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => this.logDensity(this.distribution(params, observations), actions));
  }

  /**
   * The reparameterised draw u = μ + σ·ε for given standard-normal `noise` `[n, d]` (differentiable in params, as SAC's
   * actor loss needs): returns the environment-space actions (bias + s·tanh u when squashed, else u unclipped) and
   * log π(u | o) with the tanh correction.
   */
  rsample(params: GaussianParams, observations: tf.Tensor2D, noise: tf.Tensor2D): { actions: tf.Tensor2D; logProb: tf.Tensor1D } {
    return tf.tidy(() => {
      const dist = this.distribution(params, observations);
      const u = tf.add(dist.mean, tf.mul(tf.exp(dist.logStd), noise));
      const logProb = this.logDensity(dist, u);
      const actions = this.squash ? tf.add(tf.tensor1d(this.bias), tf.mul(tf.tensor1d(this.scale), tf.tanh(u))) : u;
      return { actions: actions as tf.Tensor2D, logProb };
    });
  }

  entropy(params: GaussianParams, observations: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => gaussianEntropy(this.distribution(params, observations).logStd));
  }

  kl(p: GaussianDistribution, q: GaussianDistribution): tf.Tensor1D {
    return gaussianKl(p, q);
  }

  actionsTensor(raw: Int32Array | Float32Array, n: number): tf.Tensor {
    return tf.tensor2d(raw instanceof Float32Array ? raw : Float32Array.from(raw), [n, this.actionDim]);
  }

  normalizeObservations(observations: Float32Array): Float32Array {
    return applyObservationNormalization(this.observationNormalization, observations);
  }

  /** Host mean and log-std `[n × d]` for already-normalised observations. */
  private distributionHost(observations: Float32Array, n: number): { mean: Float32Array; logStd: Float32Array } {
    const [mean, logStd] = tf.tidy(() => {
      const dist = this.distribution(this.params, tf.tensor2d(observations, [n, this.observationDim]));
      return [dist.mean.dataSync() as Float32Array, dist.logStd.dataSync() as Float32Array];
    });
    return { mean, logStd };
  }

  /** Environment action from a pre-squash value u in dimension i. */
  private toEnv(u: number, i: number): number {
    if (this.squash) return this.bias[i] + this.scale[i] * Math.tanh(u);
    return Math.min(this.actionHigh[i], Math.max(this.actionLow[i], u));
  }

  sample(observations: Float32Array, key: Key): PolicySample {
    this.checkAlive('sample');
    const n = observationRows('GaussianPolicy.sample', observations, this.observationDim);
    const d = this.actionDim;
    const { mean, logStd } = this.distributionHost(observations, n);
    const eps = normalValues(key, n * d);
    const raw = new Float32Array(n * d);
    const actions = new Float32Array(n * d);
    const logProbs = new Float32Array(n);
    for (let r = 0; r < n; r++) {
      let lp = 0;
      for (let i = 0; i < d; i++) {
        const j = r * d + i;
        const u = Math.fround(mean[j] + Math.exp(logStd[j]) * eps[j]);
        raw[j] = u;
        actions[j] = this.toEnv(u, i);
        const z = (u - mean[j]) / Math.exp(logStd[j]);
        lp += -0.5 * z * z - logStd[j] - 0.5 * LOG_2PI;
        if (this.squash) {
          const t = Math.tanh(u);
          lp -= Math.log(this.scale[i] * (1 - t * t) + SQUASH_EPS);
        }
      }
      logProbs[r] = lp;
    }
    return { actions, raw, logProbs };
  }

  act(observations: Float32Array, options: { deterministic?: boolean; key?: Key } = {}): Float32Array {
    this.checkAlive('act');
    const n = observationRows('GaussianPolicy.act', observations, this.observationDim);
    const obs = this.normalizeObservations(observations);
    if (!(options.deterministic ?? false)) {
      if (!isKey(options.key)) invalidOption('GaussianPolicy.act', 'options.key', options.key, 'a PRNG key when deterministic is false');
      return this.sample(obs, options.key).actions as Float32Array;
    }
    const { mean } = this.distributionHost(obs, n);
    const out = new Float32Array(n * this.actionDim);
    for (let j = 0; j < out.length; j++) out[j] = this.toEnv(mean[j], j % this.actionDim);
    return out;
  }

  save(): Uint8Array {
    this.checkAlive('save');
    const norm = this.observationNormalization;
    const tensors = mlpPolicyTensors(this.params.net, norm);
    if (this.params.logStd) tensors.push({ name: 'logStd', shape: this.params.logStd.shape, data: this.params.logStd.dataSync() as Float32Array });
    // ±Infinity bounds are not JSON; they travel as float32 tensors.
    tensors.push({ name: 'action.low', shape: [this.actionDim], data: this.actionLow }, { name: 'action.high', shape: [this.actionDim], data: this.actionHigh });
    return encodePolicyBytes(
      {
        kind: this.kind,
        envId: this.envId,
        activation: this.activation,
        layers: this.params.net.length,
        squash: this.squash,
        stateDependentStd: this.stateDependentStd,
        logStdBounds: this.logStdBounds,
        observationNormalization: norm ? { clip: norm.clip, epsilon: norm.epsilon } : null,
      },
      tensors.map((t) => ({ ...t, data: boundsSafe(t.data) })),
    );
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    treeDispose(this.params);
  }

  private checkAlive(where: string): void {
    if (this.disposed) throw new DescentError('unsupported', `GaussianPolicy.${where}: the policy was disposed`, {});
  }
}

/** Σ_i log N(u_i; μ_i, σ_i) per row of `[n, d]` tensors: Σ_i[−½((u_i − μ_i)/σ_i)² − log σ_i − ½ log 2π]. */
export function gaussianLogDensity(dist: GaussianDistribution, u: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const z = tf.div(tf.sub(u, dist.mean), tf.exp(dist.logStd));
    return tf.sum(tf.sub(tf.mul(tf.scalar(-0.5), tf.square(z)), tf.add(dist.logStd, tf.scalar(0.5 * LOG_2PI))), 1) as tf.Tensor1D;
  });
}

/**
 * Σ_i log(s_i(1 − tanh² u_i) + 10⁻⁶) per row: the log-Jacobian of a = b + s·tanh(u), with CleanRL's/SB3's ε keeping it
 * finite at saturation. Subtracted from the Gaussian log-density of u for a squashed action.
 */
export function tanhLogDetJacobian(u: tf.Tensor, scale: Float32Array): tf.Tensor1D {
  return tf.tidy(() => {
    const t = tf.tanh(u);
    return tf.sum(tf.log(tf.add(tf.mul(tf.tensor1d(scale), tf.sub(tf.scalar(1), tf.square(t))), tf.scalar(SQUASH_EPS))), 1) as tf.Tensor1D;
  });
}

/** Entropy of a diagonal Gaussian per row of `logStd` `[n, d]`: Σ_i(½ + ½ log 2π + log σ_i). */
export function gaussianEntropy(logStd: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.add(logStd, tf.scalar(0.5 + 0.5 * LOG_2PI)), 1) as tf.Tensor1D);
}

/** KL(p ‖ q) per row between diagonal Gaussians: Σ_i[log σ_q/σ_p + (σ_p² + (μ_p − μ_q)²)/(2σ_q²) − ½]. */
export function gaussianKl(p: GaussianDistribution, q: GaussianDistribution): tf.Tensor1D {
  return tf.tidy(() => {
    const varP = tf.exp(tf.mul(tf.scalar(2), p.logStd));
    const varQ = tf.exp(tf.mul(tf.scalar(2), q.logStd));
    const term = tf.div(tf.add(varP, tf.square(tf.sub(p.mean, q.mean))), tf.mul(tf.scalar(2), varQ));
    return tf.sum(tf.sub(tf.add(tf.sub(q.logStd, p.logStd), term), tf.scalar(0.5)), 1) as tf.Tensor1D;
  });
}

/**
 * The affine map of a tanh-squashed action into the box [low, high]: a = bias + scale·tanh(u) with
 * scale = (high − low)/2 and bias = (high + low)/2, per dimension. Throws a DescentError naming the first dimension
 * whose low is not below its high.
 */
export function squashAffine(where: string, low: Float32Array, high: Float32Array): { scale: Float32Array; bias: Float32Array } {
  const scale = new Float32Array(low.length);
  const bias = new Float32Array(low.length);
  for (let i = 0; i < low.length; i++) {
    const lo = low[i] as number;
    const hi = high[i] as number;
    if (!(lo < hi)) invalidOption(where, `actionLow[${i}]`, lo, `less than actionHigh[${i}] = ${hi}`);
    scale[i] = (hi - lo) / 2;
    bias[i] = (hi + lo) / 2;
  }
  return { scale, bias };
}

/** Infinite bounds are stored as ±float32 max so the non-finite check on load stays strict. */
export function boundsSafe(data: Float32Array): Float32Array {
  if (data.every(Number.isFinite)) return data;
  return data.map((v) => (v === Infinity ? FLOAT32_MAX : v === -Infinity ? -FLOAT32_MAX : v));
}

/** The largest finite float32, standing for ±Infinity bounds in saved policies. */
export const FLOAT32_MAX = 3.4028234663852886e38;
