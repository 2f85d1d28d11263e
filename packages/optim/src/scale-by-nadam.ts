/**
 * `scaleByNadam`: NAdam with momentum decay (Dozat 2016) as `torch.optim.NAdam` from torch 2.0 on.
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
  name: 'scaleByNadam',
  state: ['mu', 'nu'],
  scalars: ['b1', 'oneMinusB1', 'b2', 'oneMinusB2', 'eps', 'sqrtBc2', 'gradCoef', 'muCoef'],
  body: ({ grad, mu, nu }, s, op) => {
    const m = op.add(op.mul(s.b1, mu), op.mul(s.oneMinusB1, grad));
    const v = op.add(op.mul(s.b2, nu), op.mul(s.oneMinusB2, op.square(grad)));
    const denom = op.add(op.div(op.sqrt(v), s.sqrtBc2), s.eps);
    // torch's two `addcdiv_` calls (gradient term, then momentum term) over the same denominator.
    const update = op.add(op.mul(s.gradCoef, op.div(grad, denom)), op.mul(s.muCoef, op.div(m, denom)));
    return { mu: m, nu: v, update };
  },
});

/** Options of {@link scaleByNadam}. */
export interface ScaleByNadamOptions {
  /** β1 ∈ [0, 1), decay of the first moment (and scale of the momentum schedule μ_t). Default 0.9. */
  b1?: ScalarOrSchedule;
  /** β2 ∈ [0, 1), decay of the second moment. Default 0.999. */
  b2?: ScalarOrSchedule;
  /** ε ≥ 0, added outside the square root of the bias-corrected second moment. Default 1e-8. */
  eps?: ScalarOrSchedule;
  /** ψ ≥ 0, the momentum decay of μ_t = β1(1 − ½·0.96^{tψ}). Default 4e-3. */
  momentumDecay?: ScalarOrSchedule;
}

/**
 * Rescales updates by NAdam's Nesterov-corrected Adam step with the momentum schedule of Dozat (2016):
 *
 * $$\mu_t = \beta_1\big(1 - \tfrac12\, 0.96^{t\psi}\big),\qquad \Pi_t = \prod_{i\le t}\mu_i,$$
 * $$m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\qquad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\qquad
 *   d_t = \sqrt{v_t}/\sqrt{1-\beta_2^t} + \varepsilon,$$
 * $$\text{out}_t = \frac{1-\mu_t}{1-\Pi_t}\,\frac{g_t}{d_t} + \frac{\mu_{t+1}}{1-\Pi_t\,\mu_{t+1}}\,\frac{m_t}{d_t}.$$
 *
 * These are the numerics of `torch.optim.NAdam` from torch 2.0 on (and of torch 1.13's
 * `_multi_tensor_nadam`, golden `nadam_fixed`): torch 1.13's default single-tensor path used
 * $\Pi_t\mu_t\mu_{t+1}$ in the second denominator, a bug fixed by pytorch/pytorch#92699 and not
 * reproduced here. μ_t, μ_{t+1} and the running product Π_t are computed on the host in float64
 * (with schedules, μ_i uses β1 and ψ of step i, as torch does when param-group values change).
 * State slots `mu`, `nu`, starting at 0. Defaults: b1 0.9, b2 0.999, eps 1e-8, momentumDecay 4e-3.
 * Follow with {@link scaleByLearningRate}; elementwise, so it fuses within a `chain`.
 *
 * Reference: `torch/optim/nadam.py` (`_single_tensor_nadam`, torch ≥ 2.0); Dozat (2016),
 * "Incorporating Nesterov Momentum into Adam".
 */
export function scaleByNadam(options: ScaleByNadamOptions = {}): ElementwiseTransformation<'mu' | 'nu'> {
  const where = 'scaleByNadam';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['b1', 'b2', 'eps', 'momentumDecay']);
  const b1 = checkScalarOrSchedule(where, 'b1', options.b1 ?? 0.9, { min: 0, lessThan: 1 });
  const b2 = checkScalarOrSchedule(where, 'b2', options.b2 ?? 0.999, { min: 0, lessThan: 1 });
  const eps = checkScalarOrSchedule(where, 'eps', options.eps ?? 1e-8, { min: 0 });
  const psi = checkScalarOrSchedule(where, 'momentumDecay', options.momentumDecay ?? 4e-3, { min: 0 });
  // μ_t of step t (1-based), with the hyper-parameters in effect at that step.
  const muAt = (t: number): number => b1(t - 1) * (1 - 0.5 * 0.96 ** (t * psi(t - 1)));
  // Π_count cached for the usual sequential calls; any other count recomputes from Π_0 = 1.
  let cached = { count: 0, product: 1 };
  const productBefore = (count: number): number => {
    let { count: c, product } = cached.count <= count ? cached : { count: 0, product: 1 };
    for (; c < count; c++) product *= muAt(c + 1);
    cached = { count, product };
    return product;
  };
  return elementwiseTransformation({
    rule,
    scalars: (count) => {
      const t = count + 1;
      const beta1 = b1(count);
      const beta2 = b2(count);
      const muT = muAt(t);
      // μ_{t+1} with this step's β1 and ψ, as torch computes it.
      const muNext = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi(count)));
      const product = productBefore(count) * muT;
      return {
        b1: beta1,
        oneMinusB1: 1 - beta1,
        b2: beta2,
        oneMinusB2: 1 - beta2,
        eps: eps(count),
        sqrtBc2: Math.sqrt(1 - beta2 ** t),
        gradCoef: (1 - muT) / (1 - product),
        muCoef: muNext / (1 - product * muNext),
      };
    },
  });
}
