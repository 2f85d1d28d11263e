/**
 * `radam`: rectified Adam with coupled L2 weight decay, numerically as `torch.optim.RAdam` v1.13.
 *
 * @packageDocumentation
 */
import type { GradientTransformation, ScalarOrSchedule } from '@descent/core';
import { checkAdamCommonOptions, chainWithWeightDecay } from './adam-options.js';
import { scaleByRadam } from './scale-by-radam.js';

/** Options of {@link radam}; names and defaults as `torch.optim.RAdam` v1.13 (camelCase, `betas` split into b1, b2). */
export interface RadamOptions {
  /** γ ≥ 0. Default 1e-3. */
  learningRate?: ScalarOrSchedule;
  /** β1 ∈ [0, 1). Default 0.9. */
  b1?: ScalarOrSchedule;
  /** β2 ∈ [0, 1). Default 0.999. */
  b2?: ScalarOrSchedule;
  /** ε ≥ 0, added to the un-corrected sqrt(v). Default 1e-8. */
  eps?: ScalarOrSchedule;
  /** λ ≥ 0, coupled L2 (`g ← g + λθ`). Default 0. */
  weightDecay?: ScalarOrSchedule;
}

/**
 * RAdam as `torch.optim.RAdam` v1.13 (`torch/optim/radam.py`, `_single_tensor_radam`):
 *
 * $$g_t \leftarrow g_t + \lambda\theta_{t-1},\quad \hat m_t = m_t/(1-\beta_1^t),\quad
 *   \rho_t = \rho_\infty - \frac{2t\beta_2^t}{1-\beta_2^t},\quad \rho_\infty = \frac{2}{1-\beta_2}-1,$$
 * $$\theta_t = \theta_{t-1} - \gamma\begin{cases}\hat m_t\, r_t\sqrt{1-\beta_2^t}/(\sqrt{v_t}+\varepsilon) & \rho_t > 5\\
 *   \hat m_t & \text{otherwise,}\end{cases}$$
 *
 * $m_t, v_t$ as in Adam and $r_t$ the rectification of {@link scaleByRadam}.
 * `chain(addDecayedWeights(λ), scaleByRadam({ b1, b2, eps }), scaleByLearningRate(γ))` (the first
 * stage left out when λ is the number 0), fused into one kernel per parameter tensor. Defaults:
 * learningRate 1e-3, b1 0.9, b2 0.999, eps 1e-8, weightDecay 0 (torch 1.13 has no decoupled option).
 *
 * Reference: Liu et al. (2020), "On the Variance of the Adaptive Learning Rate and Beyond".
 */
export function radam(options: RadamOptions = {}): GradientTransformation<unknown[]> {
  const where = 'radam';
  const checked = checkAdamCommonOptions(where, options, [], { learningRate: 1e-3, weightDecay: 0 });
  const { b1, b2, eps } = checked;
  const core = scaleByRadam({ b1, b2, eps });
  return chainWithWeightDecay(checked, core, 'coupled');
}
