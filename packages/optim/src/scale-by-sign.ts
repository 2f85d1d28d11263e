/**
 * `scaleBySign`: replace updates by their sign, optionally of a moving average (signSGD / Signum).
 *
 * @packageDocumentation
 */
import {
  type ElementwiseTransformation,
  type ScalarOrSchedule,
  checkKnownOptions,
  checkScalarOrSchedule,
  defineElementwiseRule,
  elementwiseTransformation,
  invalidOption,
} from '@descent/core';

const plainRule = defineElementwiseRule({
  name: 'scaleBySign[plain]',
  state: [],
  scalars: [],
  body: ({ grad }, _s, op) => ({ update: op.sign(grad) }),
});

const momentumRule = defineElementwiseRule({
  name: 'scaleBySign[momentum]',
  state: ['momentum'],
  scalars: ['decay', 'oneMinusDecay'],
  body: ({ grad, momentum }, { decay, oneMinusDecay }, op) => {
    const m = op.add(op.mul(decay, momentum), op.mul(oneMinusDecay, grad));
    return { momentum: m, update: op.sign(m) };
  },
});

/** Options of {@link scaleBySign}. */
export interface ScaleBySignOptions {
  /**
   * β ∈ [0, 1), the decay of the moving average whose sign is taken (Signum). Default 0: the sign
   * of the update itself (signSGD), with no state.
   */
  decay?: ScalarOrSchedule;
}

/**
 * Replaces each update by its sign (signSGD, Bernstein et al. 2018, Alg. 1), or by the sign of an
 * exponential moving average of the updates (Signum, Alg. 3):
 *
 * $$\text{out}_t = \operatorname{sign}(u_t)\quad(\beta = 0),\qquad
 *   m_t = \beta m_{t-1} + (1-\beta)\,u_t,\ m_0 = 0,\quad \text{out}_t = \operatorname{sign}(m_t).$$
 *
 * sign(0) = 0. With `decay` the number 0 (the default) the block is stateless; otherwise it keeps
 * one slot, `momentum` (m). Elementwise: fuses within a `chain`.
 *
 * Reference: Bernstein, Wang, Azizzadenesheli & Anandkumar (2018), "signSGD: Compressed
 * Optimisation for Non-Convex Problems", Algorithms 1 and 3.
 */
export function scaleBySign(options: ScaleBySignOptions = {}): ElementwiseTransformation<never> | ElementwiseTransformation<'momentum'> {
  const where = 'scaleBySign';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['decay']);
  const decay = checkScalarOrSchedule(where, 'decay', options.decay ?? 0, { min: 0, lessThan: 1 });
  if (options.decay === undefined || options.decay === 0) return elementwiseTransformation({ rule: plainRule, scalars: () => ({}) });
  return elementwiseTransformation({
    rule: momentumRule,
    scalars: (count) => {
      const b = decay(count);
      return { decay: b, oneMinusDecay: 1 - b };
    },
  });
}
