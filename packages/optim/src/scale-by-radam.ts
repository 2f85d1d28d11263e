/**
 * `scaleByRadam`: rectified Adam (Liu et al. 2020) with `torch.optim.RAdam`'s (v1.13) numerics.
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
  name: 'scaleByRadam',
  state: ['mu', 'nu'],
  scalars: ['b1', 'oneMinusB1', 'b2', 'oneMinusB2', 'eps', 'invBc1', 'rectified', 'adaptiveScale'],
  body: ({ grad, mu, nu }, s, op) => {
    const m = op.add(op.mul(s.b1, mu), op.mul(s.oneMinusB1, grad));
    const v = op.add(op.mul(s.b2, nu), op.mul(s.oneMinusB2, op.square(grad)));
    const mHat = op.mul(m, s.invBc1);
    // ε on the UN-corrected sqrt(v); sqrt(bc2) and the rectification r are in `adaptiveScale`.
    const adaptive = op.div(op.mul(mHat, s.adaptiveScale), op.add(op.sqrt(v), s.eps));
    // `select`, not a blend, so that the un-adapted steps never evaluate 0/0 into the update.
    return { mu: m, nu: v, update: op.select(op.gt(s.rectified, 0), adaptive, mHat) };
  },
});

/** Options of {@link scaleByRadam}. */
export interface ScaleByRadamOptions {
  /** β1 ∈ [0, 1), decay of the first moment. Default 0.9. */
  b1?: ScalarOrSchedule;
  /** β2 ∈ [0, 1), decay of the second moment. Default 0.999. */
  b2?: ScalarOrSchedule;
  /** ε ≥ 0, added to the un-corrected sqrt(v). Default 1e-8. */
  eps?: ScalarOrSchedule;
}

/** ρ∞, ρ_t and the rectification term of RAdam at step t (1-based), in float64 on the host. */
function radamRectification(b2: number, t: number): { rhoInf: number; rhoT: number; rectified: boolean; r: number } {
  const rhoInf = 2 / (1 - b2) - 1;
  const b2t = b2 ** t;
  const rhoT = rhoInf - (2 * t * b2t) / (1 - b2t);
  // torch 1.13 `_single_tensor_radam`: strict `rho_t > 5.` (AdaBelief uses ≥ 5).
  const rectified = rhoT > 5;
  const r = rectified ? Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) : 0;
  return { rhoInf, rhoT, rectified, r };
}

/**
 * Rescales updates by RAdam's variance-rectified Adam step:
 *
 * $$m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad
 *   \hat m_t = \frac{m_t}{1-\beta_1^t},$$
 * $$\rho_\infty = \frac{2}{1-\beta_2} - 1,\quad \rho_t = \rho_\infty - \frac{2t\beta_2^t}{1-\beta_2^t},\quad
 *   r_t = \sqrt{\frac{(\rho_t-4)(\rho_t-2)\rho_\infty}{(\rho_\infty-4)(\rho_\infty-2)\rho_t}},$$
 * $$\text{out}_t = \begin{cases} \hat m_t\, r_t \sqrt{1-\beta_2^t}\,/\,(\sqrt{v_t} + \varepsilon) & \rho_t > 5\\
 *   \hat m_t & \text{otherwise.}\end{cases}$$
 *
 * As `torch.optim.RAdam` v1.13 (`torch/optim/radam.py`, `_single_tensor_radam`): the threshold is
 * strict, the un-adapted branch is the bias-corrected momentum without ε, and ε is added to the
 * un-corrected `sqrt(v)` (optax's `scale_by_radam` puts it on the corrected one). The branch and
 * `r_t` are computed on the host per step (with β2 = 0.999 steps 1–5 are un-adapted). State slots
 * `mu`, `nu`, starting at 0. Defaults: b1 0.9, b2 0.999, eps 1e-8. Follow with
 * {@link scaleByLearningRate}; elementwise, so it fuses within a `chain`.
 *
 * Reference: Liu et al. (2020), "On the Variance of the Adaptive Learning Rate and Beyond", Alg. 2.
 */
export function scaleByRadam(options: ScaleByRadamOptions = {}): ElementwiseTransformation<'mu' | 'nu'> {
  const where = 'scaleByRadam';
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
      const { rectified, r } = radamRectification(beta2, t);
      return {
        b1: beta1,
        oneMinusB1: 1 - beta1,
        b2: beta2,
        oneMinusB2: 1 - beta2,
        eps: eps(count),
        invBc1: 1 / (1 - beta1 ** t),
        rectified: rectified ? 1 : 0,
        adaptiveScale: rectified ? r * Math.sqrt(1 - beta2 ** t) : 0,
      };
    },
  });
}
