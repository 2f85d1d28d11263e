/**
 * `ema`: exponential moving average of the updates, optionally debiased (optax `ema`).
 *
 * @packageDocumentation
 */
import {
  type ElementwiseTransformation,
  type ScalarOrSchedule,
  checkBoolean,
  checkKnownOptions,
  checkScalarOrSchedule,
  defineElementwiseRule,
  elementwiseTransformation,
} from '@descent/core';
import { checkOptionsObject } from './inner-transformation.js';

const rule = defineElementwiseRule({
  name: 'ema',
  state: ['ema'],
  scalars: ['decay', 'correction'],
  body: ({ grad, ema }, { decay, correction }, op) => {
    const m = op.add(op.mul(op.sub(1, decay), grad), op.mul(decay, ema));
    return { ema: m, update: op.div(m, correction) };
  },
});

/** Options of {@link ema}. */
export interface EmaOptions {
  /** β ∈ [0, 1), the decay of the average (required, as in optax). */
  decay: ScalarOrSchedule;
  /** Divide by `1 − β^t` (Adam's bias correction). Default true. */
  debias?: boolean;
}

/**
 * Exponential moving average of the updates:
 *
 * $$m_t = (1-\beta)\,u_t + \beta\,m_{t-1},\quad m_0 = 0,\qquad
 *   \text{out}_t = \text{debias}\ ?\ \frac{m_t}{1-\beta^{t}} : m_t,$$
 *
 * with `t` the 1-based step. The state is `{ count, slots: { ema } }`; the stored average is the
 * biased `m_t` (as optax stores it). With a schedule for β the correction uses `β_t^t`, as optax
 * would with the value it is given. Defaults: debias true. Elementwise: fuses within a `chain`.
 *
 * Note the difference from {@link trace}: `trace` sums (`b = μ b + u`), `ema` averages.
 *
 * Reference: optax `ema` (`optax/transforms/_accumulation.py`, with `tree.update_moment` and
 * `tree.bias_correction`).
 */
export function ema(options: EmaOptions): ElementwiseTransformation<'ema'> {
  const where = 'ema';
  checkOptionsObject(where, options);
  checkKnownOptions(where, options, ['decay', 'debias']);
  const decay = checkScalarOrSchedule(where, 'decay', options.decay, { min: 0, lessThan: 1 });
  const debias = checkBoolean(where, 'debias', options.debias ?? true);
  return elementwiseTransformation({
    rule,
    scalars: (count) => {
      const b = decay(count);
      return { decay: b, correction: debias ? 1 - b ** (count + 1) : 1 };
    },
  });
}
