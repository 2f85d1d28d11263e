/**
 * Linear warmup to a constant.
 *
 * @packageDocumentation
 */
import { checkKnownOptions, checkNumber } from '@descent/core';
import { polynomialSchedule } from './polynomial.js';
import { type Schedule, checkOptionsObject, checkStep } from './schedule.js';

/** Options of {@link warmupConstant}; optax's `warmup_constant_schedule` arguments in camelCase. */
export interface WarmupConstantOptions {
  /** I, the value at step 0 (finite). */
  init: number;
  /** P, the value from step W on (finite). */
  peak: number;
  /** W ≥ 0, the length of the warmup; 0 means no warmup (`peak` from step 0). */
  warmupSteps: number;
}

/**
 * Linear warmup from `init` to `peak` over W steps, then `peak` forever:
 *
 * $$s(t) = I + (P - I)\,\min(t, W)/W.$$
 *
 * Source: optax `warmup_constant_schedule(init_value, peak_value, warmup_steps)`
 * (`optax/schedules/_schedule.py`, a `linear_schedule`). One deliberate difference: optax's
 * `linear_schedule` returns `init_value` forever when `transition_steps ≤ 0`, so a zero-length
 * warmup there never reaches the peak; here `warmupSteps = 0` means "no warmup" and returns
 * `peak` from step 0, like {@link warmupCosineDecay} and {@link wsd} do.
 */
export function warmupConstant(options: WarmupConstantOptions): Schedule {
  const where = 'warmupConstant';
  checkOptionsObject(where, options);
  checkKnownOptions(where, options, ['init', 'peak', 'warmupSteps']);
  const init = checkNumber(where, 'init', options.init);
  const peak = checkNumber(where, 'peak', options.peak);
  const warmupSteps = checkNumber(where, 'warmupSteps', options.warmupSteps, { min: 0 });
  const warmup = polynomialSchedule(where, { init, end: peak, power: 1, transitionSteps: warmupSteps });
  return (step: number) => {
    checkStep(where, step);
    return step < warmupSteps ? warmup(step) : peak;
  };
}
