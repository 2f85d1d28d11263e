/**
 * Polynomial transition from an initial to an end value.
 *
 * @packageDocumentation
 */
import { checkKnownOptions, checkNumber } from '@descent/core';
import { type Schedule, checkOptionsObject, checkStep } from './schedule.js';

/** Options of {@link polynomial}; optax's `polynomial_schedule` arguments in camelCase. */
export interface PolynomialOptions {
  /** I, the value before and at the start of the transition (finite). */
  init: number;
  /** E, the value at and after the end of the transition (finite). */
  end: number;
  /** P > 0, the power of the polynomial. */
  power: number;
  /** T ≥ 0, the number of steps the transition takes; 0 gives the constant `init` (as optax). */
  transitionSteps: number;
  /** B ≥ 0, the step at which the transition starts. Default 0. */
  transitionBegin?: number;
}

/**
 * Polynomial transition from `init` to `end`:
 *
 * $$s(t) = (I - E)\Bigl(1 - \frac{\operatorname{clip}(t - B, 0, T)}{T}\Bigr)^{P} + E,$$
 *
 * so $s = I$ for $t \le B$ and $s = E$ for $t \ge B + T$ (past the end the schedule holds `end`).
 * With `transitionSteps = 0` it is the constant `init`, as in optax. Defaults: transitionBegin 0.
 *
 * Source: optax `polynomial_schedule(init_value, end_value, power, transition_steps,
 * transition_begin=0)` (`optax/schedules/_schedule.py`); its doctest (I = 1, E = 0.01, P = 2,
 * T = 100, B = 5) gives 1.0, 1.0, 0.9803, 0.0101, 0.0100, 0.0100 at t = 0, 5, 6, 104, 105, 110.
 * optax silently replaces a negative `transition_begin` by 0 and a negative `transition_steps`
 * by a constant; here both are errors.
 */
export function polynomial(options: PolynomialOptions): Schedule {
  const where = 'polynomial';
  checkOptionsObject(where, options);
  checkKnownOptions(where, options, ['init', 'end', 'power', 'transitionSteps', 'transitionBegin']);
  return polynomialSchedule(where, options);
}

/** {@link polynomial} under another constructor's name (for its error messages). */
export function polynomialSchedule(where: string, options: PolynomialOptions): Schedule {
  const init = checkNumber(where, 'init', options.init);
  const end = checkNumber(where, 'end', options.end);
  const power = checkNumber(where, 'power', options.power, { greaterThan: 0 });
  const steps = checkNumber(where, 'transitionSteps', options.transitionSteps, { min: 0 });
  const begin = checkNumber(where, 'transitionBegin', options.transitionBegin ?? 0, { min: 0 });
  if (steps === 0) {
    return (step: number) => {
      checkStep(where, step);
      return init;
    };
  }
  return (step: number) => {
    checkStep(where, step);
    const count = Math.min(Math.max(step - begin, 0), steps);
    const frac = 1 - count / steps;
    return (init - end) * frac ** power + end;
  };
}
