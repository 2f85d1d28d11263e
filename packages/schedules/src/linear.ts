/**
 * Linear transition from an initial to an end value.
 *
 * @packageDocumentation
 */
import { checkKnownOptions } from '@descent/core';
import { polynomialSchedule } from './polynomial.js';
import { type Schedule, checkOptionsObject } from './schedule.js';

/** Options of {@link linear}; optax's `linear_schedule` arguments in camelCase. */
export interface LinearOptions {
  /** I, the value before and at the start of the transition (finite). */
  init: number;
  /** E, the value at and after the end of the transition (finite). */
  end: number;
  /** T ≥ 0, the number of steps the transition takes; 0 gives the constant `init` (as optax). */
  transitionSteps: number;
  /** B ≥ 0, the step at which the transition starts. Default 0. */
  transitionBegin?: number;
}

/**
 * Linear transition from `init` to `end` — {@link polynomial} with power 1:
 *
 * $$s(t) = I + (E - I)\,\frac{\operatorname{clip}(t - B, 0, T)}{T}.$$
 *
 * Holds `end` past `B + T`; `transitionSteps = 0` gives the constant `init`. Defaults: transitionBegin 0.
 *
 * Source: optax `linear_schedule(init_value, end_value, transition_steps, transition_begin=0)`
 * (`optax/schedules/_schedule.py`), whose doctest gives 1.0 at t = 0 and 0.01 at t = 100 for
 * I = 1, E = 0.01, T = 100.
 */
export function linear(options: LinearOptions): Schedule {
  const where = 'linear';
  checkOptionsObject(where, options);
  checkKnownOptions(where, options, ['init', 'end', 'transitionSteps', 'transitionBegin']);
  return polynomialSchedule(where, { ...options, power: 1 });
}
