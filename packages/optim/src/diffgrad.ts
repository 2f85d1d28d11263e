/**
 * `diffgrad`: diffGrad (Dubey et al. 2019) with the numerics of the authors' `diffGrad_v2.py`.
 *
 * @packageDocumentation
 */
import {
  type GradientTransformation,
  type NumberDomain,
  type ScalarOrSchedule,
  chain,
  checkKnownOptions,
  checkScalarOrSchedule,
  invalidOption,
} from '@descent/core';
import { addDecayedWeights } from './add-decayed-weights.js';
import { scaleByDiffGrad } from './scale-by-diffgrad.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';

/** Options of {@link diffgrad}; names and defaults as the reference class `diffgrad` (camelCase, betas split). */
export interface DiffGradOptions {
  /** γ ≥ 0. Default 1e-3. */
  learningRate?: ScalarOrSchedule;
  /** β1 ∈ [0, 1). Default 0.9. */
  b1?: ScalarOrSchedule;
  /** β2 ∈ [0, 1). Default 0.999. */
  b2?: ScalarOrSchedule;
  /** ε ≥ 0, added to the un-corrected $\sqrt{v_t}$. Default 1e-8. */
  eps?: ScalarOrSchedule;
  /** λ ≥ 0, coupled L2 (`g ← g + λθ`, also stored as the previous gradient). Default 0. */
  weightDecay?: ScalarOrSchedule;
}

/**
 * diffGrad (Dubey et al. 2019, "diffGrad: An Optimization Method for Convolutional Neural
 * Networks", IEEE TNNLS), as `diffGrad_v2.py` of github `shivram1987/diffGrad`:
 *
 * $$g_t \leftarrow g_t + \lambda\theta_{t-1},\quad m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad
 *   v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad \xi_t = \mathrm{sigmoid}(|g_{t-1} - g_t|),$$
 * $$\theta_t = \theta_{t-1} - \gamma\,\frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}\cdot
 *   \frac{\xi_t\, m_t}{\sqrt{v_t} + \varepsilon}\qquad (g_0 = 0).$$
 *
 * `chain(addDecayedWeights(λ), scaleByDiffGrad({ b1, b2, eps }), scaleByLearningRate(γ))`, fused
 * into one kernel per parameter tensor; with `weightDecay` the number 0 the first stage is left out (as `adam`), so the
 * state has one stage fewer. Defaults: learningRate 1e-3, b1 0.9, b2 0.999, eps 1e-8,
 * weightDecay 0.
 */
export function diffgrad(options: DiffGradOptions = {}): GradientTransformation<unknown[]> {
  const where = 'diffgrad';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['learningRate', 'b1', 'b2', 'eps', 'weightDecay']);
  // Validated here under the alias's own option names before any block is built; schedules are
  // passed on wrapped, so a bad value at step t is reported under the alias's name too.
  const checked = (name: keyof DiffGradOptions, fallback: number, domain: NumberDomain): ScalarOrSchedule => {
    const raw = options[name] ?? fallback;
    const wrapped = checkScalarOrSchedule(where, name, raw, domain);
    return typeof raw === 'function' ? wrapped : raw;
  };
  const learningRate = checked('learningRate', 1e-3, { min: 0 });
  const b1 = checked('b1', 0.9, { min: 0, lessThan: 1 });
  const b2 = checked('b2', 0.999, { min: 0, lessThan: 1 });
  const eps = checked('eps', 1e-8, { min: 0 });
  const weightDecay = checked('weightDecay', 0, { min: 0 });
  // As adam: with weightDecay the number 0 the L2 stage is left out (its fused loop would add 0·θ to every gradient).
  const core = [scaleByDiffGrad({ b1, b2, eps }), scaleByLearningRate(learningRate)];
  return weightDecay === 0 ? chain(...core) : chain(addDecayedWeights(weightDecay), ...core);
}
