/**
 * The policy interface every trainer of `@descent/rl` returns and {@link evaluate} consumes.
 *
 * @packageDocumentation
 */
import type { Key } from '@descent/core';

/**
 * A trained policy. `act` is batched over sub-environments and synchronous: RL training and evaluation run on the CPU
 * backend, where reading actions back is immediate (WebGPU in Node has no synchronous read-back; in browsers it does).
 */
export interface Policy {
  /** The environment id the policy was trained on (used by {@link evaluate} and `loadPolicy`). */
  readonly envId: string;
  /** 'categorical' for discrete actions, 'gaussian' for continuous (optionally tanh-squashed) actions. */
  readonly kind: 'categorical' | 'gaussian';
  readonly observationDim: number;
  /** Number of discrete actions, or the continuous action dimension. */
  readonly actionDim: number;
  /**
   * Actions for `n` observations given row-major as [n × observationDim]: Int32Array [n] (categorical) or
   * Float32Array [n × actionDim] (gaussian, already mapped into the action space's bounds).
   * `deterministic` picks the mode (argmax / mean); otherwise `key` seeds the sampling.
   */
  act(observations: Float32Array, options?: { deterministic?: boolean; key?: Key }): Int32Array | Float32Array;
  /** Bytes that `loadPolicy` turns back into an identical policy (architecture, weights, normalisation statistics). */
  save(): Uint8Array;
  /** Frees the policy's tensors. */
  dispose(): void;
}
