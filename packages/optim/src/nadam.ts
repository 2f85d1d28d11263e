/**
 * `nadam`: NAdam with momentum decay and coupled L2 weight decay, numerically as `torch.optim.NAdam`
 * from torch 2.0 on.
 *
 * @packageDocumentation
 */
import { type GradientTransformation, type ScalarOrSchedule, checkScalarOrSchedule } from '@descent/core';
import { checkAdamCommonOptions, chainWithWeightDecay } from './adam-options.js';
import { scaleByNadam } from './scale-by-nadam.js';

/** Options of {@link nadam}; names and defaults as `torch.optim.NAdam` (camelCase, `betas` split into b1, b2). */
export interface NadamOptions {
  /** γ ≥ 0. Default 2e-3. */
  learningRate?: ScalarOrSchedule;
  /** β1 ∈ [0, 1). Default 0.9. */
  b1?: ScalarOrSchedule;
  /** β2 ∈ [0, 1). Default 0.999. */
  b2?: ScalarOrSchedule;
  /** ε ≥ 0, outside the square root of the bias-corrected second moment. Default 1e-8. */
  eps?: ScalarOrSchedule;
  /** λ ≥ 0, coupled L2 (`g ← g + λθ`). Default 0. */
  weightDecay?: ScalarOrSchedule;
  /** ψ ≥ 0 in μ_t = β1(1 − ½·0.96^{tψ}). Default 4e-3. */
  momentumDecay?: ScalarOrSchedule;
}

/**
 * NAdam as `torch.optim.NAdam` (torch ≥ 2.0 `_single_tensor_nadam`; equal to torch 1.13's
 * `_multi_tensor_nadam`):
 *
 * $$g_t \leftarrow g_t + \lambda\theta_{t-1},\quad \mu_t = \beta_1\big(1-\tfrac12 0.96^{t\psi}\big),\quad
 *   \Pi_t = \prod_{i\le t}\mu_i,\quad d_t = \sqrt{v_t}/\sqrt{1-\beta_2^t} + \varepsilon,$$
 * $$\theta_t = \theta_{t-1} - \gamma\frac{1-\mu_t}{1-\Pi_t}\frac{g_t}{d_t}
 *   - \gamma\frac{\mu_{t+1}}{1-\Pi_t\mu_{t+1}}\frac{m_t}{d_t},$$
 *
 * $m_t, v_t$ as in Adam. torch 1.13's default single-tensor path has the extra factor
 * $\Pi_t\mu_t\mu_{t+1}$ in the last denominator (a bug fixed by pytorch/pytorch#92699; golden
 * `nadam`, deliberately not reproduced).
 *
 * `chain(addDecayedWeights(λ), scaleByNadam({ b1, b2, eps, momentumDecay }), scaleByLearningRate(γ))`
 * (the first stage left out when λ is the number 0), fused into one kernel per parameter tensor.
 * Defaults: learningRate 2e-3, b1 0.9, b2 0.999, eps 1e-8, weightDecay 0, momentumDecay 4e-3.
 *
 * Reference: Dozat (2016), "Incorporating Nesterov Momentum into Adam"; `torch/optim/nadam.py`.
 */
export function nadam(options: NadamOptions = {}): GradientTransformation<unknown[]> {
  const where = 'nadam';
  const checked = checkAdamCommonOptions(where, options, ['momentumDecay'], { learningRate: 2e-3, weightDecay: 0 });
  const { b1, b2, eps } = checked;
  const psi = checkScalarOrSchedule(where, 'momentumDecay', options.momentumDecay ?? 4e-3, { min: 0 });
  const core = scaleByNadam({ b1, b2, eps, momentumDecay: psi });
  return chainWithWeightDecay(checked, core, 'coupled');
}
