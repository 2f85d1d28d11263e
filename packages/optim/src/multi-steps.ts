/**
 * `multiSteps`: gradient accumulation — the inner optimizer steps once every `k` calls, on the
 * mean (or sum) of the `k` gradients (optax `MultiSteps`).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  type GradientTransformation,
  type Params,
  type ScalarOrSchedule,
  applyRuleLeafwise,
  checkBoolean,
  checkKnownOptions,
  checkScalarOrSchedule,
  defineElementwiseRule,
  treeMap,
} from '@descent/core';
import { checkInnerTransformation, checkOptionsObject } from './inner-transformation.js';

// Welford's running mean, as optax: acc + (g − acc)/(n + 1), n = mini-steps already accumulated.
const meanRule = defineElementwiseRule({
  name: 'multiSteps.accumulate[mean]',
  state: ['acc'],
  scalars: ['count'],
  body: ({ grad, acc }, { count }, op) => {
    const a = op.add(acc, op.div(op.sub(grad, acc), count));
    return { acc: a, update: a };
  },
});
const sumRule = defineElementwiseRule({
  name: 'multiSteps.accumulate[sum]',
  state: ['acc'],
  scalars: [],
  body: ({ grad, acc }, _s, op) => {
    const a = op.add(grad, acc);
    return { acc: a, update: a };
  },
});

/** Options of {@link multiSteps}. */
export interface MultiStepsOptions {
  /**
   * k ≥ 1, the number of mini-steps per inner step: an integer or a schedule of the number of
   * inner steps taken so far (to grow the effective batch over training). Required.
   */
  everyK: ScalarOrSchedule;
  /** Average the accumulated gradients (true, default) or sum them (false). */
  useGradMean?: boolean;
}

/** State of {@link multiSteps}. */
export interface MultiStepsState<S = unknown> {
  /** Mini-steps accumulated since the last inner step (0 … k − 1). */
  miniStep: number;
  /** Inner steps taken so far. */
  gradientStep: number;
  /** The inner transformation's state (changes only on inner steps). */
  inner: S;
  /** The running mean (or sum) of this cycle's gradients, shaped like the params. */
  acc: Params;
}

/** A {@link multiSteps} transformation, with optax's `has_updated`. */
export type MultiStepsTransformation<S = unknown> = GradientTransformation<MultiStepsState<S>> & {
  /** Whether the last `update` was an inner step (its updates are the inner optimizer's). */
  hasUpdated(state: MultiStepsState<S>): boolean;
};

/**
 * Whether the step that produced `state` was an inner step of {@link multiSteps}: true right
 * after the k-th mini-step of a cycle (optax `MultiSteps.has_updated`: `mini_step == 0 and
 * gradient_step > 0`).
 */
export function hasUpdated(state: MultiStepsState<unknown>): boolean {
  return state.miniStep === 0 && state.gradientStep > 0;
}

/**
 * Accumulates gradients over `k` calls and runs the inner transformation once per `k`:
 *
 * $$\bar g_j = \bar g_{j-1} + \frac{g_j - \bar g_{j-1}}{j}\ (\text{mean; sum: } \bar g_j = g_j + \bar g_{j-1}),\qquad
 *   \text{out}_j = \begin{cases} 0 & j < k \\ \text{inner.update}(\bar g_k) & j = k, \end{cases}$$
 *
 * after which the accumulator is reset to zero and `j` to 0. So with `useGradMean` the k-th
 * call returns exactly one step of the inner optimizer on the mean gradient, and the inner state
 * (its count, moments, schedules) advances once per k calls. `k` is evaluated at the number of
 * inner steps taken, as optax does. The accumulation is a fused elementwise rule; whether to step
 * is decided on the host (counters are host numbers), so nothing is read back and the inner
 * update runs only on inner steps. Defaults: useGradMean true.
 *
 * Reference: optax `MultiSteps` (`optax/transforms/_accumulation.py`), without
 * `should_skip_update_fn` (use {@link applyIfFinite} inside for that).
 */
export function multiSteps<S>(inner: GradientTransformation<S>, options: MultiStepsOptions): MultiStepsTransformation<S> {
  const where = 'multiSteps';
  const transform = checkInnerTransformation(where, 'inner', inner) as GradientTransformation<S>;
  checkOptionsObject(where, options);
  checkKnownOptions(where, options, ['everyK', 'useGradMean']);
  const everyK = checkScalarOrSchedule(where, 'everyK', options.everyK, { min: 1, integer: true });
  const mean = checkBoolean(where, 'useGradMean', options.useGradMean ?? true);
  const rule = mean ? meanRule : sumRule;

  return {
    init: (params) => ({
      miniStep: 0,
      gradientStep: 0,
      inner: transform.init(params),
      acc: treeMap((p: tf.Tensor) => tf.zerosLike(p), params) as Params,
    }),
    update(updates, state, params) {
      const k = everyK(state.gradientStep);
      const scalars: Record<string, number> = mean ? { count: state.miniStep + 1 } : {};
      const acc = applyRuleLeafwise(rule, updates, undefined, { acc: state.acc }, scalars).slots.acc as Params;
      if (state.miniStep + 1 < k) {
        return {
          updates: treeMap((u: tf.Tensor) => tf.zerosLike(u), updates) as Params,
          state: { miniStep: state.miniStep + 1, gradientStep: state.gradientStep, inner: state.inner, acc },
        };
      }
      const out = transform.update(acc, state.inner, params);
      return {
        updates: out.updates,
        state: {
          miniStep: 0,
          gradientStep: state.gradientStep + 1,
          inner: out.state,
          acc: treeMap((a: tf.Tensor) => tf.zerosLike(a), acc) as Params,
        },
      };
    },
    hasUpdated: (state) => hasUpdated(state),
  };
}
