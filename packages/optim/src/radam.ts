/**
 * `radam`: rectified Adam with coupled L2 weight decay, numerically as `torch.optim.RAdam` v1.13.
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
import { scaleByRadam } from './scale-by-radam.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';

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
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['learningRate', 'b1', 'b2', 'eps', 'weightDecay']);
  const learningRate = options.learningRate ?? 1e-3;
  const weightDecay = options.weightDecay ?? 0;
  // Validated here under the alias's option names; the blocks get these checked functions, so a
  // schedule value out of range also fails under the alias's name (`adam: b1(step 7) must be …`).
  const lr = checkScalarOrSchedule(where, 'learningRate', learningRate, { min: 0 });
  const b1 = checkScalarOrSchedule(where, 'b1', options.b1 ?? 0.9, { min: 0, lessThan: 1 });
  const b2 = checkScalarOrSchedule(where, 'b2', options.b2 ?? 0.999, { min: 0, lessThan: 1 });
  const eps = checkScalarOrSchedule(where, 'eps', options.eps ?? 1e-8, { min: 0 });
  const wd = checkScalarOrSchedule(where, 'weightDecay', weightDecay, { min: 0 });
  const core = scaleByRadam({ b1, b2, eps });
  return weightDecay === 0
    ? chain(core, scaleByLearningRate(lr))
    : chain(addDecayedWeights(wd), core, scaleByLearningRate(lr));
}
