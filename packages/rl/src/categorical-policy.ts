/**
 * A categorical MLP policy for discrete action spaces: logits = MLP(o), π(a | o) = softmax(logits)_a.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Key, DescentError, checkNumber, invalidOption, isKey, treeDispose, uniformValues } from '@descent/core';
import { type Activation, type MlpParams, initMlp, mlpForward, mlpSizes } from './mlp.js';
import { encodePolicyBytes, mlpPolicyTensors } from './policy-bytes.js';
import {
  type ObservationNormalization,
  type PolicySample,
  type TrainablePolicy,
  applyObservationNormalization,
  observationRows,
} from './trainable-policy.js';

/** Parameters of a {@link CategoricalPolicy}. */
export type CategoricalParams<T extends tf.Tensor = tf.Tensor> = { net: MlpParams<T> };

/** Distribution parameters of a {@link CategoricalPolicy}: unnormalised logits `[n, actions]`. */
export type CategoricalDistribution = { logits: tf.Tensor2D };

/** Options of {@link CategoricalPolicy.create}. */
export interface CategoricalPolicyOptions {
  envId: string;
  observationDim: number;
  /** Number of discrete actions. */
  actionDim: number;
  /** Hidden widths. Default [64, 64]. */
  hidden?: number[];
  /** Default 'tanh' (SB3/CleanRL PPO). */
  activation?: Activation;
  /** Orthogonal init with output gain 0.01 (CleanRL's actor head). Default true. */
  orthogonalInit?: boolean;
  observationNormalization?: ObservationNormalization;
}

/** log-softmax(logits) — written as logits − logsumexp with the max shift, row-wise. */
function logSoftmax(logits: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.sub(logits, tf.logSumExp(logits, 1, true)) as tf.Tensor2D);
}

/**
 * Categorical policy (CleanRL `ppo.py` Agent actor; SB3 `CategoricalDistribution`):
 *
 * $$\log\pi(a\mid o) = \ell_a - \log\textstyle\sum_b e^{\ell_b},\qquad
 *   H = -\sum_a \pi_a\log\pi_a,\qquad KL(p\|q) = \sum_a p_a(\log p_a - \log q_a),$$
 *
 * with ℓ = MLP(o) (tanh hidden layers, orthogonal init, gain 0.01 on the head so the initial policy is near-uniform).
 * Sampling is Gumbel-max with uniforms from `uniformValues(key, n·actions)`: a = argmax(ℓ_a − log(−log U_a)), exact
 * and reproducible for a key. `act` with `deterministic` picks argmax ℓ.
 */
export class CategoricalPolicy implements TrainablePolicy<CategoricalParams, CategoricalDistribution> {
  readonly kind = 'categorical' as const;
  readonly envId: string;
  readonly observationDim: number;
  readonly actionDim: number;
  readonly activation: Activation;
  readonly params: CategoricalParams<tf.Variable>;
  observationNormalization: ObservationNormalization | undefined;
  private disposed = false;

  /** Wraps existing parameters (used by `create` and `loadPolicy`). The policy owns `params`. */
  constructor(options: { envId: string; params: CategoricalParams<tf.Variable>; activation?: Activation; observationNormalization?: ObservationNormalization }) {
    const sizes = mlpSizes(options.params.net);
    if (sizes.length < 2) invalidOption('CategoricalPolicy', 'params.net', options.params.net, 'at least one dense layer');
    this.envId = options.envId;
    this.params = options.params;
    this.activation = options.activation ?? 'tanh';
    this.observationDim = sizes[0];
    this.actionDim = sizes[sizes.length - 1];
    this.observationNormalization = options.observationNormalization;
  }

  /** A freshly initialised policy; `key` seeds the weights. */
  static create(key: Key, options: CategoricalPolicyOptions): CategoricalPolicy {
    const where = 'CategoricalPolicy.create';
    if (!isKey(key)) invalidOption(where, 'key', key, 'a PRNG key from key(seed)');
    checkNumber(where, 'observationDim', options.observationDim, { integer: true, min: 1 });
    checkNumber(where, 'actionDim', options.actionDim, { integer: true, min: 2 });
    const net = initMlp(key, options.observationDim, options.actionDim, {
      hidden: options.hidden,
      orthogonalInit: options.orthogonalInit,
      outputGain: 0.01,
    });
    return new CategoricalPolicy({ envId: options.envId, params: { net }, activation: options.activation, observationNormalization: options.observationNormalization });
  }

