/**
 * `adafactor`: Adafactor numerically as Hugging Face `transformers`' `Adafactor` (factored second
 * moment, update clipping, relative step size).
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
import { clipByBlockRms } from './clip-by-block-rms.js';
import { scaleByFactoredRms } from './scale-by-factored-rms.js';
import { scaleByRelativeStepSize } from './scale-by-relative-step-size.js';

/** Options of {@link adafactor}; names and defaults as HF `Adafactor` (camelCase; `eps` split into eps1/eps2). */
export interface AdafactorOptions {
  /** External learning rate ≥ 0: only with relativeStep false (then required). Default none. */
  learningRate?: ScalarOrSchedule | null;
  /** ε₁ ≥ 0, added to g² (HF `eps[0]`). Default 1e-30. */
  eps1?: ScalarOrSchedule;
  /** ε₂ ≥ 0, floor of the parameter scale (HF `eps[1]`). Default 1e-3. */
  eps2?: ScalarOrSchedule;
  /** d > 0 of the update clipping `u / max(1, RMS(u)/d)`. Default 1.0. */
  clipThreshold?: ScalarOrSchedule;
  /** Exponent ≤ 0 of the second-moment decay `β̂_t = 1 − t^decayRate`. Default −0.8. */
  decayRate?: ScalarOrSchedule;
  /** β₁ ∈ [0, 1) of a first moment; null/undefined: none (HF default). */
  b1?: ScalarOrSchedule | null;
  /** λ ≥ 0, decay `θ ← θ − λ α_t θ` with Adafactor's step size α_t. Default 0. */
  weightDecay?: ScalarOrSchedule;
  /** Scale the step by `max(eps2, RMS(θ))`. Default true. */
  scaleParameter?: boolean;
  /** Use the relative step `min(1e-2, 1/√t)` instead of learningRate. Default true. */
  relativeStep?: boolean;
  /** Relative step `min(1e-6·t, 1/√t)` (needs relativeStep). Default false. */
  warmupInit?: boolean;
}

/**
 * Adafactor as Hugging Face `transformers` (`src/transformers/optimization.py`, class
 * `Adafactor`), with `t` the 1-based step and `θ` the parameters before the step:
 *
 * $$\hat\beta_t = 1 - t^{d},\quad G^2 = g^2 + \varepsilon_1,\quad
 *   R_t = \hat\beta_t R_{t-1} + (1-\hat\beta_t)\,\mathrm{mean}_{-1}G^2,\quad
 *   C_t = \hat\beta_t C_{t-1} + (1-\hat\beta_t)\,\mathrm{mean}_{-2}G^2,$$
 * $$U_t = g \odot \mathrm{rsqrt}\big(R_t/\mathrm{mean}_{-1}R_t\big)\odot\mathrm{rsqrt}(C_t)
 *   \ \ (\text{rank} \ge 2;\ \text{else } g/\sqrt{V_t}),\qquad
 *   U_t \leftarrow U_t / \max(1, \mathrm{RMS}(U_t)/d_{\text{clip}}),$$
 * $$\alpha_t = \rho_t\cdot\max(\varepsilon_2, \mathrm{RMS}(\theta)),\quad
 *   \rho_t = \min(10^{-2}, 1/\sqrt t)\ \ (\text{warmupInit: } \min(10^{-6}t, 1/\sqrt t);\ \text{or } \gamma_t),$$
 * $$m_t = \beta_1 m_{t-1} + (1-\beta_1)\,\alpha_t U_t\ (\text{optional}),\qquad
 *   \theta_t = \theta - \lambda\alpha_t\theta - (\beta_1\ ?\ m_t : \alpha_t U_t).$$
 *
 * Factored over the last two dimensions for rank ≥ 2 (leading dimensions are a batch); β̂₁ = 0,
 * so there is no bias correction. `chain(scaleByFactoredRms({ decayRate, eps1 }),
 * clipByBlockRms(clipThreshold), scaleByRelativeStepSize({ learningRate, relativeStep,
 * warmupInit, scaleParameter, eps2, b1, weightDecay }))`.
 *
 * Defaults (HF): learningRate none, eps1 1e-30, eps2 1e-3, clipThreshold 1.0, decayRate −0.8,
 * b1 none, weightDecay 0, scaleParameter true, relativeStep true, warmupInit false. A learning
 * rate together with relativeStep, or warmupInit without it, is rejected (as HF).
 */
export function adafactor(options: AdafactorOptions = {}): GradientTransformation<unknown[]> {
  const where = 'adafactor';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, [
    'learningRate', 'eps1', 'eps2', 'clipThreshold', 'decayRate', 'b1', 'weightDecay', 'scaleParameter', 'relativeStep', 'warmupInit',
  ]);
  // Validated here under the alias's names (the blocks would report 'threshold' for clipThreshold).
  checkScalarOrSchedule(where, 'eps1', options.eps1 ?? 1e-30, { min: 0 });
  checkScalarOrSchedule(where, 'eps2', options.eps2 ?? 1e-3, { min: 0 });
  checkScalarOrSchedule(where, 'clipThreshold', options.clipThreshold ?? 1.0, { greaterThan: 0 });
  checkScalarOrSchedule(where, 'decayRate', options.decayRate ?? -0.8, { max: 0 });
  if (options.b1 !== undefined && options.b1 !== null) checkScalarOrSchedule(where, 'b1', options.b1, { min: 0, lessThan: 1 });
  checkScalarOrSchedule(where, 'weightDecay', options.weightDecay ?? 0, { min: 0 });
  checkBoolean(where, 'scaleParameter', options.scaleParameter ?? true);
  checkBoolean(where, 'relativeStep', options.relativeStep ?? true);
  checkBoolean(where, 'warmupInit', options.warmupInit ?? false);
  const tail = scaleByRelativeStepSize(
    {
      learningRate: options.learningRate ?? null,
      relativeStep: options.relativeStep ?? true,
      warmupInit: options.warmupInit ?? false,
      scaleParameter: options.scaleParameter ?? true,
      eps2: options.eps2 ?? 1e-3,
      b1: options.b1 ?? null,
      weightDecay: options.weightDecay ?? 0,
    },
    where,
  );
  return chain(
    scaleByFactoredRms({ decayRate: options.decayRate ?? -0.8, eps1: options.eps1 ?? 1e-30 }),
    clipByBlockRms(options.clipThreshold ?? 1.0),
    tail,
  );
}
