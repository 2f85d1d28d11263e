/**
 * `scaleByRss`: Adagrad's scaling by the root of the summed squared updates, with torch's eps
 * placement (`sqrt(sum) + eps`).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  type ElementwiseTransformation,
  type ScalarOrSchedule,
  checkKnownOptions,
  checkNumber,
  checkScalarOrSchedule,
  defineElementwiseRule,
  elementwiseTransformation,
  invalidOption,
} from '@descent/core';

const rule = defineElementwiseRule({
  name: 'scaleByRss',
  state: ['sumOfSquares'],
  scalars: ['eps'],
  body: ({ grad, sumOfSquares }, { eps }, op) => {
    const sum = op.add(sumOfSquares, op.square(grad));
    return { sumOfSquares: sum, update: op.div(grad, op.add(op.sqrt(sum), eps)) };
  },
});

/** Options of {@link scaleByRss}; names and defaults as `torch.optim.Adagrad` (camelCase). */
export interface ScaleByRssOptions {
  /** s₀ ≥ 0, the value every accumulator starts from (a number: it is used once, at `init`). Default 0. */
  initialAccumulatorValue?: number;
  /** ε ≥ 0, added after the square root. Default 1e-10. */
  eps?: ScalarOrSchedule;
}

/**
 * Scales updates by the root of the sum of all past squared updates (Adagrad's accumulator):
 *
 * $$s_t = s_{t-1} + u_t^2,\quad s_0 = \text{initialAccumulatorValue},\qquad
 *   \text{out}_t = \frac{u_t}{\sqrt{s_t} + \varepsilon}.$$
 *
 * ε sits *outside* the square root, as in `torch.optim.Adagrad` (`torch/optim/adagrad.py`,
 * `_single_tensor_adagrad`: `std = state_sum.sqrt().add_(eps)`), not inside as in optax's
 * `scale_by_rss` or tfjs's `AdagradOptimizer`. Defaults (torch): initialAccumulatorValue 0,
 * eps 1e-10. Elementwise: fuses within a `chain`.
 *
 * Reference: Duchi, Hazan & Singer (2011), "Adaptive Subgradient Methods for Online Learning and
 * Stochastic Optimization"; torch 1.13 `adagrad.py`.
 */
export function scaleByRss(options: ScaleByRssOptions = {}): ElementwiseTransformation<'sumOfSquares'> {
  const where = 'scaleByRss';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['initialAccumulatorValue', 'eps']);
  const initial = checkNumber(where, 'initialAccumulatorValue', options.initialAccumulatorValue ?? 0, { min: 0 });
  const eps = checkScalarOrSchedule(where, 'eps', options.eps ?? 1e-10, { min: 0 });
  return elementwiseTransformation({
    rule,
    scalars: (count) => ({ eps: eps(count) }),
    initSlot: (_slot, param) => tf.fill(param.shape, initial, 'float32'),
  });
}
