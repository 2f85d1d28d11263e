/**
 * `scaleByAdadelta`: Adadelta's unit-corrected scaling, as `torch.optim.Adadelta`.
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
  name: 'scaleByAdadelta',
  state: ['squareAvg', 'accDelta'],
  scalars: ['rho', 'oneMinusRho', 'eps'],
  body: ({ grad, squareAvg, accDelta }, { rho, oneMinusRho, eps }, op) => {
    const v = op.add(op.mul(rho, squareAvg), op.mul(oneMinusRho, op.square(grad)));
    // The NEW v and the OLD accumulated delta, eps inside both roots (torch; tfjs reads the old v).
    const delta = op.mul(op.div(op.sqrt(op.add(accDelta, eps)), op.sqrt(op.add(v, eps))), grad);
    const u = op.add(op.mul(rho, accDelta), op.mul(oneMinusRho, op.square(delta)));
    return { squareAvg: v, accDelta: u, update: delta };
  },
});

/** Options of {@link scaleByAdadelta}; names and defaults as `torch.optim.Adadelta` (camelCase). */
export interface ScaleByAdadeltaOptions {
  /** ρ ∈ [0, 1], the decay of both moving averages. Default 0.9. */
  rho?: ScalarOrSchedule;
  /** ε ≥ 0, added inside both square roots. Default 1e-6. */
  eps?: ScalarOrSchedule;
}

/**
 * Adadelta's scaling (Zeiler 2012, Alg. 1), with torch's ordering and eps placement:
 *
 * $$v_t = \rho v_{t-1} + (1-\rho)\,u_t^2,\qquad
 *   \Delta_t = \frac{\sqrt{a_{t-1} + \varepsilon}}{\sqrt{v_t + \varepsilon}}\,u_t,\qquad
 *   a_t = \rho a_{t-1} + (1-\rho)\,\Delta_t^2,\qquad \text{out}_t = \Delta_t.$$
 *
 * Both states start at zero. The learning rate is not part of this block (torch multiplies Δ by
 * `lr` afterwards: chain {@link scaleByLearningRate}). State slots: `squareAvg` (v) and `accDelta`
 * (a). Defaults (torch): rho 0.9, eps 1e-6. Elementwise: fuses within a `chain`.
 *
 * Reference: Zeiler (2012), "ADADELTA: An Adaptive Learning Rate Method"; torch 1.13
 * `torch/optim/adadelta.py`, `_single_tensor_adadelta`. tfjs's `AdadeltaOptimizer` divides by the
 * *previous* v, which makes it plain SGD; this block follows torch.
 */
export function scaleByAdadelta(options: ScaleByAdadeltaOptions = {}): ElementwiseTransformation<'squareAvg' | 'accDelta'> {
  const where = 'scaleByAdadelta';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['rho', 'eps']);
  const rho = checkScalarOrSchedule(where, 'rho', options.rho ?? 0.9, { min: 0, max: 1 });
  const eps = checkScalarOrSchedule(where, 'eps', options.eps ?? 1e-6, { min: 0 });
  return elementwiseTransformation({
    rule,
    scalars: (count) => {
      const r = rho(count);
      return { rho: r, oneMinusRho: 1 - r, eps: eps(count) };
    },
  });
}
