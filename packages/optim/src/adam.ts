/**
 * `adam`: Adam (and AMSGrad) with coupled L2 weight decay, numerically as `torch.optim.Adam`.
 *
 * @packageDocumentation
 */
import { type GradientTransformation, type ScalarOrSchedule, checkBoolean } from '@descent/core';
import { checkAdamCommonOptions, chainWithWeightDecay } from './adam-options.js';
import { scaleByAdam } from './scale-by-adam.js';

/** Options of {@link adam}; names and defaults as `torch.optim.Adam` (camelCase, `betas` split into b1, b2). */
export interface AdamOptions {
  /** γ ≥ 0. Default 1e-3. */
  learningRate?: ScalarOrSchedule;
  /** β1 ∈ [0, 1). Default 0.9. */
  b1?: ScalarOrSchedule;
  /** β2 ∈ [0, 1). Default 0.999. */
  b2?: ScalarOrSchedule;
  /** ε ≥ 0, outside the square root of the bias-corrected second moment. Default 1e-8. */
  eps?: ScalarOrSchedule;
  /** λ ≥ 0, coupled L2 (`g ← g + λθ` before the moments). Default 0. */
  weightDecay?: ScalarOrSchedule;
  /** AMSGrad (Reddi et al. 2018), torch semantics. Default false. */
  amsgrad?: boolean;
}

/**
 * Adam as `torch.optim.Adam` v1.13 (`torch/optim/adam.py`, `_single_tensor_adam`):
 *
 * $$g_t \leftarrow g_t + \lambda\theta_{t-1},\quad m_t = \beta_1 m_{t-1} + (1-\beta_1)g_t,\quad
 *   v_t = \beta_2 v_{t-1} + (1-\beta_2)g_t^2,$$
 * $$\theta_t = \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}\,\frac{m_t}{\sqrt{v_t}/\sqrt{1-\beta_2^t} + \varepsilon},$$
 *
 * with `amsgrad` using $v^{max}_t = \max(v^{max}_{t-1}, v_t)$ in place of $v_t$ (max over the raw
 * second moment, divided by the current $\sqrt{1-\beta_2^t}$).
 *
 * `chain(addDecayedWeights(λ), scaleByAdam({ b1, b2, eps, amsgrad }), scaleByLearningRate(γ))`
 * (the first stage is left out when λ is the number 0, so that `update` needs no params), fused
 * into one kernel per parameter tensor. Defaults: learningRate 1e-3, b1 0.9, b2 0.999, eps 1e-8,
 * weightDecay 0, amsgrad false.
 *
 * Reference: Kingma & Ba (2015), "Adam: A Method for Stochastic Optimization"; optax `adam`.
 */
export function adam(options: AdamOptions = {}): GradientTransformation<unknown[]> {
  const where = 'adam';
  const checked = checkAdamCommonOptions(where, options, ['amsgrad'], { learningRate: 1e-3, weightDecay: 0 });
  const { b1, b2, eps } = checked;
  const amsgrad = checkBoolean(where, 'amsgrad', options.amsgrad ?? false);
  const core = scaleByAdam({ b1, b2, eps, amsgrad });
  return chainWithWeightDecay(checked, core, 'coupled');
}
