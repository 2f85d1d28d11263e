/**
 * What trainers need from a policy beyond {@link Policy}: its trainable parameter tree and the functional pieces
 * (log-probability, entropy, distribution parameters, seeded sampling) that losses differentiate through.
 * {@link CategoricalPolicy} and {@link GaussianPolicy} implement it.
 *
 * @packageDocumentation
 */
import type * as tf from '@tensorflow/tfjs-core';
import { type Key, invalidOption } from '@descent/core';
import type { Policy } from './policy.js';

/**
 * Frozen observation-normalisation statistics a policy applies in `act` (SB3 `VecNormalize` semantics):
 * `clip((o − mean) / √(variance + epsilon), −clip, clip)`.
 */
export interface ObservationNormalization {
  mean: Float32Array;
  variance: Float32Array;
  /** Default 10 (SB3 `clip_obs`). */
  clip: number;
  /** Default 1e-8 (SB3). */
  epsilon: number;
}

/** One batched draw from a policy (host arrays; rows are observations). */
export interface PolicySample {
  /** Actions to send to the environment: Int32Array [n] or Float32Array [n × d] inside the action bounds. */
  actions: Int32Array | Float32Array;
  /**
   * The distribution's own sample, what `logProb` takes: the same indices for a categorical policy; for a Gaussian the
   * pre-squash/pre-clip sample u (env action = clip(u) or the affine map of tanh(u)).
   */
  raw: Int32Array | Float32Array;
  /** log π(raw | o) per row (with the tanh correction when squashed). */
  logProbs: Float32Array;
}

/**
 * A policy that trainers can optimise. `P` is the parameter tree (leaves `tf.Variable` in `params`); every functional
 * method takes the tree explicitly so it can run inside `valueAndGrad` on other values of the parameters.
 * Observations given to the functional methods and to `sample` are already normalised (see `normalizeObservations`).
 */
export interface TrainablePolicy<P extends object = object, D extends object = object> extends Policy {
  /** The trainable parameters (tf.Variables), a tree for `valueAndGrad`/`Optimizer`. */
  readonly params: P;
  /** log π_params(a | o) per row; `actions` is `actionsTensor(raw)` ([n] int32 or [n, d] float32). */
  logProb(params: P, observations: tf.Tensor2D, actions: tf.Tensor): tf.Tensor1D;
  /** Entropy of π_params(· | o) per row (for a tanh-squashed Gaussian: of the pre-squash Gaussian). */
  entropy(params: P, observations: tf.Tensor2D): tf.Tensor1D;
  /** The distribution's parameters per row (logits, or mean and log-std), for KL terms. */
  distribution(params: P, observations: tf.Tensor2D): D;
  /** KL(p ‖ q) per row between two distributions from `distribution` (closed form). */
  kl(p: D, q: D): tf.Tensor1D;
  /** Samples with the policy's current parameters, seeded by `key`; one host read-back. */
  sample(observations: Float32Array, key: Key): PolicySample;
  /** The tensor `logProb` takes for `n` raw actions as `sample` returned them. */
  actionsTensor(raw: Int32Array | Float32Array, n: number): tf.Tensor;
  /** The frozen normalisation `act` applies (undefined: none). */
  observationNormalization: ObservationNormalization | undefined;
  /** Applies `observationNormalization` (returns the input when there is none). */
  normalizeObservations(observations: Float32Array): Float32Array;
}

/** `clip((o − mean)/√(var + ε), ±clip)` row by row; identity when `norm` is undefined. */
export function applyObservationNormalization(norm: ObservationNormalization | undefined, observations: Float32Array): Float32Array {
  if (norm === undefined) return observations;
  const d = norm.mean.length;
  const out = new Float32Array(observations.length);
  for (let i = 0; i < observations.length; i++) {
    const j = i % d;
    const v = (observations[i] - norm.mean[j]) / Math.sqrt(norm.variance[j] + norm.epsilon);
    out[i] = Math.max(-norm.clip, Math.min(norm.clip, v));
  }
  return out;
}

/** Checks a batch of observations against the policy's observation dimension; returns the row count. */
export function observationRows(where: string, observations: Float32Array, observationDim: number): number {
  if (!(observations instanceof Float32Array) || observations.length % observationDim !== 0) {
    invalidOption(where, 'observations', observations, `a Float32Array whose length is a multiple of observationDim ${observationDim}`);
  }
  for (let i = 0; i < observations.length; i++) {
    if (!Number.isFinite(observations[i])) invalidOption(where, `observations[${i}]`, observations[i], 'a finite number');
  }
  return observations.length / observationDim;
}
