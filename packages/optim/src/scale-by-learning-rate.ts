/**
 * `scaleByLearningRate`: multiply updates by −γ (optax `scale_by_learning_rate`).
 *
 * @packageDocumentation
 */
import {
  type ElementwiseTransformation,
  type ScalarOrSchedule,
  checkBoolean,
  checkScalarOrSchedule,
  defineElementwiseRule,
  elementwiseTransformation,
} from '@descent/core';

const rule = defineElementwiseRule({
  name: 'scaleByLearningRate',
  state: [],
  scalars: ['factor'],
  body: ({ grad }, { factor }, op) => ({ update: op.mul(factor, grad) }),
});

/** Options of {@link scaleByLearningRate}. */
export interface ScaleByLearningRateOptions {
  /** Flip the sign (descent). Default true: `u ← −γ u`. */
  flipSign?: boolean;
}

/**
 * Scales updates by the learning rate: `u ← −γ_t u` (or `+γ_t u` with `flipSign: false`),
 * where `γ_t` is a number or a schedule evaluated at the number of steps already taken.
 *
 * Reference: optax `scale_by_learning_rate` (`optax/_src/transform.py`). Elementwise: fuses with
 * its neighbours in a `chain`.
 */
export function scaleByLearningRate(learningRate: ScalarOrSchedule, options: ScaleByLearningRateOptions = {}): ElementwiseTransformation<never> {
  const where = 'scaleByLearningRate';
  const lr = checkScalarOrSchedule(where, 'learningRate', learningRate, { min: 0 });
  const sign = checkBoolean(where, 'flipSign', options.flipSign ?? true) ? -1 : 1;
  return elementwiseTransformation({ rule, scalars: (count) => ({ factor: sign * lr(count) }) });
}
