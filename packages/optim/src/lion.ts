/**
 * `lion`: Lion (Chen et al. 2023) as google/automl's `lion_pytorch.py`, with lucidrains'
 * `decoupled_weight_decay` option.
 *
 * @packageDocumentation
 */
import {
  type GradientTransformation,
  type NumberDomain,
  type ScalarOrSchedule,
  chain,
  checkBoolean,
  checkKnownOptions,
  checkScalarOrSchedule,
  invalidOption,
} from '@descent/core';
import { addDecayedWeights } from './add-decayed-weights.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { scaleByLion } from './scale-by-lion.js';

/** Options of {@link lion}; names and defaults as the reference `Lion` (camelCase, betas split). */
export interface LionOptions {
  /** γ ≥ 0. Default 1e-4. */
  learningRate?: ScalarOrSchedule;
  /** β1 ∈ [0, 1), interpolation weight in the update. Default 0.9. */
  b1?: ScalarOrSchedule;
  /** β2 ∈ [0, 1), decay of the stored momentum. Default 0.99. */
  b2?: ScalarOrSchedule;
  /** λ ≥ 0, decoupled weight decay `θ ← θ(1 − γλ)`. Default 0. */
  weightDecay?: ScalarOrSchedule;
  /**
   * lucidrains/lion-pytorch's `decoupled_weight_decay`: use λ/γ₀ in place of λ, where γ₀ is the
   * learning rate at step 0 (so the decay per step is `1 − γλ/γ₀`, independent of γ₀'s scale).
   * Needs γ₀ > 0. Default false.
   */
  decoupledWeightDecay?: boolean;
}

/**
 * Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms", NeurIPS, Program 1),
 * as github `google/automl` `lion/lion_pytorch.py`:
 *
 * $$\theta \leftarrow \theta(1-\gamma\lambda),\qquad
 *   \theta_t = \theta - \gamma\,\mathrm{sign}\big(\beta_1 m_{t-1} + (1-\beta_1) g_t\big),\qquad
 *   m_t = \beta_2 m_{t-1} + (1-\beta_2) g_t,$$
 *
 * with $\lambda$ replaced by $\lambda/\gamma_0$ when `decoupledWeightDecay` (github
 * `lucidrains/lion-pytorch`, `lion_pytorch/lion_pytorch.py`, `Lion.step`: `wd /= init_lr`).
 * `chain(scaleByLion({ b1, b2 }), addDecayedWeights(λ), scaleByLearningRate(γ))`, fused into one
 * kernel per parameter tensor; decaying first (the reference's order) gives the same sum because
 * the sign step does not depend on θ. With decay λ every coordinate is drawn into the box
 * $\|\theta\|_\infty \le 1/\lambda$ and stays there (Chen et al. 2023, "Lion Secretly Solves
 * Constrained Optimization: As Lyapunov Predicts"). Defaults: learningRate 1e-4, b1 0.9, b2 0.99,
 * weightDecay 0, decoupledWeightDecay false.
 */
export function lion(options: LionOptions = {}): GradientTransformation<unknown[]> {
  const where = 'lion';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['learningRate', 'b1', 'b2', 'weightDecay', 'decoupledWeightDecay']);
  // Validated here under the alias's own option names before any block is built; schedules are
  // passed on wrapped, so a bad value at step t is reported under the alias's name too.
  const checked = (name: 'learningRate' | 'b1' | 'b2' | 'weightDecay', fallback: number, domain: NumberDomain): ScalarOrSchedule => {
    const raw = options[name] ?? fallback;
    const wrapped = checkScalarOrSchedule(where, name, raw, domain);
    return typeof raw === 'function' ? wrapped : raw;
  };
  const learningRate = checked('learningRate', 1e-4, { min: 0 });
  const b1 = checked('b1', 0.9, { min: 0, lessThan: 1 });
  const b2 = checked('b2', 0.99, { min: 0, lessThan: 1 });
  let weightDecay = checked('weightDecay', 0, { min: 0 });
  const decoupled = checkBoolean(where, 'decoupledWeightDecay', options.decoupledWeightDecay ?? false);
  if (decoupled) {
    // lucidrains/lion-pytorch: `wd /= init_lr`, the learning rate the optimizer was built with.
    const lr0 = typeof learningRate === 'function' ? learningRate(0) : learningRate;
    if (!(lr0 > 0)) {
      invalidOption(where, 'learningRate', lr0, '> 0 at step 0 when decoupledWeightDecay is true (weightDecay is divided by it)');
    }
    const wd = weightDecay;
    weightDecay = typeof wd === 'function' ? (step: number) => wd(step) / lr0 : wd / lr0;
  }
  return chain(scaleByLion({ b1, b2 }), addDecayedWeights(weightDecay), scaleByLearningRate(learningRate));
}
