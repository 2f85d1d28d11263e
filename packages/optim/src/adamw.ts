/**
 * `adamw`: Adam with decoupled weight decay, numerically as `torch.optim.AdamW`.
 *
 * @packageDocumentation
 */
import { type GradientTransformation, type ScalarOrSchedule, checkBoolean } from '@descent/core';
import { checkAdamCommonOptions, chainWithWeightDecay } from './adam-options.js';
import { scaleByAdam } from './scale-by-adam.js';

/** Options of {@link adamw}; names and defaults as `torch.optim.AdamW` (camelCase, `betas` split into b1, b2). */
export interface AdamwOptions {
  /** γ ≥ 0. Default 1e-3. */
  learningRate?: ScalarOrSchedule;
  /** β1 ∈ [0, 1). Default 0.9. */
  b1?: ScalarOrSchedule;
  /** β2 ∈ [0, 1). Default 0.999. */
  b2?: ScalarOrSchedule;
  /** ε ≥ 0, outside the square root of the bias-corrected second moment. Default 1e-8. */
  eps?: ScalarOrSchedule;
  /** λ ≥ 0, decoupled and lr-scaled: `θ ← θ(1 − γλ)`. Default 1e-2 (torch's AdamW default). */
  weightDecay?: ScalarOrSchedule;
  /** AMSGrad (Reddi et al. 2018), torch semantics. Default false. */
  amsgrad?: boolean;
}

/**
 * AdamW as `torch.optim.AdamW` v1.13 (`torch/optim/adamw.py`, `_single_tensor_adamw`): the
 * gradient is left alone, the parameters decay by $1-\gamma\lambda$, then the Adam step:
 *
 * $$\theta_t = \theta_{t-1}(1-\gamma\lambda) - \frac{\gamma}{1-\beta_1^t}\,
 *   \frac{m_t}{\sqrt{v_t}/\sqrt{1-\beta_2^t} + \varepsilon},$$
 *
 * $m_t, v_t$ and `amsgrad` as in {@link adam}. Both terms use $\theta_{t-1}$, so
 * `chain(scaleByAdam({ b1, b2, eps, amsgrad }), addDecayedWeights(λ), scaleByLearningRate(γ))` is
 * exactly torch's decay-then-step (the middle stage is left out when λ is the number 0), fused
 * into one kernel per parameter tensor. Defaults: learningRate 1e-3, b1 0.9, b2 0.999, eps 1e-8,
 * weightDecay 1e-2, amsgrad false.
 *
 * Reference: Loshchilov & Hutter (2019), "Decoupled Weight Decay Regularization"; optax `adamw`.
 */
export function adamw(options: AdamwOptions = {}): GradientTransformation<unknown[]> {
  const where = 'adamw';
  const checked = checkAdamCommonOptions(where, options, ['amsgrad'], { learningRate: 1e-3, weightDecay: 1e-2 });
  const { b1, b2, eps } = checked;
  const amsgrad = checkBoolean(where, 'amsgrad', options.amsgrad ?? false);
  const core = scaleByAdam({ b1, b2, eps, amsgrad });
  return chainWithWeightDecay(checked, core, 'decoupled');
}
