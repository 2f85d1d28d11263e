/**
 * `adabelief`: AdaBelief (Zhuang et al. 2020) with the numerics and defaults of the authors'
 * `adabelief_pytorch` 0.2.1.
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
import { scaleByBelief } from './scale-by-belief.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';

/** Options of {@link adabelief}; names and defaults as `adabelief_pytorch.AdaBelief` 0.2.1 (camelCase, betas split). */
export interface AdaBeliefOptions {
  /** γ ≥ 0. Default 1e-3. */
  learningRate?: ScalarOrSchedule;
  /** β1 ∈ [0, 1). Default 0.9. */
  b1?: ScalarOrSchedule;
  /** β2 ∈ [0, 1). Default 0.999. */
  b2?: ScalarOrSchedule;
  /** ε ≥ 0, added to the state every step and to the denominator. Default 1e-16. */
  eps?: ScalarOrSchedule;
  /** λ ≥ 0. Default 0. Decoupled (`θ ← θ(1 − γλ)`) when weightDecouple, else coupled L2. */
  weightDecay?: ScalarOrSchedule;
  /** AMSGrad maximum of s (only used when rectify is false, as the reference). Default false. */
  amsgrad?: boolean;
  /** Decoupled weight decay (AdamW style). Default true. */
  weightDecouple?: boolean;
  /** With weightDecouple: `θ ← θ(1 − λ)`, not scaled by γ. Default false. */
  fixedDecay?: boolean;
  /** RAdam-style rectification (ρ_t ≥ 5). Default true. */
  rectify?: boolean;
  /** With rectify, while ρ_t < 5: an SGD-with-momentum step (true) or no step (false). Default true. */
  degeneratedToSgd?: boolean;
}

/**
 * AdaBelief (Zhuang et al. 2020, "AdaBelief Optimizer: Adapting Stepsizes by the Belief in
 * Observed Gradients", NeurIPS) as `adabelief_pytorch` 0.2.1 (github
 * `juntang-zhuang/Adabelief-Optimizer`, `pypi_packages/adabelief_pytorch0.2.1/adabelief_pytorch/AdaBelief.py`):
 *
 * $$\theta \leftarrow \theta(1-\gamma\lambda)\ \text{(weightDecouple; } \theta(1-\lambda)\text{ with fixedDecay)},\quad
 *   \text{else } g_t \leftarrow g_t + \lambda\theta,$$
 * $$m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad s_t = \beta_2 s_{t-1} + (1-\beta_2)(g_t - m_t)^2 + \varepsilon,\quad
 *   \theta_t = \theta - \gamma\, u_t,$$
 *
 * with $u_t$ the belief-scaled step of {@link scaleByBelief} (rectified by default: $k_t m_t/(\sqrt{s_t}+\varepsilon)$
 * once $\rho_t \ge 5$, $m_t/(1-\beta_1^t)$ or no step before; un-rectified:
 * $(m_t/(1-\beta_1^t))/(\sqrt{s_t}/\sqrt{1-\beta_2^t}+\varepsilon)$).
 *
 * Built as (fused into one kernel per parameter tensor):
 * - weightDecouple (default): `chain(scaleByBelief(…), addDecayedWeights(λ), scaleByLearningRate(γ))`;
 * - weightDecouple with fixedDecay: `chain(scaleByBelief(…), scaleByLearningRate(γ, { flipSign: false }),
 *   addDecayedWeights(λ), scaleByLearningRate(1))`, i.e. $-(\gamma u_t + \lambda\theta)$;
 * - coupled L2: `chain(addDecayedWeights(λ), scaleByBelief(…), scaleByLearningRate(γ))`.
 *
 * Decaying first and stepping second (the reference's order) equals the sums above because the
 * step does not depend on θ. Defaults (since 0.1.0): learningRate 1e-3, b1 0.9, b2 0.999,
 * eps 1e-16, weightDecay 0, amsgrad false, weightDecouple true, fixedDecay false, rectify true,
 * degeneratedToSgd true (not the 0.0.5 / paper-table eps 1e-8, no decoupling, no rectification).
 */
export function adabelief(options: AdaBeliefOptions = {}): GradientTransformation<unknown[]> {
  const where = 'adabelief';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, [
    'learningRate',
    'b1',
    'b2',
    'eps',
    'weightDecay',
    'amsgrad',
    'weightDecouple',
    'fixedDecay',
    'rectify',
    'degeneratedToSgd',
  ]);
  // Validated here under the alias's own option names before any block is built; schedules are
  // passed on wrapped, so a bad value at step t is reported under the alias's name too.
  const checked = (name: 'learningRate' | 'b1' | 'b2' | 'eps' | 'weightDecay', fallback: number, domain: NumberDomain): ScalarOrSchedule => {
    const raw = options[name] ?? fallback;
    const wrapped = checkScalarOrSchedule(where, name, raw, domain);
    return typeof raw === 'function' ? wrapped : raw;
  };
  const learningRate = checked('learningRate', 1e-3, { min: 0 });
  const b1 = checked('b1', 0.9, { min: 0, lessThan: 1 });
  const b2 = checked('b2', 0.999, { min: 0, lessThan: 1 });
  const eps = checked('eps', 1e-16, { min: 0 });
  const weightDecay = checked('weightDecay', 0, { min: 0 });
  const amsgrad = checkBoolean(where, 'amsgrad', options.amsgrad ?? false);
  const weightDecouple = checkBoolean(where, 'weightDecouple', options.weightDecouple ?? true);
  const fixedDecay = checkBoolean(where, 'fixedDecay', options.fixedDecay ?? false);
  const rectify = checkBoolean(where, 'rectify', options.rectify ?? true);
  const degeneratedToSgd = checkBoolean(where, 'degeneratedToSgd', options.degeneratedToSgd ?? true);
  const belief = scaleByBelief({ b1, b2, eps, amsgrad, rectify, degeneratedToSgd });
  if (!weightDecouple) return chain(addDecayedWeights(weightDecay), belief, scaleByLearningRate(learningRate));
  if (!fixedDecay) return chain(belief, addDecayedWeights(weightDecay), scaleByLearningRate(learningRate));
  // θ(1 − λ) − γu = θ − (γu + λθ): scale by +γ, add λθ, then flip the sign.
  return chain(belief, scaleByLearningRate(learningRate, { flipSign: false }), addDecayedWeights(weightDecay), scaleByLearningRate(1));
}
