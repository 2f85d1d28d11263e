/**
 * Cosine decay (the annealing half of SGDR).
 *
 * @packageDocumentation
 */
import { checkKnownOptions, checkNumber } from '@descent/core';
import { type Schedule, checkOptionsObject, checkStep } from './schedule.js';

/** Options of {@link cosineDecay}; optax's `cosine_decay_schedule` arguments in camelCase. */
export interface CosineDecayOptions {
  /** I, the value at step 0 (finite). */
  init: number;
  /** T > 0, the number of steps the decay takes. */
  decaySteps: number;
  /** α, the final value as a fraction of `init` (finite). Default 0. */
  alpha?: number;
  /** p > 0, the exponent applied to the cosine factor. Default 1. */
  exponent?: number;
}

/**
 * Cosine decay from `init` to `alpha · init` over `decaySteps` steps:
 *
 * $$s(t) = I\Bigl[(1 - \alpha)\Bigl(\tfrac12\bigl(1 + \cos\tfrac{\pi \min(t, T)}{T}\bigr)\Bigr)^{p} + \alpha\Bigr],$$
 *
 * holding $\alpha I$ past step T. Defaults: alpha 0, exponent 1.
 *
 * Source: optax `cosine_decay_schedule(init_value, decay_steps, alpha=0.0, exponent=1.0)`
 * (`optax/schedules/_schedule.py`), which also rejects `decay_steps ≤ 0`; Loshchilov & Hutter,
 * "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017, eq. (5).
 */
export function cosineDecay(options: CosineDecayOptions): Schedule {
  const where = 'cosineDecay';
  checkOptionsObject(where, options);
  checkKnownOptions(where, options, ['init', 'decaySteps', 'alpha', 'exponent']);
  return cosineDecaySchedule(where, options);
}

/** {@link cosineDecay} under another constructor's name (for its error messages). */
export function cosineDecaySchedule(where: string, options: CosineDecayOptions): Schedule {
  const init = checkNumber(where, 'init', options.init);
  const decaySteps = checkNumber(where, 'decaySteps', options.decaySteps, { greaterThan: 0 });
  const alpha = checkNumber(where, 'alpha', options.alpha ?? 0);
  const exponent = checkNumber(where, 'exponent', options.exponent ?? 1, { greaterThan: 0 });
  return (step: number) => {
    checkStep(where, step);
    const count = Math.min(step, decaySteps);
    const cosine = 0.5 * (1 + Math.cos((Math.PI * count) / decaySteps));
    return init * ((1 - alpha) * cosine ** exponent + alpha);
  };
}