  distribution(params: CategoricalParams, observations: tf.Tensor2D): CategoricalDistribution {
    return { logits: mlpForward(params.net, observations, this.activation) };
  }

  logProb(params: CategoricalParams, observations: tf.Tensor2D, actions: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => {
      const logp = logSoftmax(mlpForward(params.net, observations, this.activation));
      const onehot = tf.oneHot(tf.cast(actions, 'int32') as tf.Tensor1D, this.actionDim);
      return tf.sum(tf.mul(logp, onehot), 1) as tf.Tensor1D;
    });
  }

  entropy(params: CategoricalParams, observations: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const logp = logSoftmax(mlpForward(params.net, observations, this.activation));
      return tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), 1)) as tf.Tensor1D;
    });
  }

  kl(p: CategoricalDistribution, q: CategoricalDistribution): tf.Tensor1D {
    return tf.tidy(() => {
      const lp = logSoftmax(p.logits);
      const lq = logSoftmax(q.logits);
      return tf.sum(tf.mul(tf.exp(lp), tf.sub(lp, lq)), 1) as tf.Tensor1D;
    });
  }

  actionsTensor(raw: Int32Array | Float32Array, n: number): tf.Tensor {
    return tf.tensor1d((raw instanceof Int32Array ? raw : Int32Array.from(raw)).subarray(0, n), 'int32');
  }

  normalizeObservations(observations: Float32Array): Float32Array {
    return applyObservationNormalization(this.observationNormalization, observations);
  }

  /** Host logits `[n × actions]` for already-normalised observations. */
  private logitsHost(observations: Float32Array, n: number): Float32Array {
    return tf.tidy(() => mlpForward(this.params.net, tf.tensor2d(observations, [n, this.observationDim]), this.activation).dataSync() as Float32Array);
  }

  sample(observations: Float32Array, key: Key): PolicySample {
    this.checkAlive('sample');
    const n = observationRows('CategoricalPolicy.sample', observations, this.observationDim);
    const logits = this.logitsHost(observations, n);
    const u = uniformValues(key, n * this.actionDim);
    const k = this.actionDim;
    const actions = new Int32Array(n);
    const logProbs = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestScore = -Infinity;
      let max = -Infinity;
      for (let a = 0; a < k; a++) max = Math.max(max, logits[i * k + a]);
      let sum = 0;
      for (let a = 0; a < k; a++) {
        const l = logits[i * k + a];
        sum += Math.exp(l - max);
        // Gumbel-max; U ∈ [0, 1) so guard U = 0.
        const g = -Math.log(-Math.log(Math.max(u[i * k + a], 1e-12)));
        if (l + g > bestScore) {
          bestScore = l + g;
          best = a;
        }
      }
      actions[i] = best;
      logProbs[i] = logits[i * k + best] - max - Math.log(sum);
    }
    return { actions, raw: actions, logProbs };
  }

  act(observations: Float32Array, options: { deterministic?: boolean; key?: Key } = {}): Int32Array {
    this.checkAlive('act');
    const n = observationRows('CategoricalPolicy.act', observations, this.observationDim);
    const obs = this.normalizeObservations(observations);
    if (!(options.deterministic ?? false)) {
      if (!isKey(options.key)) invalidOption('CategoricalPolicy.act', 'options.key', options.key, 'a PRNG key when deterministic is false');
      return this.sample(obs, options.key).actions as Int32Array;
    }
    const logits = this.logitsHost(obs, n);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let a = 1; a < this.actionDim; a++) if (logits[i * this.actionDim + a] > logits[i * this.actionDim + best]) best = a;
      out[i] = best;
    }
    return out;
  }

  save(): Uint8Array {
    this.checkAlive('save');
    const norm = this.observationNormalization;
    const tensors = mlpPolicyTensors(this.params.net, norm);
    return encodePolicyBytes(
      {
        kind: this.kind,
        envId: this.envId,
        activation: this.activation,
        layers: this.params.net.length,
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
    if (this.disposed) throw new DescentError('unsupported', `CategoricalPolicy.${where}: the policy was disposed`, {});
  }
}
