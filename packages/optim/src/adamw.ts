/**
 * `adamw`: Adam with decoupled weight decay, numerically as `torch.optim.AdamW`.
 *
 * @packageDocumentation
 */
import {
  type GradientTransformation,
  type ScalarOrSchedule,
  chain,
  checkBoolean,
  checkKnownOptions,
  checkScalarOrSchedule,
  invalidOption,
} from '@descent/core';
import { addDecayedWeights } from './add-decayed-weights.js';
import { scaleByAdam } from './scale-by-adam.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';

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
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['learningRate', 'b1', 'b2', 'eps', 'weightDecay', 'amsgrad']);
  const learningRate = options.learningRate ?? 1e-3;
  const weightDecay = options.weightDecay ?? 1e-2;
  // Validated here under the alias's option names; the blocks get these checked functions, so a
  // schedule value out of range also fails under the alias's name (`adam: b1(step 7) must be …`).
  const lr = checkScalarOrSchedule(where, 'learningRate', learningRate, { min: 0 });
  const b1 = checkScalarOrSchedule(where, 'b1', options.b1 ?? 0.9, { min: 0, lessThan: 1 });
  const b2 = checkScalarOrSchedule(where, 'b2', options.b2 ?? 0.999, { min: 0, lessThan: 1 });
  const eps = checkScalarOrSchedule(where, 'eps', options.eps ?? 1e-8, { min: 0 });
  const wd = checkScalarOrSchedule(where, 'weightDecay', weightDecay, { min: 0 });
  const amsgrad = checkBoolean(where, 'amsgrad', options.amsgrad ?? false);
  const core = scaleByAdam({ b1, b2, eps, amsgrad });
  return weightDecay === 0
    ? chain(core, scaleByLearningRate(lr))
    : chain(core, addDecayedWeights(wd), scaleByLearningRate(lr));
}
