/**
 * `adamax`: Adamax with coupled L2 weight decay, numerically as `torch.optim.Adamax`.
 *
 * @packageDocumentation
 */
import type { GradientTransformation, ScalarOrSchedule } from '@descent/core';
import { checkAdamCommonOptions, chainWithWeightDecay } from './adam-options.js';
import { scaleByAdamax } from './scale-by-adamax.js';

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
  const checked = checkAdamCommonOptions(where, options, [], { learningRate: 2e-3, weightDecay: 0 });
  const { b1, b2, eps } = checked;
  const core = scaleByAdamax({ b1, b2, eps });
  return chainWithWeightDecay(checked, core, 'coupled');
}
