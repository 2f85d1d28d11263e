/**
 * `adagrad`: Adagrad with learning-rate decay, initial accumulator and coupled weight decay,
 * numerically as `torch.optim.Adagrad`.
 *
 * @packageDocumentation
 */
import {
  type GradientTransformation,
  type ScalarOrSchedule,
  chain,
  checkKnownOptions,
  checkNumber,
  checkScalarOrSchedule,
  invalidOption,
} from '@descent/core';
import { addDecayedWeights } from './add-decayed-weights.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { scaleByRss } from './scale-by-rss.js';

/** Options of {@link adagrad}; names and defaults as `torch.optim.Adagrad` (camelCase). */
export interface AdagradOptions {
  /** γ ≥ 0. Default 1e-2. */
  learningRate?: ScalarOrSchedule;
  /** η ≥ 0: the step size at step t is `γ / (1 + (t − 1) η)`. Default 0. */
  lrDecay?: ScalarOrSchedule;
  /** λ ≥ 0, coupled L2 (`g ← g + λθ`). Default 0. */
  weightDecay?: ScalarOrSchedule;
  /** s₀ ≥ 0, the value every accumulator starts from. Default 0. */
  initialAccumulatorValue?: number;
  /** ε ≥ 0, added after the square root. Default 1e-10. */
  eps?: ScalarOrSchedule;
}

/**
 * Adagrad as `torch.optim.Adagrad` (`torch/optim/adagrad.py`, `_single_tensor_adagrad`):
 *
 * $$g_t \leftarrow g_t + \lambda\theta_{t-1},\quad s_t = s_{t-1} + g_t^2,\quad
 *   \theta_t = \theta_{t-1} - \frac{\gamma}{1 + (t-1)\,\eta}\cdot\frac{g_t}{\sqrt{s_t} + \varepsilon},
 *   \quad s_0 = \text{initialAccumulatorValue}.$$
 *
 * `chain(addDecayedWeights(λ), scaleByRss({ initialAccumulatorValue, eps }),
 * scaleByLearningRate(count => γ / (1 + count·η)))`, where `count = t − 1` is the number of steps
 * already taken; fused into one kernel per parameter tensor. Defaults (torch 1.13): learningRate
 * 1e-2, lrDecay 0, weightDecay 0, initialAccumulatorValue 0, eps 1e-10 (outside the root, unlike
 * tfjs's `tf.train.adagrad`).
 *
 * Reference: Duchi, Hazan & Singer (2011), "Adaptive Subgradient Methods for Online Learning and
 * Stochastic Optimization".
 */
export function adagrad(options: AdagradOptions = {}): GradientTransformation<unknown[]> {
  const where = 'adagrad';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['learningRate', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps']);
  const lr = checkScalarOrSchedule(where, 'learningRate', options.learningRate ?? 1e-2, { min: 0 });
  const lrDecay = checkScalarOrSchedule(where, 'lrDecay', options.lrDecay ?? 0, { min: 0 });
  checkScalarOrSchedule(where, 'weightDecay', options.weightDecay ?? 0, { min: 0 });
  checkNumber(where, 'initialAccumulatorValue', options.initialAccumulatorValue ?? 0, { min: 0 });
  checkScalarOrSchedule(where, 'eps', options.eps ?? 1e-10, { min: 0 });
  // torch: clr = lr / (1 + (step - 1) * lr_decay), step counted from 1, so (step - 1) = count.
  const learningRate =
    options.lrDecay === undefined || options.lrDecay === 0
      ? (options.learningRate ?? 1e-2)
      : (count: number) => lr(count) / (1 + count * lrDecay(count));
  return chain(
    addDecayedWeights(options.weightDecay ?? 0),
    scaleByRss({ initialAccumulatorValue: options.initialAccumulatorValue ?? 0, eps: options.eps ?? 1e-10 }),
    scaleByLearningRate(learningRate),
  );
}
