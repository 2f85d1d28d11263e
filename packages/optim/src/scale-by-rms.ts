/**
 * `scaleByRms`: RMSprop's scaling by the root of an exponential moving average of squared
 * updates (optionally centered), with torch's eps placement (`sqrt(v) + eps`).
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
  invalidOption,
} from '@descent/core';

const plainRule = defineElementwiseRule({
  name: 'scaleByRms[plain]',
  state: ['nu'],
  scalars: ['alpha', 'oneMinusAlpha', 'eps'],
  body: ({ grad, nu }, { alpha, oneMinusAlpha, eps }, op) => {
    const v = op.add(op.mul(alpha, nu), op.mul(oneMinusAlpha, op.square(grad)));
    return { nu: v, update: op.div(grad, op.add(op.sqrt(v), eps)) };
  },
});

const centeredRule = defineElementwiseRule({
  name: 'scaleByRms[centered]',
  state: ['nu', 'mu'],
  scalars: ['alpha', 'oneMinusAlpha', 'eps'],
  body: ({ grad, nu, mu }, { alpha, oneMinusAlpha, eps }, op) => {
    const v = op.add(op.mul(alpha, nu), op.mul(oneMinusAlpha, op.square(grad)));
    const m = op.add(op.mul(alpha, mu), op.mul(oneMinusAlpha, grad));
    // torch: avg = (v - m²).sqrt() + eps — eps outside the root, no clamping (as torch).
    return { nu: v, mu: m, update: op.div(grad, op.add(op.sqrt(op.sub(v, op.square(m))), eps)) };
  },
});

/** Options of {@link scaleByRms}; names and defaults as `torch.optim.RMSprop` (camelCase). */
export interface ScaleByRmsOptions {
  /** α ∈ [0, 1], the smoothing constant of the moving averages. Default 0.99. */
  alpha?: ScalarOrSchedule;
  /** ε ≥ 0, added after the square root. Default 1e-8. */
  eps?: ScalarOrSchedule;
  /** Centered: divide by the root of the variance estimate `v − ḡ²` instead of `v`. Default false. */
  centered?: boolean;
}

/**
 * Scales updates by the root of an exponential moving average of their squares (RMSprop):
 *
 * $$v_t = \alpha v_{t-1} + (1-\alpha)\,u_t^2,\qquad \text{out}_t = \frac{u_t}{\sqrt{v_t} + \varepsilon},$$
 *
 * or, centered (Graves 2013),
 *
 * $$\bar g_t = \alpha \bar g_{t-1} + (1-\alpha)\,u_t,\qquad
 *   \text{out}_t = \frac{u_t}{\sqrt{v_t - \bar g_t^2} + \varepsilon}.$$
 *
 * State starts at zero, no bias correction; ε sits *outside* the square root, as in
 * `torch.optim.RMSprop` (`torch/optim/rmsprop.py`, `_single_tensor_rmsprop`), not inside as in
 * optax's `scale_by_rms` or tfjs's `RMSPropOptimizer`. State slots: `nu` (v) and, when centered,
 * `mu` (ḡ). Defaults (torch): alpha 0.99, eps 1e-8, centered false. Elementwise: fuses within a
 * `chain`.
 *
 * References: Tieleman & Hinton (2012), Lecture 6.5 "RMSprop"; Graves (2013), "Generating
 * Sequences With Recurrent Neural Networks" (centered form); torch 1.13 `rmsprop.py`.
 */
export function scaleByRms(options: ScaleByRmsOptions = {}): ElementwiseTransformation<'nu'> | ElementwiseTransformation<'nu' | 'mu'> {
  const where = 'scaleByRms';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['alpha', 'eps', 'centered']);
  const alpha = checkScalarOrSchedule(where, 'alpha', options.alpha ?? 0.99, { min: 0, max: 1 });
  const eps = checkScalarOrSchedule(where, 'eps', options.eps ?? 1e-8, { min: 0 });
  const centered = checkBoolean(where, 'centered', options.centered ?? false);
  const scalars = (count: number) => {
    const a = alpha(count);
    return { alpha: a, oneMinusAlpha: 1 - a, eps: eps(count) };
  };
  return centered ? elementwiseTransformation({ rule: centeredRule, scalars }) : elementwiseTransformation({ rule: plainRule, scalars });
}
