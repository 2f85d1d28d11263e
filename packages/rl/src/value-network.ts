/**
 * The state-value network V(o) of actor-critic methods: an MLP with a scalar head.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Key } from '@descent/core';
import { type Activation, type MlpParams, initMlp, mlpForward } from './mlp.js';

/** Options of {@link initValueNetwork}. */
export interface ValueNetworkOptions {
  /** Hidden widths. Default [64, 64]. */
  hidden?: number[];
  /** Orthogonal init with output gain 1 (CleanRL `ppo.py` critic). Default true. */
  orthogonalInit?: boolean;
}

/**
 * A new value network `observationDim → hidden… → 1` (tf.Variable leaves). Orthogonal init with gains √2 (hidden)
 * and 1 (head), biases 0, as CleanRL `ppo.py`'s critic and SB3's `ortho_init`.
 */
export function initValueNetwork(key: Key, observationDim: number, options: ValueNetworkOptions = {}): MlpParams<tf.Variable> {
  return initMlp(key, observationDim, 1, { hidden: options.hidden, orthogonalInit: options.orthogonalInit, outputGain: 1 });
}

/** V(o) for observations `[n, observationDim]`, as a `[n]` tensor (differentiable in `params`). */
export function valueForward(params: MlpParams, observations: tf.Tensor2D, activation: Activation = 'tanh'): tf.Tensor1D {
  return tf.tidy(() => tf.reshape(mlpForward(params, observations, activation), [observations.shape[0]]) as tf.Tensor1D);
}

/** V(o) on the host for row-major observations `[n × observationDim]`. */
export function valuesHost(params: MlpParams, observations: Float32Array, observationDim: number, activation: Activation = 'tanh'): Float32Array {
  const n = observations.length / observationDim;
  return tf.tidy(() => valueForward(params, tf.tensor2d(observations, [n, observationDim]), activation).dataSync() as Float32Array);
}
