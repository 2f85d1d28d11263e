/**
 * Gradient transformations: optax's idea in TypeScript. An optimizer is a pair of pure
 * functions, `init` and `update`, and optimizers are built by chaining small transformations
 * (`chain(clipByGlobalNorm(1), scaleByAdam(), scaleByLearningRate(1e-3))`).
 *
 * Conventions (as optax's `base.py`/`update.py`):
 * - `update` maps gradients to *updates* that already carry the sign and the learning rate, so
 *   `applyUpdates(params, updates)` is a plain sum.
 * - `update` returns new tensors and never disposes its arguments; run it inside `tf.tidy` or
 *   through the {@link Optimizer} runner, which owns memory.
 * - State is any tree of tensors and plain numbers (step counts live on the host as numbers, so
 *   schedules are evaluated without reading back from the device).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Params, Tree } from './tree.js';
import { assertSameStructure, treeMap } from './tree.js';

/**
 * An in-place step, offered by transformations that are one fused elementwise rule per leaf:
 * `params ← params + update(grads)`, state overwritten in its own buffers. Returns the new
 * state (its tensor leaves are the same tensors, updated), or `undefined` — having touched
 * nothing — where no fused kernel runs on this backend. Only the {@link Optimizer} runner calls
 * it, on storage it owns.
 */
export type InPlaceStep<S> = (params: Params, grads: Params, state: S) => S | undefined;

/**
 * A gradient transformation (optax's `GradientTransformation`).
 *
 * - `init(params)`: the initial state for these parameters.
 * - `update(updates, state, params?)`: transformed updates and the new state.
 * - `inPlace` (optional): see {@link InPlaceStep}.
 */
export interface GradientTransformation<S = unknown> {
  init(params: Params): S;
  update(updates: Params, state: S, params?: Params): { updates: Params; state: S };
  readonly inPlace?: InPlaceStep<S>;
}

/** The state of a transformation that keeps none. */
export type EmptyState = Record<string, never>;

/** `params + updates`, leaf by leaf (structures and shapes must agree). Returns new tensors. */
export function applyUpdates(params: Params, updates: Params): Params {
  return treeMap((p: tf.Tensor, u: tf.Tensor) => tf.add(p, u), params, updates) as Params;
}

/** The transformation that returns its input unchanged (optax `identity`). */
export function identity(): GradientTransformation<EmptyState> {
  return {
    init: () => ({}),
    update: (updates, state) => ({ updates, state }),
  };
}

/**
 * A transformation without state from a function of the updates (and params), like optax's
 * `stateless`: `u ← fn(u, params)`.
 */
export function stateless(fn: (updates: Params, params?: Params) => Params): GradientTransformation<EmptyState> {
  return {
    init: () => ({}),
    update: (updates, state, params) => ({ updates: fn(updates, params), state }),
  };
}

/** The state of {@link chain}: the inner states, in order. */
export type ChainState = unknown[];

/**
 * Runs transformations in sequence (optax `chain`): the updates flow through each in order and
 * the state is the array of their states. A chain of one transformation keeps that
 * transformation's in-place step.
 */
export function chain(...transforms: GradientTransformation<any>[]): GradientTransformation<ChainState> {
  const only = transforms.length === 1 ? transforms[0] : undefined;
  const inPlace: InPlaceStep<ChainState> | undefined =
    only?.inPlace === undefined
      ? undefined
      : (params, grads, state) => {
          const next = only.inPlace?.(params, grads, state[0]);
          return next === undefined ? undefined : [next];
        };
  return {
    init: (params) => transforms.map((t) => t.init(params)),
    update(updates, state, params) {
      let current = updates;
      const next: unknown[] = [];
      transforms.forEach((t, i) => {
        const out = t.update(current, state[i], params);
        current = out.updates;
        next.push(out.state);
      });
      return { updates: current, state: next };
    },
    ...(inPlace ? { inPlace } : {}),
  };
}

/** Throws unless `grads` has the structure and leaf shapes of `params`. */
export function assertGradsMatchParams(where: string, grads: Tree<unknown>, params: Tree<unknown>): void {
  assertSameStructure(grads, params, { names: ['grads', 'params'], where });
}
