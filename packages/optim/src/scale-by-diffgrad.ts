/**
 * `scaleByDiffGrad`: Adam's moments damped by diffGrad's friction coefficient
 * ξ = sigmoid(|g_{t−1} − g_t|) (Dubey et al. 2019), with the numerics of the authors'
 * `diffGrad_v2.py`.
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
  name: 'scaleByDiffGrad',
  state: ['mu', 'nu', 'prevGrad'],
  scalars: ['b1', 'oneMinusB1', 'b2', 'oneMinusB2', 'eps', 'stepScale'],
  body: ({ grad, mu, nu, prevGrad }, { b1, oneMinusB1, b2, oneMinusB2, eps, stepScale }, op) => {
    const m = op.add(op.mul(b1, mu), op.mul(oneMinusB1, grad));
    const v = op.add(op.mul(b2, nu), op.mul(oneMinusB2, op.square(grad)));
    // diffGrad_v2.py L94–95: dfc = 1 / (1 + exp(−|g_prev − g|)); exp of a non-positive number never overflows.
    const xi = op.div(1, op.add(1, op.exp(op.neg(op.abs(op.sub(prevGrad, grad))))));
    // L88 and L100–104: eps on the UN-corrected sqrt(v); sqrt(bc2)/bc1 in the step size; ξ scales
    // m only inside the update (the stored m is not damped).
    const update = op.mul(stepScale, op.div(op.mul(m, xi), op.add(op.sqrt(v), eps)));
    // L97: the previous gradient is a copy of this step's gradient (after any L2 term was added).
    return { mu: m, nu: v, prevGrad: grad, update };
  },
});

/** Options of {@link scaleByDiffGrad}. */
export interface ScaleByDiffGradOptions {
  /** β1 ∈ [0, 1), decay of the first moment. Default 0.9. */
  b1?: ScalarOrSchedule;
  /** β2 ∈ [0, 1), decay of the second moment. Default 0.999. */
  b2?: ScalarOrSchedule;
  /** ε ≥ 0, added to the un-corrected $\sqrt{v_t}$. Default 1e-8. */
  eps?: ScalarOrSchedule;
}

/**
 * Rescales updates by diffGrad's damped Adam step (Dubey et al. 2019, "diffGrad: An Optimization
 * Method for Convolutional Neural Networks", IEEE TNNLS, Alg. 1):
 *
 * $$m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\qquad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\qquad
 *   \xi_t = \frac{1}{1 + e^{-|g_{t-1} - g_t|}},$$
 * $$u_t = \frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}\cdot\frac{\xi_t\, m_t}{\sqrt{v_t} + \varepsilon},$$
 *
 * with $g_0 = 0$, so $\xi_1 = \mathrm{sigmoid}(|g_1|)$. The incoming update is the gradient the
 * reference sees, so a coupled L2 term added before this block (`addDecayedWeights`) is part of
 * the stored previous gradient, as in the reference, which adds it to `p.grad` in place (L83).
 * ε sits on the un-corrected $\sqrt{v_t}$ (L88) and ξ multiplies m only in the update (the
 * stored m is undamped). State slots `mu`, `nu`, `prevGrad`, all starting at 0.
 * Defaults: b1 0.9, b2 0.999, eps 1e-8. Follow with {@link scaleByLearningRate}; elementwise, so
 * it fuses with its neighbours in a `chain`.
 *
 * Reference: github `shivram1987/diffGrad`, `diffGrad_v2.py` (class `diffgrad`, L32–104). The
 * repository's older `diffGrad.py` keeps a reference to `p.grad` as the previous gradient, so its
 * ξ is always sigmoid(0) = 1/2 (the bug `diffGrad_v2.py` fixes); this block follows v2.
 */
export function scaleByDiffGrad(options: ScaleByDiffGradOptions = {}): ElementwiseTransformation<'mu' | 'nu' | 'prevGrad'> {
  const where = 'scaleByDiffGrad';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['b1', 'b2', 'eps']);
  const b1 = checkScalarOrSchedule(where, 'b1', options.b1 ?? 0.9, { min: 0, lessThan: 1 });
  const b2 = checkScalarOrSchedule(where, 'b2', options.b2 ?? 0.999, { min: 0, lessThan: 1 });
  const eps = checkScalarOrSchedule(where, 'eps', options.eps ?? 1e-8, { min: 0 });
  return elementwiseTransformation({
    rule,
    scalars: (count) => {
      const t = count + 1;
      const beta1 = b1(count);
      const beta2 = b2(count);
      // Bias corrections in float64 on the host, as the reference's Python floats (L90–91, L100).
      const stepScale = Math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t);
      return { b1: beta1, oneMinusB1: 1 - beta1, b2: beta2, oneMinusB2: 1 - beta2, eps: eps(count), stepScale };
    },
  });
}
