/**
 * `rmsprop`: RMSprop with momentum, centering and coupled weight decay, numerically as
 * `torch.optim.RMSprop`.
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
import { scaleByRms } from './scale-by-rms.js';
import { trace } from './trace.js';

/** Options of {@link rmsprop}; names and defaults as `torch.optim.RMSprop` (camelCase). */
export interface RmspropOptions {
  /** γ ≥ 0. Default 1e-2. */
  learningRate?: ScalarOrSchedule;
  /** α ∈ [0, 1], the smoothing constant. Default 0.99. */
  alpha?: ScalarOrSchedule;
  /** ε ≥ 0, added after the square root. Default 1e-8. */
  eps?: ScalarOrSchedule;
  /** λ ≥ 0, coupled L2 (`g ← g + λθ`). Default 0. */
  weightDecay?: ScalarOrSchedule;
  /** μ ∈ [0, 1), momentum of the scaled step (the buffer holds `g/a`, the learning rate stays outside). Default 0. */
  momentum?: ScalarOrSchedule;
  /** Divide by the root of the variance estimate `v − ḡ²`. Default false. */
  centered?: boolean;
}

/**
 * RMSprop as `torch.optim.RMSprop` (`torch/optim/rmsprop.py`, `_single_tensor_rmsprop`):
 *
 * $$g_t \leftarrow g_t + \lambda\theta_{t-1},\quad v_t = \alpha v_{t-1} + (1-\alpha) g_t^2,\quad
 *   a_t = \sqrt{v_t} + \varepsilon\ \ \bigl(\text{centered: } \bar g_t = \alpha\bar g_{t-1} + (1-\alpha) g_t,\
 *   a_t = \sqrt{v_t - \bar g_t^2} + \varepsilon\bigr),$$
 * $$\mu > 0:\ b_t = \mu b_{t-1} + g_t / a_t,\ \theta_t = \theta_{t-1} - \gamma b_t;\qquad
 *   \text{else } \theta_t = \theta_{t-1} - \gamma\, g_t / a_t.$$
 *
 * `chain(addDecayedWeights(λ), scaleByRms({ alpha, eps, centered }), trace({ decay: μ }),
 * scaleByLearningRate(γ))`, the `trace` stage present unless momentum is the number 0 (torch keeps
 * no buffer then); fused into one kernel per parameter tensor. The learning rate multiplies the
 * buffer, it is not inside it (this matters with learning-rate schedules; tfjs's `tf.train.rmsprop`
 * puts it inside, and its eps inside the root). Defaults (torch 1.13): learningRate 1e-2, alpha
 * 0.99, eps 1e-8, weightDecay 0, momentum 0, centered false.
 *
 * References: Tieleman & Hinton (2012), Lecture 6.5 "RMSprop"; Graves (2013), "Generating
 * Sequences With Recurrent Neural Networks" (centered form).
 */
export function rmsprop(options: RmspropOptions = {}): GradientTransformation<unknown[]> {
  const where = 'rmsprop';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['learningRate', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered']);
  checkScalarOrSchedule(where, 'learningRate', options.learningRate ?? 1e-2, { min: 0 });
  checkScalarOrSchedule(where, 'alpha', options.alpha ?? 0.99, { min: 0, max: 1 });
  checkScalarOrSchedule(where, 'eps', options.eps ?? 1e-8, { min: 0 });
  checkScalarOrSchedule(where, 'weightDecay', options.weightDecay ?? 0, { min: 0 });
  checkScalarOrSchedule(where, 'momentum', options.momentum ?? 0, { min: 0, lessThan: 1 });
  const centered = checkBoolean(where, 'centered', options.centered ?? false);
  const momentum = options.momentum ?? 0;
  return chain(
    addDecayedWeights(options.weightDecay ?? 0),
    scaleByRms({ alpha: options.alpha ?? 0.99, eps: options.eps ?? 1e-8, centered }),
    ...(momentum === 0 ? [] : [trace({ decay: momentum })]),
    scaleByLearningRate(options.learningRate ?? 1e-2),
  );
}
