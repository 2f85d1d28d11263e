/**
 * `adamax`: Adamax with coupled L2 weight decay, numerically as `torch.optim.Adamax`.
 *
 * @packageDocumentation
 */
import {
  type GradientTransformation,
  type ScalarOrSchedule,
  chain,
  checkKnownOptions,
  checkScalarOrSchedule,
  invalidOption,
} from '@descent/core';
import { addDecayedWeights } from './add-decayed-weights.js';
import { scaleByAdamax } from './scale-by-adamax.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';

/** Options of {@link adamax}; names and defaults as `torch.optim.Adamax` (camelCase, `betas` split into b1, b2). */
export interface AdamaxOptions {
  /** γ ≥ 0. Default 2e-3. */
  learningRate?: ScalarOrSchedule;
  /** β1 ∈ [0, 1). Default 0.9. */
  b1?: ScalarOrSchedule;
  /** β2 ∈ [0, 1). Default 0.999. */
  b2?: ScalarOrSchedule;
  /** ε ≥ 0, inside the maximum (`|g| + ε`). Default 1e-8. */
  eps?: ScalarOrSchedule;
  /** λ ≥ 0, coupled L2 (`g ← g + λθ`). Default 0. */
  weightDecay?: ScalarOrSchedule;
}

/**
 * Adamax as `torch.optim.Adamax` v1.13 (`torch/optim/adamax.py`, `_single_tensor_adamax`):
 *
 * $$g_t \leftarrow g_t + \lambda\theta_{t-1},\quad m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad
 *   u_t = \max(\beta_2 u_{t-1}, |g_t| + \varepsilon),\quad
 *   \theta_t = \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}\,\frac{m_t}{u_t}.$$
 *
 * `chain(addDecayedWeights(λ), scaleByAdamax({ b1, b2, eps }), scaleByLearningRate(γ))` (the first
 * stage left out when λ is the number 0), fused into one kernel per parameter tensor. Defaults:
 * learningRate 2e-3, b1 0.9, b2 0.999, eps 1e-8, weightDecay 0.
 *
 * Reference: Kingma & Ba (2015), "Adam: A Method for Stochastic Optimization", §7.1.
 */
export function adamax(options: AdamaxOptions = {}): GradientTransformation<unknown[]> {
  const where = 'adamax';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['learningRate', 'b1', 'b2', 'eps', 'weightDecay']);
  const learningRate = options.learningRate ?? 2e-3;
  const weightDecay = options.weightDecay ?? 0;
  // Validated here under the alias's option names; the blocks get these checked functions, so a
  // schedule value out of range also fails under the alias's name (`adam: b1(step 7) must be …`).
  const lr = checkScalarOrSchedule(where, 'learningRate', learningRate, { min: 0 });
  const b1 = checkScalarOrSchedule(where, 'b1', options.b1 ?? 0.9, { min: 0, lessThan: 1 });
  const b2 = checkScalarOrSchedule(where, 'b2', options.b2 ?? 0.999, { min: 0, lessThan: 1 });
  const eps = checkScalarOrSchedule(where, 'eps', options.eps ?? 1e-8, { min: 0 });
  const wd = checkScalarOrSchedule(where, 'weightDecay', weightDecay, { min: 0 });
  const core = scaleByAdamax({ b1, b2, eps });
  return weightDecay === 0
    ? chain(core, scaleByLearningRate(lr))
    : chain(addDecayedWeights(wd), core, scaleByLearningRate(lr));
}
