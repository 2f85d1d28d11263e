/**
 * `signSgd`: signSGD and Signum (sign of the gradient, or of its moving average), with coupled
 * weight decay.
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
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { scaleBySign } from './scale-by-sign.js';

/** Options of {@link signSgd}. */
export interface SignSgdOptions {
  /** γ ≥ 0 (required, as the paper gives none). */
  learningRate: ScalarOrSchedule;
  /** β ∈ [0, 1): Signum's momentum `m ← βm + (1−β)g`. Default 0 (signSGD, no state). */
  momentum?: ScalarOrSchedule;
  /** λ ≥ 0, coupled L2 (`g ← g + λθ` before the sign). Default 0. */
  weightDecay?: ScalarOrSchedule;
}

/**
 * signSGD (Bernstein et al. 2018, Alg. 1) and, with momentum, Signum (Alg. 3):
 *
 * $$g_t \leftarrow g_t + \lambda\theta_{t-1};\qquad
 *   \beta = 0:\ \theta_t = \theta_{t-1} - \gamma\operatorname{sign}(g_t);\qquad
 *   m_t = \beta m_{t-1} + (1-\beta) g_t,\ m_0 = 0,\ \theta_t = \theta_{t-1} - \gamma\operatorname{sign}(m_t).$$
 *
 * sign(0) = 0. `chain(addDecayedWeights(λ), scaleBySign({ decay: β }), scaleByLearningRate(γ))`,
 * fused into one kernel per parameter tensor. Defaults: momentum 0, weightDecay 0; learningRate is
 * required.
 *
 * Reference: Bernstein, Wang, Azizzadenesheli & Anandkumar (2018), "signSGD: Compressed
 * Optimisation for Non-Convex Problems" (ICML), Algorithms 1 and 3.
 */
export function signSgd(options: SignSgdOptions): GradientTransformation<unknown[]> {
  const where = 'signSgd';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['learningRate', 'momentum', 'weightDecay']);
  checkScalarOrSchedule(where, 'learningRate', options.learningRate, { min: 0 });
  checkScalarOrSchedule(where, 'momentum', options.momentum ?? 0, { min: 0, lessThan: 1 });
  checkScalarOrSchedule(where, 'weightDecay', options.weightDecay ?? 0, { min: 0 });
  return chain(
    addDecayedWeights(options.weightDecay ?? 0),
    scaleBySign({ decay: options.momentum ?? 0 }),
    scaleByLearningRate(options.learningRate),
  );
}
