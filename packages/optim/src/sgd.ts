/**
 * `sgd`: stochastic gradient descent with momentum, dampening, Nesterov and coupled weight decay,
 * numerically as `torch.optim.SGD`.
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
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { trace } from './trace.js';

/** Options of {@link sgd}; names and defaults as `torch.optim.SGD` (camelCase). */
export interface SgdOptions {
  /** γ ≥ 0 (required, as in torch). */
  learningRate: ScalarOrSchedule;
  /** μ ∈ [0, 1). Default 0. */
  momentum?: ScalarOrSchedule;
  /** τ ∈ [0, 1]. Default 0. */
  dampening?: ScalarOrSchedule;
  /** λ ≥ 0, coupled L2 (`g ← g + λθ`). Default 0. */
  weightDecay?: ScalarOrSchedule;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). Default false. */
  nesterov?: boolean;
}

/**
 * SGD as `torch.optim.SGD` (`torch/optim/sgd.py`, `_single_tensor_sgd`):
 *
 * $$d_t = g_t + \lambda\theta_{t-1},\quad b_1 = d_1,\ b_t = \mu b_{t-1} + (1-\tau) d_t,\quad
 *   \theta_t = \theta_{t-1} - \gamma\,(\text{nesterov}\ ?\ d_t + \mu b_t : b_t).$$
 *
 * `chain(addDecayedWeights(λ), trace({ decay: μ, dampening: τ, nesterov }), scaleByLearningRate(γ))`,
 * fused into one kernel per parameter tensor. Defaults: momentum 0, dampening 0, weightDecay 0,
 * nesterov false.
 */
export function sgd(options: SgdOptions): GradientTransformation<unknown[]> {
  const where = 'sgd';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['learningRate', 'momentum', 'dampening', 'weightDecay', 'nesterov']);
  // Validated here under the names the user wrote (the blocks would report 'decay', not 'momentum').
  checkScalarOrSchedule(where, 'learningRate', options.learningRate, { min: 0 });
  checkScalarOrSchedule(where, 'momentum', options.momentum ?? 0, { min: 0, lessThan: 1 });
  checkScalarOrSchedule(where, 'dampening', options.dampening ?? 0, { min: 0, max: 1 });
  checkScalarOrSchedule(where, 'weightDecay', options.weightDecay ?? 0, { min: 0 });
  const nesterov = checkBoolean(where, 'nesterov', options.nesterov ?? false);
  if (nesterov && (options.momentum === undefined || (typeof options.momentum === 'number' && options.momentum <= 0))) {
    invalidOption(where, 'momentum', options.momentum, '> 0 when nesterov is true (as torch.optim.SGD requires)');
  }
  if (nesterov && typeof options.dampening === 'number' && options.dampening !== 0) {
    invalidOption(where, 'dampening', options.dampening, '0 when nesterov is true (as torch.optim.SGD requires)');
  }
  return chain(
    addDecayedWeights(options.weightDecay ?? 0),
    trace({ decay: options.momentum ?? 0, dampening: options.dampening ?? 0, nesterov: options.nesterov ?? false }),
    scaleByLearningRate(options.learningRate),
  );
}
