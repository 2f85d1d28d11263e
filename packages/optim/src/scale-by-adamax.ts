/**
 * `scaleByAdamax`: Adam's infinity-norm variant (Kingma & Ba 2015, §7.1), with `torch.optim.Adamax`'s
 * numerics (ε inside the maximum).
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

const rule = defineElementwiseRule({
  name: 'scaleByAdamax',
  state: ['mu', 'nuInf'],
  scalars: ['b1', 'oneMinusB1', 'b2', 'eps', 'invBc1'],
  body: ({ grad, mu, nuInf }, { b1, oneMinusB1, b2, eps, invBc1 }, op) => {
    const m = op.add(op.mul(b1, mu), op.mul(oneMinusB1, grad));
    // torch: `torch.amax(cat([exp_inf * β2, |g| + eps]), 0)`, eps INSIDE the maximum (spec pitfall 1).
    const u = op.max(op.mul(b2, nuInf), op.add(op.abs(grad), eps));
    return { mu: m, nuInf: u, update: op.mul(invBc1, op.div(m, u)) };
  },
});

/** Options of {@link scaleByAdamax}. */
export interface ScaleByAdamaxOptions {
  /** β1 ∈ [0, 1), decay of the first moment. Default 0.9. */
  b1?: ScalarOrSchedule;
  /** β2 ∈ [0, 1), decay of the infinity norm. Default 0.999. */
  b2?: ScalarOrSchedule;
  /** ε ≥ 0, added to |g| inside the maximum. Default 1e-8. */
  eps?: ScalarOrSchedule;
}

/**
 * Rescales updates by Adamax's exponentially weighted infinity norm:
 *
 * $$m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\qquad u_t = \max(\beta_2 u_{t-1},\ |g_t| + \varepsilon),\qquad
 *   \text{out}_t = \frac{m_t}{(1-\beta_1^t)\,u_t}.$$
 *
 * ε sits inside the maximum as in `torch.optim.Adamax` (`torch/optim/adamax.py` v1.13,
 * `_single_tensor_adamax`); optax's `scale_by_adamax` and tfjs's `adamax` add it after
 * (`m/(u + ε)`). State slots `mu`, `nuInf`, starting at 0. Defaults: b1 0.9, b2 0.999, eps 1e-8.
 * Follow with {@link scaleByLearningRate}; elementwise, so it fuses within a `chain`.
 *
 * Reference: Kingma & Ba (2015), "Adam: A Method for Stochastic Optimization", Alg. 2.
 */
export function scaleByAdamax(options: ScaleByAdamaxOptions = {}): ElementwiseTransformation<'mu' | 'nuInf'> {
  const where = 'scaleByAdamax';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['b1', 'b2', 'eps']);
  const b1 = checkScalarOrSchedule(where, 'b1', options.b1 ?? 0.9, { min: 0, lessThan: 1 });
  const b2 = checkScalarOrSchedule(where, 'b2', options.b2 ?? 0.999, { min: 0, lessThan: 1 });
  const eps = checkScalarOrSchedule(where, 'eps', options.eps ?? 1e-8, { min: 0 });
  return elementwiseTransformation({
    rule,
    scalars: (count) => {
      const beta1 = b1(count);
      return { b1: beta1, oneMinusB1: 1 - beta1, b2: b2(count), eps: eps(count), invBc1: 1 / (1 - beta1 ** (count + 1)) };
    },
  });
}
