/**
 * `adadelta`: Adadelta with coupled weight decay, numerically as `torch.optim.Adadelta`.
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
import { scaleByAdadelta } from './scale-by-adadelta.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';

/** Options of {@link adadelta}; names and defaults as `torch.optim.Adadelta` (camelCase). */
export interface AdadeltaOptions {
  /** γ ≥ 0, the factor applied to Δ. Default 1.0. */
  learningRate?: ScalarOrSchedule;
  /** ρ ∈ [0, 1]. Default 0.9. */
  rho?: ScalarOrSchedule;
  /** ε ≥ 0, inside both square roots. Default 1e-6. */
  eps?: ScalarOrSchedule;
  /** λ ≥ 0, coupled L2 (`g ← g + λθ`). Default 0. */
  weightDecay?: ScalarOrSchedule;
}

/**
 * Adadelta as `torch.optim.Adadelta` (`torch/optim/adadelta.py`, `_single_tensor_adadelta`):
 *
 * $$g_t \leftarrow g_t + \lambda\theta_{t-1},\quad v_t = \rho v_{t-1} + (1-\rho) g_t^2,\quad
 *   \Delta_t = \frac{\sqrt{a_{t-1} + \varepsilon}}{\sqrt{v_t + \varepsilon}}\,g_t,\quad
 *   a_t = \rho a_{t-1} + (1-\rho)\Delta_t^2,\quad \theta_t = \theta_{t-1} - \gamma\Delta_t.$$
 *
 * `chain(addDecayedWeights(λ), scaleByAdadelta({ rho, eps }), scaleByLearningRate(γ))`, fused into
 * one kernel per parameter tensor. Defaults (torch 1.13): learningRate 1.0, rho 0.9, eps 1e-6,
 * weightDecay 0. (tfjs's `tf.train.adadelta` divides by the previous v and so reduces to SGD.)
 *
 * Reference: Zeiler (2012), "ADADELTA: An Adaptive Learning Rate Method".
 */
export function adadelta(options: AdadeltaOptions = {}): GradientTransformation<unknown[]> {
  const where = 'adadelta';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['learningRate', 'rho', 'eps', 'weightDecay']);
  checkScalarOrSchedule(where, 'learningRate', options.learningRate ?? 1.0, { min: 0 });
  checkScalarOrSchedule(where, 'rho', options.rho ?? 0.9, { min: 0, max: 1 });
  checkScalarOrSchedule(where, 'eps', options.eps ?? 1e-6, { min: 0 });
  checkScalarOrSchedule(where, 'weightDecay', options.weightDecay ?? 0, { min: 0 });
  return chain(
    addDecayedWeights(options.weightDecay ?? 0),
    scaleByAdadelta({ rho: options.rho ?? 0.9, eps: options.eps ?? 1e-6 }),
    scaleByLearningRate(options.learningRate ?? 1.0),
  );
}
