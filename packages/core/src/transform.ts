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
import type { ElementwiseRule } from './elementwise-rule.js';
import {
  type ElementwiseStage,
  type ElementwiseState,
  applyRuleLeafwise,
  applyRuleLeafwiseInPlace,
} from './elementwise-transformation.js';
import { composeStageRules, composeStageScalars, composeStageSlots, splitStageSlots } from './fused-chain.js';
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

function stageOf(t: GradientTransformation<any>): ElementwiseStage | undefined {
  return (t as { elementwise?: ElementwiseStage }).elementwise;
}

/** Maximal runs of consecutive transformations: elementwise runs of two or more are fused. */
function segmentsOf(transforms: readonly GradientTransformation<any>[]): { start: number; end: number; fused: boolean }[] {
  const segments: { start: number; end: number; fused: boolean }[] = [];
  let i = 0;
  while (i < transforms.length) {
    let j = i;
    while (j < transforms.length && stageOf(transforms[j] as GradientTransformation<any>) !== undefined) j++;
    if (j - i >= 2) {
      segments.push({ start: i, end: j, fused: true });
      i = j;
    } else {
      segments.push({ start: i, end: i + 1, fused: false });
      i++;
    }
  }
  return segments;
}

/**
 * Runs transformations in sequence (optax `chain`): the updates flow through each in order and
 * the state is the array of their states.
 *
 * Consecutive elementwise transformations (those built with `elementwiseTransformation`) are
 * fused into one kernel per parameter tensor; when the whole chain is elementwise it also has
 * the runner's in-place step. Fusion changes neither the numbers (beyond float32 rounding of
 * intermediates) nor the state tree.
 */
export function chain(...transforms: GradientTransformation<any>[]): GradientTransformation<ChainState> {
  const segments = segmentsOf(transforms);
  const fusedRules = segments.map((seg) =>
    seg.fused ? composeStageRules(transforms.slice(seg.start, seg.end).map((t) => stageOf(t) as ElementwiseStage)) : undefined,
  );
  const stagesOf = (seg: { start: number; end: number }) => transforms.slice(seg.start, seg.end).map((t) => stageOf(t) as ElementwiseStage);

  let inPlace: InPlaceStep<ChainState> | undefined;
  const only = transforms.length === 1 ? transforms[0] : undefined;
  if (only?.inPlace !== undefined) {
    inPlace = (params, grads, state) => {
      const next = only.inPlace?.(params, grads, state[0]);
      return next === undefined ? undefined : [next];
    };
  } else if (segments.length === 1 && segments[0]?.fused) {
    const stages = stagesOf(segments[0]);
    const rule = fusedRules[0] as ElementwiseRule<string, string>;
    inPlace = (params, grads, state) => {
      const states = state as ElementwiseState<string>[];
      const scalars = composeStageScalars(stages, states);
      const slots = composeStageSlots(stages, states);
      if (!applyRuleLeafwiseInPlace(rule, params, grads, slots, scalars)) return undefined;
      return splitStageSlots(stages, states, slots);
    };
  }

  return {
    init: (params) => transforms.map((t) => t.init(params)),
    update(updates, state, params) {
      let current = updates;
      const next: unknown[] = [];
      segments.forEach((seg, k) => {
        const rule = fusedRules[k];
        if (rule === undefined) {
          const out = (transforms[seg.start] as GradientTransformation<any>).update(current, state[seg.start], params);
          current = out.updates;
          next.push(out.state);
          return;
        }
        const stages = stagesOf(seg);
        const states = state.slice(seg.start, seg.end) as ElementwiseState<string>[];
        const out = applyRuleLeafwise(rule, current, params, composeStageSlots(stages, states), composeStageScalars(stages, states));
        current = out.updates;
        next.push(...splitStageSlots(stages, states, out.slots));
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
